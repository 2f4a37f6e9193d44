"""Issuing QR door plates, print batches and rendering a batch (the scan page: plate_scan).

Batches: a selection (area, road, community or a list of address codes) is resolved to
addresses in a fixed order; each gets a plate id (:func:`placenames.plates.ids.new_plate_id`)
and a position, stored in one transaction *before* anything is rendered. Rendering reads the
batch back in position order, so rendering again — a rerun, or a resume after the process was
killed — prints the same plates in the same places (the PDF is byte-identical: reportlab runs
in invariant mode) and never issues a new id. Resuming means continuing the same batch id;
creating a new batch with the selection of an unprinted batch is refused (it names the batch
to resume), and addresses that already have a live plate are left out of a new batch — an
ordered replacement plate not yet in any batch is picked up instead of issuing another.

Operations flush, never commit; the actor and the clock are passed in.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...addressing.compose import AddressParts
from ...errors import BadInput, Conflict, ImportRejected, NotFound
from ...models import Address, AddressStatus, Jurisdiction, Level, ManagementMembership, Place
from ...models.plates import LIVE_STATUSES, BatchStatus, Plate, PlateStatus, PrintBatch
from ...naming import romanize
from ...naming.errors import NamingError
from ...plates.errors import PlateIdError
from ...plates.ids import RandomSource, new_plate_id, normalize_plate_id
from ...plates.layout import PlateKind, PlateSize, PlateSpec
from ...plates.payload import official_host, plate_url
from ...plates.pdf import ManifestRow, render_batch_pdf, write_manifest_csv
from ..addresses import jurisdiction_path
from .lifecycle import Change, audit, transition

SelectionKind = Literal["area", "road", "community", "csv"]
SHEETS = ("A4", "A3")
_CHUNK = 500


# --- selections ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """What a batch prints: every address of an area, a road or a community, or listed codes."""

    kind: SelectionKind
    value: str = ""
    codes: tuple[str, ...] = ()

    def to_json(self) -> str:
        """Canonical JSON (the stored form; equal selections give equal text)."""
        data: dict[str, object] = {"kind": self.kind}
        if self.kind == "csv":
            data["codes"] = list(self.codes)
        else:
            data["value"] = self.value
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Selection:
        """The selection stored as ``text``."""
        data = json.loads(text)
        return cls(data["kind"], data.get("value", ""), tuple(data.get("codes", ())))

    def describe(self) -> str:
        """A short label: ``road 建章路``, ``csv (12 codes)``."""
        return f"csv ({len(self.codes)})" if self.kind == "csv" else f"{self.kind} {self.value}"


def make_selection(kind: str, value: str = "", csv_text: str | None = None) -> Selection:
    """Check and build a selection from what a person typed; BadInput when it is unusable."""
    if kind not in ("area", "road", "community", "csv"):
        raise BadInput(f"未知选择方式 / unknown selection: {kind}")
    if kind == "csv":
        return Selection("csv", codes=read_codes(csv_text or ""))
    value = value.strip()
    if not value or len(value) > 60:
        raise BadInput("请填写区域代码、道路名称或社区代码。 Give a code or a road name.")
    return Selection(kind, value)  # type: ignore[arg-type]


def read_codes(text: str) -> tuple[str, ...]:
    """Address codes from CSV text: the first column, a header line ``code`` allowed."""
    codes: list[str] = []
    problems: list[tuple[int, str]] = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        value = row[0].strip() if row else ""
        if not value or (line_no == 1 and value.lower() in ("code", "address_code", "地址编码")):
            continue
        if not value.isdigit() or len(value) > 32:
            problems.append((line_no, f"不是地址编码 / not an address code: {value[:40]}"))
        elif value not in codes:
            codes.append(value)
    if problems:
        raise ImportRejected("地址编码清单有误。 The list of address codes has errors.", problems)
    if not codes:
        raise BadInput("清单中没有地址编码。 The list holds no address code.")
    return tuple(codes)


def _jurisdiction(session: Session, code: str) -> Jurisdiction:
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if j is None:
        raise NotFound(f"没有代码为 {code} 的行政区或区域。 No jurisdiction with code {code}.")
    return j


def area_ids(session: Session, root: Jurisdiction) -> set[uuid.UUID]:
    """``root`` and everything under it: legal children and what a management area manages."""
    found, frontier = {root.id}, {root.id}
    while frontier:
        children = set(session.scalars(select(Jurisdiction.id)
                                       .where(Jurisdiction.parent_id.in_(frontier))))
        managed = set(session.scalars(select(ManagementMembership.member_id)
                                      .where(ManagementMembership.area_id.in_(frontier))))
        frontier = (children | managed) - found
        found |= frontier
    return found


def resolve(session: Session, sel: Selection) -> list[Address]:
    """The active, numbered addresses of a selection, in print order (road, number, code)."""
    stmt = select(Address).outerjoin(Place, Address.road_id == Place.id).where(
        Address.status == AddressStatus.ACTIVE, Address.number.is_not(None))
    if sel.kind == "road":
        from ..addresses.numbering import find_road

        stmt = stmt.where(Address.road_id == find_road(session, sel.value).id)
    elif sel.kind == "area":
        stmt = stmt.where(Address.jurisdiction_id.in_(
            area_ids(session, _jurisdiction(session, sel.value))))
    elif sel.kind == "community":
        j = _jurisdiction(session, sel.value)
        if j.level != Level.VILLAGE:
            raise BadInput(f"{sel.value} 不是村或社区。 {sel.value} is not a community.")
        stmt = stmt.where(Address.jurisdiction_id.in_(area_ids(session, j)))
    else:
        return _by_codes(session, sel.codes)
    stmt = stmt.order_by(Place.name.is_(None), Place.name, Address.village_group,
                         Address.number, Address.suffix, Address.building, Address.unit,
                         Address.room, Address.code)
    return list(session.scalars(stmt))


def _by_codes(session: Session, codes: tuple[str, ...]) -> list[Address]:
    """The addresses with these codes, in list order; ImportRejected naming unknown codes."""
    found: dict[str, Address] = {}
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i:i + _CHUNK]
        found.update((a.code, a) for a in session.scalars(
            select(Address).where(Address.code.in_(chunk))))
    problems = [(n, f"未知或已停用的地址编码 / unknown or retired code: {c}")
                for n, c in enumerate(codes, start=1)
                if c not in found or found[c].status != AddressStatus.ACTIVE
                or found[c].number is None]
    if problems:
        raise ImportRejected("清单中有无法制牌的地址。 Some listed addresses cannot get a plate.",
                             problems)
    return [found[c] for c in codes]


# --- issuing ---------------------------------------------------------------------------------

def plate_kind(address: Address) -> PlateKind:
    """The plate an address gets: 户牌 for a room, 单元牌, 楼牌, else 门牌."""
    if address.room:
        return PlateKind.HOUSEHOLD
    if address.unit:
        return PlateKind.UNIT
    return PlateKind.BUILDING if address.building else PlateKind.DOOR


def issue_plate(session: Session, address: Address, *, size: str, actor_id: uuid.UUID | None,
                now: datetime, rng: RandomSource = secrets) -> Plate:
    """A new plate (status ordered) for ``address``, with its audit row; flushes."""
    plate = Plate(plate_id=new_plate_id(rng), address_id=address.id, kind=plate_kind(address),
                  size=size, status=PlateStatus.ORDERED)
    session.add(plate)
    session.flush()
    audit(session, plate, "issue", actor_id=actor_id, now=now, from_state=None,
          to_state=PlateStatus.ORDERED)
    return plate


def _live_plates(session: Session, address_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Plate]]:
    out: dict[uuid.UUID, list[Plate]] = {}
    for i in range(0, len(address_ids), _CHUNK):
        for p in session.scalars(select(Plate).where(
                Plate.address_id.in_(address_ids[i:i + _CHUNK]),
                Plate.status.in_([str(s) for s in LIVE_STATUSES]))):
            out.setdefault(p.address_id, []).append(p)
    return out


def check_size_sheet(size: str, sheet: str) -> tuple[PlateSize, str]:
    """The plate size and sheet, checked; BadInput names the choices."""
    try:
        plate_size = PlateSize(size)
    except ValueError:
        raise BadInput(f"未知门牌尺寸 / unknown size: {size} (small, medium, large)") from None
    if sheet not in SHEETS:
        raise BadInput(f"未知纸张 / unknown sheet: {sheet} (A4, A3)")
    return plate_size, sheet


class BatchExists(Conflict):
    """An unprinted batch of the same selection and size exists: resume it, do not repeat it."""

    def __init__(self, batch_id: uuid.UUID) -> None:
        super().__init__(f"同一选择的批次 {batch_id} 尚未印制，请继续该批次（--resume）。 "
                         f"Batch {batch_id} has this selection; resume it.")
        self.batch_id = batch_id


def create_batch(session: Session, sel: Selection, *, size: str = "small", sheet: str = "A4",
                 actor_id: uuid.UUID | None, now: datetime, name: str | None = None,
                 rng: RandomSource = secrets) -> PrintBatch:
    """Store a batch: plate ids and positions for every selected address lacking a live plate.

    Conflict when an unprinted batch of the same selection and size exists (resume it
    instead); BadInput when no address needs a plate. Flushes; the caller commits before
    rendering.
    """
    plate_size, sheet = check_size_sheet(size, sheet)
    key = sel.to_json()
    same = session.scalar(select(PrintBatch).where(
        PrintBatch.selection == key, PrintBatch.size == plate_size.value,
        PrintBatch.status != BatchStatus.PRINTED))
    if same is not None:
        raise BatchExists(same.id)
    addresses = resolve(session, sel)
    if not addresses:
        raise BadInput("所选范围内没有已编号的地址，无法制牌。 "
                       "The selection holds no numbered address.")
    live = _live_plates(session, [a.id for a in addresses])
    batch = PrintBatch(name=(name or f"{sel.describe()} {now:%Y-%m-%d}")[:120], selection=key,
                       sheet=sheet, size=plate_size.value, status=BatchStatus.ISSUED,
                       created_by_id=actor_id)
    session.add(batch)
    session.flush()
    position = 0
    for address in addresses:
        plate = _plate_for_batch(session, address, live.get(address.id, []), batch,
                                 actor_id=actor_id, now=now, rng=rng)
        if plate is not None:
            position += 1
            plate.batch_id, plate.position = batch.id, position
    if position == 0:
        raise BadInput("所选地址都已有门牌，无需制牌。 Every selected address has a plate.")
    batch.plate_count = position
    session.flush()
    _audit_batch(session, batch, "create", actor_id, now, None, BatchStatus.ISSUED,
                 f"{sel.describe()}: {position}")
    return batch


def _plate_for_batch(session: Session, address: Address, live: list[Plate], batch: PrintBatch,
                     *, actor_id: uuid.UUID | None, now: datetime,
                     rng: RandomSource) -> Plate | None:
    """An ordered plate not yet in a batch, a new plate, or None when a live plate exists."""
    waiting = [p for p in live if p.status == PlateStatus.ORDERED and p.batch_id is None]
    if waiting:
        plate = waiting[0]
        plate.size = batch.size
        audit(session, plate, "batch", actor_id=actor_id, now=now, from_state=plate.status,
              to_state=plate.status, note=f"batch {batch.id}")
        return plate
    if live:
        return None
    return issue_plate(session, address, size=batch.size, actor_id=actor_id, now=now, rng=rng)


def _audit_batch(session: Session, batch: PrintBatch, action: str, actor_id: uuid.UUID | None,
                 now: datetime, old: str | None, new: str | None, note: str | None) -> None:
    from ...models import AuditEvent

    session.add(AuditEvent(at=now, actor_id=actor_id, entity_type="print_batch",
                           entity_id=str(batch.id), action=action, from_state=old,
                           to_state=new, note=note))


def find_batch(session: Session, batch_id: str | uuid.UUID) -> PrintBatch:
    """The batch with this id; BadInput for a malformed id, NotFound for an unknown one."""
    try:
        key = batch_id if isinstance(batch_id, uuid.UUID) else uuid.UUID(str(batch_id).strip())
    except ValueError:
        raise BadInput(f"批次编号无效 / invalid batch id: {batch_id}") from None
    batch = session.get(PrintBatch, key)
    if batch is None:
        raise NotFound(f"没有批次 {batch_id}。 No batch {batch_id}.")
    return batch


def find_plate(session: Session, text: str) -> Plate:
    """The plate with this id (typed or display form); BadInput if malformed, else NotFound."""
    try:
        pid = normalize_plate_id(text)
    except PlateIdError as exc:
        raise BadInput(exc.user_msg) from None
    plate = session.scalar(select(Plate).where(Plate.plate_id == pid))
    if plate is None:
        raise NotFound(f"没有门牌 {pid}。 No plate {pid}.")
    return plate


def batch_plates(session: Session, batch: PrintBatch) -> list[Plate]:
    """The batch's plates in position order."""
    return list(session.scalars(select(Plate).where(Plate.batch_id == batch.id)
                                .order_by(Plate.position)))


def mark_batch_printed(session: Session, batch: PrintBatch, *, actor_id: uuid.UUID | None,
                       now: datetime) -> int:
    """Move the batch's ordered plates to printed (through the guard); returns how many."""
    if batch.status not in (BatchStatus.RENDERED, BatchStatus.PRINTED):
        raise Conflict("批次尚未生成 PDF。 The batch has not been rendered yet.")
    moved = 0
    for plate in batch_plates(session, batch):
        if plate.status == PlateStatus.ORDERED:
            transition(session, plate, Change(PlateStatus.PRINTED, note=f"batch {batch.id}"),
                       actor_id=actor_id, now=now)
            moved += 1
    if batch.status != BatchStatus.PRINTED:
        _audit_batch(session, batch, "status", actor_id, now, batch.status, BatchStatus.PRINTED,
                     None)
        batch.status = BatchStatus.PRINTED
    session.flush()
    return moved


# --- rendering -------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def name_pinyin(name: str) -> str:
    """The romanization of a place or jurisdiction name ('' when it cannot be romanized)."""
    try:
        return romanize(name)
    except NamingError:
        return ""


class _Paths:
    """Jurisdiction paths per jurisdiction, cached for a short while (they seldom change)."""

    ttl_s = 300.0

    def __init__(self) -> None:
        self._cache: dict[tuple[uuid.UUID, int], tuple[float, AddressParts]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, jurisdiction_id: uuid.UUID, version: int) -> AddressParts:
        """The path of the jurisdiction, from the cache while fresh."""
        key, now = (jurisdiction_id, version), time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        j = session.get(Jurisdiction, jurisdiction_id)
        parts = jurisdiction_path(session, j) if j is not None else AddressParts()
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now + self.ttl_s, parts)
        return parts


PATHS = _Paths()


def _number_text(address: Address) -> str:
    return f"{address.number}-{address.suffix}号" if address.suffix else f"{address.number}号"


def plate_spec(session: Session, plate: Plate, *, base_url: str, key: bytes | None) -> PlateSpec:
    """What is printed on ``plate``: road (or village and group) in Chinese and pinyin,
    number, building/unit/room, QR URL, the official host."""
    a = plate.address
    if a.road is not None:
        road_zh, road_py = a.road.name, a.road.romanization or name_pinyin(a.road.name)
    else:
        community = PATHS.get(session, a.jurisdiction_id, a.jurisdiction.version).community
        group = f"{a.village_group}组" if a.village_group else ""
        road_zh = f"{community or ''}{group}"
        road_py = " ".join(p for p in (name_pinyin(community) if community else "",
                                       f"{a.village_group} Zu" if group else "") if p)
    return PlateSpec(
        plate_id=plate.plate_id, url=plate_url(base_url, plate.plate_id, key=key),
        road_name=road_zh, road_pinyin=road_py, number_text=_number_text(a),
        kind=PlateKind(plate.kind), size=PlateSize(plate.size),
        building=f"{a.building}号楼" if a.building else None,
        unit=f"{a.unit}单元" if a.unit else None, room=f"{a.room}室" if a.room else None,
        host_line=official_host(base_url), address=a.full_text)


def batch_specs(session: Session, batch: PrintBatch, *, base_url: str,
                key: bytes | None) -> list[PlateSpec]:
    """The specs of the batch's plates, in position order."""
    return [plate_spec(session, p, base_url=base_url, key=key)
            for p in batch_plates(session, batch)]


def render_files(specs: Iterable[PlateSpec], pdf_path: Path, manifest_path: Path, *,
                 sheet: str, title: str,
                 on_progress: Callable[[int], None] | None = None) -> list[ManifestRow]:
    """Render the PDF and the manifest CSV; both appear only when complete (atomic rename)."""
    pdf_tmp = pdf_path.with_name(pdf_path.name + ".part")
    csv_tmp = manifest_path.with_name(manifest_path.name + ".part")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with pdf_tmp.open("wb") as out:
        rows = render_batch_pdf(specs, out, sheet=sheet,  # type: ignore[arg-type]
                                on_progress=on_progress, title=title)
    with csv_tmp.open("w", encoding="utf-8", newline="") as f:
        write_manifest_csv(rows, f)
    csv_tmp.replace(manifest_path)
    pdf_tmp.replace(pdf_path)
    return rows


def manifest_path_for(pdf_path: Path) -> Path:
    """Where the manifest of ``plates.pdf`` goes: ``plates.manifest.csv`` beside it."""
    return pdf_path.with_name(pdf_path.stem + ".manifest.csv")


def start_rendering(batch: PrintBatch) -> None:
    """Mark the batch as being rendered (progress from zero)."""
    if batch.status != BatchStatus.PRINTED:
        batch.status = BatchStatus.RENDERING
    batch.rendered_count = 0


def set_progress(session: Session, batch_id: uuid.UUID, rendered: int) -> None:
    """Store how many plates are drawn (a plain UPDATE: no version bump, no lost update)."""
    session.execute(update(PrintBatch).where(PrintBatch.id == batch_id)
                    .values(rendered_count=rendered))


def finish_rendering(session: Session, batch: PrintBatch, *, actor_id: uuid.UUID | None,
                     now: datetime) -> None:
    """Record a complete rendering of the batch."""
    old = batch.status
    batch.rendered_count, batch.rendered_at = batch.plate_count, now
    if batch.status != BatchStatus.PRINTED:
        batch.status = BatchStatus.RENDERED
    _audit_batch(session, batch, "render", actor_id, now, old, batch.status, None)
    session.flush()


def batch_title(batch: PrintBatch) -> str:
    """The PDF title of a batch."""
    return f"门牌印制批次 {batch.name}"


# --- demo ------------------------------------------------------------------------------------

def issue_demo_plates(session: Session, *, now: datetime, count: int = 12,
                      rng: RandomSource = secrets) -> list[Plate]:
    """Issue and 'install' plates for the first ``count`` addresses (by code) when the
    registry has no plate yet, so the scan page can be tried; a second run does nothing."""
    issued: list[Plate] = []
    if session.scalar(select(Plate.id).limit(1)) is not None:
        return issued
    addresses = session.scalars(select(Address).where(
        Address.status == AddressStatus.ACTIVE, Address.number.is_not(None))
        .order_by(Address.code).limit(count)).all()
    for address in addresses:
        plate = issue_plate(session, address, size="small", actor_id=None, now=now, rng=rng)
        transition(session, plate, Change(PlateStatus.PRINTED), actor_id=None, now=now)
        transition(session, plate, Change(PlateStatus.INSTALLED, installed_on=now.date(),
                                          installer="演示 demo"), actor_id=None, now=now)
        issued.append(plate)
    return issued
