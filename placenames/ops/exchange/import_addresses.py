"""Importing addresses (标准地址): each row checked, its jurisdiction found by 行政区划代码 and
its road by 道路名称 within the jurisdiction's scope, its standard text composed as the register
composes it, matched by 地址代码, then written (see :mod:`.imports` for the transaction).

A row whose jurisdiction or road is not in the register is an error (import the divisions and
the names first). The code is kept as the office issued it; one that does not follow the
register's own scheme (GB/T 23705 style: division code + type + serial) is a warning. A 标准地址
cell that differs from the composed text is a warning; the composed text is stored.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ... import spatial
from ...addressing.compose import BUILDING_KINDS, AddressParts, format_zh, parse_address_code
from ...models import Address, Jurisdiction, Place
from ...models.addresses import AddressStatus
from ...models.places import HISTORICAL
from ...naming.generics import ROAD_CLASSES
from ..addresses.register import AddressRow, bulk_insert, jurisdiction_path, parts_of
from ..names.screen import ScreenScope, in_scope_code, resolve_scope
from . import readers
from .coords import ADDRESS_TYPES
from .imports import Job, in_chunks

STATUS_WORDS: dict[str, str] = {
    "active": "active", "in use": "active", "使用中": "active", "在用": "active",
    "有效": "active", "正常": "active", "retired": "retired", "已停用": "retired",
    "停用": "retired", "注销": "retired", "已注销": "retired", "废止": "retired",
}
"""状态 cell of an address → status."""
SIDE_WORDS: dict[str, str] = {"left": "left", "right": "right", "左": "left", "右": "right",
                              "左侧": "left", "右侧": "right"}
"""所在侧 (the side of the road, from its start) → side."""

ROAD_LIKE = ROAD_CLASSES | {"bridge", "tunnel"}
_NUMBER = re.compile(r"^(\d{1,6})\s*(?:号)?\s*(?:(?:-|—|－|之)\s*(\d{1,4})\s*号?)?$")

_STORED = (Address.id, Address.code, Address.jurisdiction_id, Address.road_id, Address.number,
           Address.suffix, Address.village_group, Address.building, Address.unit, Address.room,
           Address.full_text, Address.status, Address.side,
           *(c.label(n) for c, n in zip(spatial.point_lon_lat(Address.entrance), ("lon", "lat"),
                                        strict=True)))
_COMPARED = ("jurisdiction_id", "road_id", "number", "suffix", "village_group", "building",
             "unit", "room", "full_text", "status", "side")


@dataclass(slots=True)
class AddressIn:
    """One good row of an addresses file, as it will be stored."""

    row: int
    code: str
    jurisdiction_code: str
    number: int
    id: uuid.UUID | None = None
    road_name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    given_text: str | None = None
    existing: dict[str, Any] | None = None
    changes: dict[str, Any] = field(default_factory=dict)


class AddressImport(Job):
    """The addresses of one file, chunk by chunk."""

    kind = "addresses"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes: dict[str, int] = {}
        self.ids: dict[uuid.UUID, int] = {}
        self.roads: dict[tuple[str, str], uuid.UUID | tuple[str, str]] = {}
        self.scopes: dict[str, ScreenScope] = {}
        self.bases: dict[str, AddressParts] = {}

    def process(self, rows: list[readers.SourceRow]) -> None:
        """Check, match and (while all is well) write one chunk of rows."""
        good = [a for a in (self.parse(r) for r in rows) if a is not None]
        self.load_jurisdictions({a.jurisdiction_code for a in good})
        self.load_roads(good)
        good = [a for a in good if self.place(a)]
        self.match(good)
        good = [a for a in good if self.classify(a)]
        if self.write and not self.failed:
            self.store(good)

    # -- one row -------------------------------------------------------------------------------

    def parse(self, src: readers.SourceRow) -> AddressIn | None:
        """The row as an :class:`AddressIn`, or None (its errors noted)."""
        row, values = src.row, src.values
        before = self.report.errors
        code = self.text(values, "code", row, 32)
        division = values.get("jurisdiction_code", "")
        if not values.get("code"):
            self.error(row, "code", "missing_value", "地址代码为空", "the address code is empty")
        if not division:
            self.error(row, "jurisdiction_code", "missing_value", "行政区划代码为空",
                       "the administrative division code is empty")
        number, suffix = self.house_number(values, row)
        road = self.text(values, "road_name", row, 60)
        group = values.get("village_group", "").removesuffix("组").strip() or None
        if group is not None and not group.isdigit():
            self.error(row, "village_group", "bad_group", f"村民小组应为数字：{group[:10]}",
                       f"the village group should be a number: {group[:10]}")
        if road is None and group is None:
            self.error(row, "road_name", "missing_value", "道路名称和村民小组都为空（须有其一）",
                       "both the road and the village group are empty (give one)")
        extra: dict[str, Any] = {
            "suffix": suffix, "village_group": group,
            "building": _strip(self.text(values, "building", row, 24), BUILDING_KINDS),
            "unit": _strip(self.text(values, "unit", row, 16), ("单元",)),
            "room": _strip(self.text(values, "room", row, 16), ("室", "户")),
            "status": self.choice(values, "status", row, STATUS_WORDS, ("状态", "status")),
            "side": self.choice(values, "side", row, SIDE_WORDS, ("所在侧", "side")),
            "entrance": self.geometry(src, ADDRESS_TYPES),
        }
        record_id = self.record_id(values, row)
        if self.report.errors > before or code is None or number is None:
            return None
        self.check_code(row, code, division)
        return AddressIn(row, code, division, number, record_id, road,
                         {k: v for k, v in extra.items() if v is not None},
                         values.get("full_text") or None)

    def house_number(self, values: dict[str, str], row: int) -> tuple[int | None, str | None]:
        """门牌号 as (number, sub-number): 18, 18号, 12-1, 12之1号; 分号 wins when given."""
        text = values.get("number", "")
        suffix = values.get("suffix", "").lstrip("-—－之").removesuffix("号").strip() or None
        if not text:
            self.error(row, "number", "missing_value", "门牌号为空", "the house number is empty")
            return None, None
        m = _NUMBER.match(text)
        if m is None:
            self.error(row, "number", "bad_number",
                       f"门牌号无法识别：{text[:20]}（应如 18、18号、12-1）",
                       f"unreadable house number {text[:20]!r} (write 18, 18号 or 12-1)")
            return None, None
        if suffix is not None and not suffix.isdigit():
            self.error(row, "suffix", "bad_number", f"分号应为数字：{suffix[:10]}",
                       f"the sub-number should be a number: {suffix[:10]}")
            return None, None
        return int(m.group(1)), suffix or m.group(2)

    def check_code(self, row: int, code: str, division: str) -> None:
        """Warnings for a code outside the register's scheme or of another division."""
        try:
            parsed = parse_address_code(code)
        except ValueError:
            self.warn(row, "code", "code_scheme",
                      "地址代码不符合本系统的编码规则（区划代码+类型+序号），按原样保存",
                      "the address code does not follow the register's scheme (division code "
                      "+ type + serial); it is kept as it is")
            return
        if division.isdigit() and not parsed.division_code.startswith(division) and \
                not division.startswith(parsed.division_code):
            self.warn(row, "code", "code_division",
                      f"地址代码中的区划 {parsed.division_code} 与行政区划代码 {division} 不符",
                      f"the code's division {parsed.division_code} is not the row's "
                      f"division code {division}")

    # -- the register --------------------------------------------------------------------------

    def road_scope(self, j: Jurisdiction) -> ScreenScope:
        """Where an address of ``j`` may find its road: the legal scope of a road in ``j``
        (the built-up area, else the city)."""
        if j.code not in self.scopes:
            self.scopes[j.code] = resolve_scope(self.session, "road", j)
        return self.scopes[j.code]

    def load_roads(self, addresses: list[AddressIn]) -> None:
        """Find the road of each (road name, division) not seen yet, in the division's scope:
        the one road there of that name, the nearest by division code when several."""
        todo = {(a.road_name, a.jurisdiction_code) for a in addresses if a.road_name} - \
            set(self.roads)
        found: dict[str, list[tuple[uuid.UUID, str | None]]] = {}
        for part in in_chunks(name for name, _code in todo):
            stmt = select(Place.id, Place.name, Place.division_code).where(
                Place.name.in_(part), Place.cls.in_(sorted(ROAD_LIKE)),
                Place.status.not_in([str(s) for s in HISTORICAL]))
            for pid, name, code in self.session.execute(stmt):
                found.setdefault(name, []).append((pid, code))
        for name, code in todo:
            j = self.jurisdiction(code)
            if j is None:
                continue
            scope = self.road_scope(j)
            inside = [(pid, c) for pid, c in found.get(name, []) if in_scope_code(c, scope)]
            best = max((_shared(c, code) for _pid, c in inside), default=-1)
            nearest = [pid for pid, c in inside if _shared(c, code) == best]
            if len(nearest) == 1:
                self.roads[(name, code)] = nearest[0]
            elif nearest:
                self.roads[(name, code)] = (
                    f"在 {scope.label_zh} 内有 {len(nearest)} 条同名道路“{name}”，无法确定",
                    f"{len(nearest)} roads named {name!r} in {scope.label_en}: which one?")
            elif found.get(name):
                self.roads[(name, code)] = (
                    f"道路“{name}”不在行政区划 {code} 的范围（{scope.label_zh}）内",
                    f"the road {name!r} is not within the scope of division {code} "
                    f"({scope.label_en})")
            else:
                self.roads[(name, code)] = (f"道路“{name}”不在登记中（请先导入地名）",
                                            f"the road {name!r} is not in the register "
                                            "(import the names first)")

    def place(self, a: AddressIn) -> bool:
        """Give the row its jurisdiction, road and composed text; False (an error) when the
        jurisdiction or the road is unknown."""
        j = self.jurisdiction(a.jurisdiction_code)
        if j is None:
            self.error(a.row, "jurisdiction_code", "unknown_division",
                       f"行政区划代码 {a.jurisdiction_code} 不在登记中（请先导入区划）",
                       f"division code {a.jurisdiction_code} is not in the register (import "
                       "the divisions first)")
            return False
        road_id = None
        if a.road_name:
            road = self.roads[(a.road_name, a.jurisdiction_code)]
            if isinstance(road, tuple):
                self.error(a.row, "road_name", "unknown_road", *road)
                return False
            road_id = road
        if j.code not in self.bases:
            self.bases[j.code] = jurisdiction_path(self.session, j)
        v = a.values
        text = format_zh(parts_of(self.bases[j.code], road=a.road_name, number=a.number,
                                  suffix=v.get("suffix"), village_group=v.get("village_group"),
                                  building=v.get("building"), unit=v.get("unit"),
                                  room=v.get("room")))
        if len(text) > 240:
            self.error(a.row, "full_text", "too_long", "标准地址过长（最多 240 个字）",
                       "the standard address is too long (at most 240 characters)")
            return False
        if a.given_text and a.given_text != text:
            self.warn(a.row, "full_text", "text_differs",
                      f"标准地址与按登记组成的“{text}”不同，登记采用后者",
                      f"the standard address differs from the one the register composes "
                      f"({text!r}), which is stored")
        v.update(jurisdiction_id=j.id, road_id=road_id, full_text=text)
        return True

    def match(self, addresses: list[AddressIn]) -> None:
        """Find each row's record by 地址代码; a 标识码 of another address is an error."""
        stored: dict[str, dict[str, Any]] = {}
        for part in in_chunks(a.code for a in addresses):
            for r in self.session.execute(select(*_STORED).where(Address.code.in_(part))
                                          ).mappings():
                stored[r["code"]] = dict(r)
        owners: dict[uuid.UUID, str] = {}
        for part in in_chunks(a.id for a in addresses if a.id):
            owners.update(self.session.execute(
                select(Address.id, Address.code).where(Address.id.in_(part))).all())
        for a in addresses:
            a.existing = stored.get(a.code)
            owner = owners.get(a.id) if a.id else None
            if owner is not None and owner != a.code:
                self.error(a.row, "id", "id_conflict",
                           f"标识码属于地址代码为 {owner} 的地址，不是 {a.code}",
                           f"the record id belongs to the address coded {owner}, not {a.code}")
                a.existing = {"conflict": True}

    def classify(self, a: AddressIn) -> bool:
        """Count the row as new, updated or unchanged; False (an error) for a code or id that
        an earlier row of the file holds."""
        if a.existing and a.existing.get("conflict"):
            return False
        first = self.codes.setdefault(a.code, a.row)
        if first != a.row:
            self.error(a.row, "code", "duplicate_row", f"地址代码与第 {first} 行重复",
                       f"the same address code as row {first}")
            return False
        if a.id is not None:
            first = self.ids.setdefault(a.id, a.row)
            if first != a.row:
                self.error(a.row, "id", "duplicate_row", f"标识码与第 {first} 行重复",
                           f"the same record id as row {first}")
                return False
        if a.existing is None:
            self.report.counts["new"] += 1
            return True
        old, v = a.existing, a.values
        a.changes = {c: v[c] for c in _COMPARED if c in v and old[c] != v[c]}
        if "entrance" in v and not _same_point(old["lon"], old["lat"], v["entrance"]):
            a.changes["entrance"] = v["entrance"]
        self.report.counts["updated" if a.changes else "unchanged"] += 1
        return True

    # -- writing -------------------------------------------------------------------------------

    def store(self, addresses: list[AddressIn]) -> None:
        """Insert the new rows in bulk; update the changed records through the ORM."""
        rows = []
        for a in addresses:
            if a.existing is not None:
                continue
            v = a.values
            rows.append(AddressRow(
                id=a.id or uuid.uuid4(), code=a.code, jurisdiction_id=v["jurisdiction_id"],
                full_text=v["full_text"], number=a.number, road_id=v["road_id"],
                suffix=v.get("suffix"), village_group=v.get("village_group"),
                building=v.get("building"), unit=v.get("unit"), room=v.get("room"),
                status=v.get("status", AddressStatus.ACTIVE), side=v.get("side"),
                entrance=v.get("entrance")))
            if len(self.report.samples) < 20:
                self.report.samples.append((a.code, v["full_text"]))
        bulk_insert(self.session, rows)
        changed = {a.existing["id"]: a for a in addresses if a.existing and a.changes}
        for part in in_chunks(changed):
            for address in self.session.scalars(select(Address).where(Address.id.in_(part))):
                for column, value in changed[address.id].changes.items():
                    setattr(address, column, value)
                if len(self.report.samples) < 20:
                    self.report.samples.append((address.code, address.full_text))
        self.session.flush()


def _strip(value: str | None, suffixes: tuple[str, ...]) -> str | None:
    """A building, unit or room without its word (3号楼 → 3, 2单元 → 2, 501室 → 501)."""
    if value is None:
        return None
    for s in sorted(suffixes, key=len, reverse=True):
        if value.endswith(s) and len(value) > len(s):
            return value[: -len(s)].strip()
    return value


def _shared(a: str | None, b: str) -> int:
    """How many leading characters two division codes share."""
    n = 0
    for x, y in zip(a or "", b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _same_point(x: float | None, y: float | None, ewkt: str) -> bool:
    if x is None or y is None:
        return False
    nx, ny = (float(v) for v in ewkt.split("(", 1)[1].rstrip(")").split())
    return abs(x - nx) < 1e-7 and abs(y - ny) < 1e-7
