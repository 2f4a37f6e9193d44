"""Importing names (地名): each row checked, romanized by the names engine, matched to the
register, screened for duplicates and homophones in the file and against the register, then
written (see :mod:`.imports` for the transaction and the report).

A name the engine refuses (characters it cannot read, a reading it cannot make) is an error
row. The naming rules (character tiers, lexicons) and the duplicate/homophone screen give
warnings: the names are in the office's register already, the import records them as they are
and says what a new name would have been told. The screen of a whole file runs in bulk on the
engine's indexed keys (:func:`placenames.ops.names.screen.screen_many`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import select

from ... import spatial
from ...models import Place, PlaceKeys, PlaceSyllable
from ...models.name_keys import derived_and_keys
from ...models.places import HISTORICAL, PlaceStatus
from ...naming import duplicates, rules
from ...naming.errors import NamingError
from ...naming.generics import CLASSES, generic_class, split_name
from ...naming.keys import NameKeys
from ...naming.normalize import clean_name
from ..names.screen import (
    Proposal,
    ScreenScope,
    in_scope_code,
    probe_keys,
    resolve_scope,
    screen_many,
)
from ..registry.places import PlaceRow, bulk_insert
from . import readers
from .coords import NAME_TYPES
from .imports import CHUNK, Job, in_chunks, parse_date, same

CLASS_WORDS: dict[str, str] = {
    **{c: c for c in CLASSES},
    "路": "road", "道路": "road", "公路": "road", "街": "street", "大街": "street",
    "巷": "lane", "胡同": "lane", "街巷": "lane", "大道": "avenue", "桥": "bridge",
    "桥梁": "bridge", "隧道": "tunnel", "居民区": "residential", "住宅区": "residential",
    "居住区": "residential", "小区": "residential", "residential area": "residential",
    "建筑物": "building", "楼宇": "building", "广场": "square", "公园": "park", "村": "village",
    "行政村": "village", "自然村": "village", "社区": "community", "乡镇": "township",
    "镇": "township", "乡": "township", "县": "county", "区县": "county", "市": "city",
    "省": "province", "海岛": "island", "岛屿": "island",
}
"""地名类别 cell (a class code, its Chinese label, a common word) → class."""

STATUS_WORDS: dict[str, str] = {
    **{s.value: s.value for s in PlaceStatus},
    "拟命名": "proposed", "in procedure": "in_procedure", "审批中": "in_procedure",
    "已批准": "approved", "in force": "in_force", "已生效": "in_force", "现行": "in_force",
    "在用": "in_force", "使用中": "in_force", "有效": "in_force", "正式": "in_force",
    "备用": "reserved", "备用地名": "reserved", "已更名": "renamed", "更名": "renamed",
    "已销名": "cancelled", "销名": "cancelled", "已注销": "cancelled", "注销": "cancelled",
    "废止": "cancelled",
}
"""状态 cell → status."""

DESCRIPTIVE = (("class_code", "class_code", 12), ("meaning", "meaning", 4000),
               ("history", "history", 4000), ("approving_body", "approving_body", 120),
               ("approval_doc_no", "approval_doc_no", 80), ("location", "location_desc", 4000),
               ("start", "start_desc", 200), ("end", "end_desc", 200))
"""(file key, column of places, longest value) of the descriptive cells."""

KIND_WORDS = {"exact": ("重名", "the same name"), "reuse": ("同名（已更名或销名）",
              "the same name as a retired one"), "same_specific": ("专名相同", "the same specific"),
              "homophone": ("同音", "the same sound"), "near_homophone": ("音近",
              "a near sound"), "directional": ("仅方位或新旧前缀不同",
              "only a direction or new/old prefix apart"), "similar": ("拼音相似",
              "a similar spelling")}

_STORED = (Place.id, Place.name, Place.cls, Place.class_code, Place.division_code,
           Place.jurisdiction_id, Place.status, Place.meaning, Place.history,
           Place.approving_body, Place.approval_doc_no, Place.approval_date,
           Place.location_desc, Place.start_desc, Place.end_desc, Place.length_m,
           Place.width_m, Place.romanization, Place.reading,
           spatial.as_geojson(Place.geom).label("geojson"))


@dataclass(slots=True)
class NameIn:
    """One good row of a names file, as it will be stored."""

    row: int
    name: str
    cls: str
    division_code: str
    id: uuid.UUID | None
    keys: NameKeys
    derived: tuple[dict[str, str], tuple[str, ...]]
    values: dict[str, Any] = field(default_factory=dict)
    romanization: str | None = None
    jurisdiction_id: uuid.UUID | None = None
    existing: dict[str, Any] | None = None
    changes: dict[str, Any] = field(default_factory=dict)


class NameImport(Job):
    """The names of one file, chunk by chunk."""

    kind = "names"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_id: dict[uuid.UUID, int] = {}
        self.by_key: dict[tuple[str, str], int] = {}
        self.matched: dict[uuid.UUID, int] = {}
        self.scopes: dict[tuple[str, str], ScreenScope] = {}
        self.seen: dict[str, dict[str, list[tuple[int, duplicates.Candidate]]]] = {}
        self.written: set[str] = set()
        self.reported: set[tuple[str, int]] = set()
        self.inserted = self.analyzed = 0
        self.lexicons = self.session.info.get("lexicons")

    def process(self, rows: list[readers.SourceRow]) -> None:
        """Check, match, screen and (while all is well) write one chunk of rows."""
        good = [n for n in (self.parse(r) for r in rows) if n is not None]
        self.load_jurisdictions({n.division_code for n in good})
        good = [n for n in good if self.place_in_division(n)]
        self.match(good)
        good = [n for n in good if self.classify(n)]
        for n in good:
            self.check_romanization(n)
        for n in good:
            if n.existing is None or n.changes:
                self.rules(n.row, n.name, n.cls)
        self.screen(good)
        if self.write and not self.failed:
            self.store(good)

    # -- one row -------------------------------------------------------------------------------

    def parse(self, src: readers.SourceRow) -> NameIn | None:
        """The row as a :class:`NameIn`, or None (its errors noted)."""
        row, values = src.row, src.values
        before = self.report.errors
        raw = values.get("name", "")
        division = values.get("division_code", "")
        if not raw:
            self.error(row, "name", "missing_value", "标准名称为空", "the standard name is empty")
        if not division:
            self.error(row, "division_code", "missing_value", "行政区划代码为空",
                       "the administrative division code is empty")
        record_id = self.record_id(values, row)
        cls = self.choice(values, "class", row, CLASS_WORDS, ("地名类别", "class"))
        status = self.choice(values, "status", row, STATUS_WORDS, ("状态", "status"))
        extra: dict[str, Any] = {"status": status}
        for key, column, limit in DESCRIPTIVE:
            extra[column] = self.text(values, key, row, limit)
        for key in ("length_m", "width_m"):
            extra[key] = self.metres(values, key, row)
        if values.get("approval_date"):
            extra["approval_date"] = parse_date(values["approval_date"])
            if extra["approval_date"] is None:
                self.error(row, "approval_date", "bad_date",
                           f"批准时间无法识别：{values['approval_date'][:20]}（应如 2021-05-01）",
                           f"unreadable approval date {values['approval_date'][:20]!r} "
                           "(write 2021-05-01)")
        extra["geom"] = self.geometry(src, NAME_TYPES)
        if not raw:
            return None
        try:
            name = clean_name(raw)
            if cls is None and not values.get("class"):
                cls = generic_class(split_name(name)[1])
                if cls is None:
                    self.error(row, "class", "missing_value",
                               f"地名类别为空，且无法从通名判断（{name}）",
                               f"the class is empty and the generic of {name!r} does not tell it")
            if cls is None:
                return None
            values_made, syllables, keys = derived_and_keys(name, cls, None)
            made = (values_made, syllables)
        except NamingError as exc:
            self.error(row, "name", f"name_{exc.code}", f"地名引擎无法处理：{exc.message_zh}",
                       f"the names engine refuses it: {exc.message_en}")
            return None
        if self.report.errors > before:
            return None
        given = values.get("romanization") or None
        return NameIn(row, name, cls, division, record_id, keys, made,
                      {k: v for k, v in extra.items() if v is not None}, given)

    def rules(self, row: int, name: str, cls: str) -> None:
        """The naming rules' findings, as warnings (the name is registered already; rows
        that change nothing are neither checked nor screened again)."""
        for finding in rules.check_name(name, cls, self.lexicons):
            if finding.severity in ("block", "warn"):
                self.warn(row, "name", f"rule_{finding.code}",
                          f"命名规则：{finding.message_zh}", f"naming rule: {finding.message_en}")

    def place_in_division(self, n: NameIn) -> bool:
        """True when the row's division is in the register (else an error)."""
        j = self.jurisdiction(n.division_code)
        if j is None:
            self.error(n.row, "division_code", "unknown_division",
                       f"行政区划代码 {n.division_code} 不在登记中（请先导入区划）",
                       f"division code {n.division_code} is not in the register (import the "
                       "divisions first)")
            return False
        n.jurisdiction_id = j.id
        return True

    # -- the register --------------------------------------------------------------------------

    def match(self, names: list[NameIn]) -> None:
        """Find each row's record: by 标识码, else by 标准名称 + 行政区划代码."""
        by_id: dict[uuid.UUID, dict[str, Any]] = {}
        for part in in_chunks(n.id for n in names if n.id):
            for r in self.session.execute(select(*_STORED).where(Place.id.in_(part))).mappings():
                by_id[r["id"]] = dict(r)
        by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for part in in_chunks(n.name for n in names if not n.id):
            for r in self.session.execute(select(*_STORED).where(Place.name.in_(part))
                                          ).mappings():
                by_key.setdefault((r["name"], r["division_code"] or ""), []).append(dict(r))
        for n in names:
            if n.id:
                n.existing = by_id.get(n.id)
                continue
            found = by_key.get((n.name, n.division_code), [])
            status = n.values.get("status")
            current = [r for r in found if r["status"] not in HISTORICAL]
            pool = found if status in HISTORICAL else current
            if len(pool) > 1:
                ids = "、".join(str(r["id"]) for r in pool[:3])
                self.error(n.row, "name", "ambiguous_record",
                           f"登记中有 {len(pool)} 条同名同区划的记录（{ids}），请填写标识码",
                           f"{len(pool)} records of the register have this name and division "
                           f"({ids}): give the record id")
                n.existing = {"ambiguous": True}
            elif pool:
                n.existing = pool[0]

    def classify(self, n: NameIn) -> bool:
        """Count the row as new, updated or unchanged; False (an error) for a row that repeats
        another row's record."""
        if n.existing and n.existing.get("ambiguous"):
            return False
        key = (n.name, n.division_code)
        if n.id is not None:
            first = self.by_id.setdefault(n.id, n.row)
            if first != n.row:
                self.error(n.row, "id", "duplicate_row", f"标识码与第 {first} 行重复",
                           f"the same record id as row {first}")
                return False
        else:
            first = self.by_key.setdefault(key, n.row)
            if first != n.row:
                self.error(n.row, "name", "duplicate_row",
                           f"标准名称和行政区划代码与第 {first} 行相同（请用标识码区分）",
                           f"the same standard name and division code as row {first} (tell "
                           "them apart by record id)")
                return False
        if n.existing is None:
            self.report.counts["new"] += 1
            return True
        rid = n.existing["id"]
        first = self.matched.setdefault(rid, n.row)
        if first != n.row:
            self.error(n.row, "name", "duplicate_row", f"与第 {first} 行是同一条登记记录",
                       f"row {first} already holds the same record of the register")
            return False
        n.changes = self.changes(n)
        self.report.counts["updated" if n.changes else "unchanged"] += 1
        return True

    def check_romanization(self, n: NameIn) -> None:
        """A warning when the file's 罗马字母拼写 is not the engine's (the engine's is stored;
        a record with a staff reading keeps its own)."""
        old = n.existing or {}
        ours = old["romanization"] if old.get("reading") and old["name"] == n.name \
            else n.derived[0]["romanization"]
        given = n.romanization
        if given and " ".join(given.split()).casefold() != (ours or "").casefold():
            self.warn(n.row, "romanization", "romanization_differs",
                      f"罗马字母拼写“{given}”与地名引擎的“{ours}”不同，登记采用后者",
                      f"the romanization {given!r} differs from the names engine's {ours!r}, "
                      "which is stored")

    def changes(self, n: NameIn) -> dict[str, Any]:
        """What the row changes in its record (empty cells change nothing)."""
        old = n.existing or {}
        out: dict[str, Any] = {}
        if old["name"] != n.name:
            out["name"] = n.name
            self.warn(n.row, "name", "name_changed",
                      f"标准名称由“{old['name']}”改为“{n.name}”（更名通常应经命名程序）",
                      f"the standard name changes from {old['name']!r} to {n.name!r} (a "
                      "rename normally goes through the naming procedure)")
        if old["cls"] != n.cls:
            out["cls"] = n.cls
        if old["jurisdiction_id"] != n.jurisdiction_id:
            out["jurisdiction_id"] = n.jurisdiction_id
        for column, value in n.values.items():
            if column == "geom":
                if not _same_geometry(old["geojson"], value):
                    out["geom"] = value
            elif not same(old[column], value):
                out[column] = value
        return out

    # -- the screen ----------------------------------------------------------------------------

    def scope(self, n: NameIn) -> ScreenScope:
        """The legal scope of the row's name (cached by class and division)."""
        key = (n.cls, n.division_code)
        if key not in self.scopes:
            self.scopes[key] = resolve_scope(self.session, n.cls,
                                             self.jurisdiction(n.division_code))
        return self.scopes[key]

    def screen(self, names: list[NameIn]) -> None:
        """Duplicates and homophones of the new and changed rows, in the file (against the
        rows before) and against the register, in each name's legal scope: warnings naming
        the other row or record. Unchanged rows are remembered for the rows after them, not
        screened again: they are in the register as they are."""
        changing = [n for n in names if n.existing is None or n.changes]
        proposals = [Proposal(n.name, n.cls, n.keys, n.division_code, self.scope(n),
                              frozenset({str(n.id), str((n.existing or {}).get("id"))}))
                     for n in changing]
        found = dict(zip((n.row for n in changing), screen_many(self.session, proposals),
                         strict=True))
        scopes = {n.row: p.scope for n, p in zip(changing, proposals, strict=True)}
        for n in names:
            if n.row not in found:
                self.remember(n)
                continue
            for h in found[n.row]:
                other = self.matched.get(uuid.UUID(h.id))
                if h.id in self.written or (other is not None and other < n.row):
                    continue  # a record of an earlier row: the file's own screen says it
                self.reported.add((h.id, n.row))
                if h.record == "division":  # a division is known by its code
                    self.warn(n.row, "name", f"screen_{h.kind}",
                              f"{h.reason_zh}（行政区划 {h.code}）",
                              f"{h.reason_en} (division {h.code})")
                    continue
                where = f"，行政区划 {h.jurisdiction_code}" if h.jurisdiction_code else ""
                self.warn(n.row, "name", f"screen_{h.kind}",
                          f"{h.reason_zh}（标识码 {h.id}{where}）",
                          f"{h.reason_en} (record {h.id}"
                          f"{', division ' + h.jurisdiction_code if h.jurisdiction_code else ''})")
            self.screen_in_file(n, scopes[n.row])
            self.remember(n)

    def screen_in_file(self, n: NameIn, scope: ScreenScope) -> None:
        """Score the row against the earlier rows it shares a key with (a pair the earlier
        row already reported against this row's record is left out)."""
        own = str(n.existing["id"]) if n.existing else None
        candidates: dict[str, tuple[int, duplicates.Candidate]] = {}
        for column, values in probe_keys(n.name, n.keys).items():
            for value in values:
                for row, cand in self.seen.get(column, {}).get(value, ()):
                    if in_scope_code(cand.jurisdiction_code, scope):
                        candidates[cand.id] = (row, cand)
        hits = duplicates.score(n.name, n.cls, n.keys, [c for _r, c in candidates.values()])
        for h in hits:
            if h.severity not in ("block", "warn"):
                continue
            row = candidates[h.id][0]
            if (own, row) in self.reported:
                continue
            zh, en = KIND_WORDS.get(h.kind, (h.kind, h.kind))
            self.warn(n.row, "name", f"file_{h.kind}",
                      f"与文件第 {row} 行“{h.name}”{zh}", f"{en} as row {row} ({h.name!r})")

    def remember(self, n: NameIn) -> None:
        """Index the row by its keys for the file's own screen of the rows after it."""
        me = duplicates.Candidate(id=f"row {n.row}", name=n.name, cls=n.cls,
                                  status=n.values.get("status", PlaceStatus.IN_FORCE),
                                  jurisdiction_code=n.division_code, distance_m=None,
                                  keys=n.keys)
        stored = {"name": n.name, "key_specific": n.keys.specific,
                  "key_specific_pinyin": n.keys.specific_pinyin, "key_fuzzy": n.keys.fuzzy,
                  "key_core": duplicates.core_specific(n.keys.specific)}
        for column, value in stored.items():
            if value:
                self.seen.setdefault(column, {}).setdefault(value, []).append((n.row, me))

    # -- writing -------------------------------------------------------------------------------

    def store(self, names: list[NameIn]) -> None:
        """Insert the new rows in bulk; update the changed records through the ORM."""
        new = [n for n in names if n.existing is None]
        rows = []
        for n in new:
            pid = n.id or uuid.uuid4()
            self.written.add(str(pid))
            v = n.values
            rows.append(PlaceRow(
                name=n.name, cls=n.cls, jurisdiction_id=n.jurisdiction_id,
                division_code=n.division_code, status=v.get("status", PlaceStatus.IN_FORCE),
                id=pid, geom=v.get("geom"), class_code=v.get("class_code"),
                location_desc=v.get("location_desc"), meaning=v.get("meaning"),
                history=v.get("history"), approving_body=v.get("approving_body"),
                approval_doc_no=v.get("approval_doc_no"), approval_date=v.get("approval_date"),
                start_desc=v.get("start_desc"), end_desc=v.get("end_desc"),
                length_m=v.get("length_m"), width_m=v.get("width_m"), derived=n.derived))
            if len(self.report.samples) < 20:
                self.report.samples.append((str(pid), n.name))
        bulk_insert(self.session, rows)
        self.inserted += len(rows)
        if self.inserted > self.analyzed * 2 + CHUNK:  # the register grew much: new statistics
            spatial.analyze(self.session.connection(), [Place.__table__, PlaceKeys.__table__,
                                                        PlaceSyllable.__table__])
            self.analyzed = self.inserted
        changed = {n.existing["id"]: n for n in names if n.existing and n.changes}
        for part in in_chunks(changed):
            for place in self.session.scalars(select(Place).where(Place.id.in_(part))):
                for column, value in changed[place.id].changes.items():
                    setattr(place, column, value)
                self.written.add(str(place.id))
                if len(self.report.samples) < 20:
                    self.report.samples.append((str(place.id), place.name))
        self.session.flush()


def _same_geometry(stored: str | None, ewkt: str) -> bool:
    if not stored:
        return False
    old = shape(json.loads(stored))
    new = shapely.from_wkt(ewkt.split(";", 1)[1])
    return bool(old.geom_type == new.geom_type and old.equals_exact(new, 1e-7))
