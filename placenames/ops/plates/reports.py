"""Reports of problems with plates, addresses and street signs: the public's from a plate's
scan page or a sign's page, a department's through the API (about a plate, an address, or
both).

A report holds a kind (:class:`~placenames.models.plates.ReportKind`) and an optional short
note, never personal data. A department's report carries its token's id and writes an audit
event under that token; the staff see both kinds in one queue (:func:`open_reports`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...errors import BadInput, NotFound
from ...models import Address, ApiToken, AuditEvent
from ...models.plates import Plate, PlateReport, ReportKind
from ...models.signs import Sign
from .batches import find_plate

MAX_NOTE = 500


def checked(kind: str, note: str | None) -> tuple[ReportKind, str | None]:
    """The report's kind and its note (blank → None); BadInput for an unknown kind, a note
    over :data:`MAX_NOTE` characters, or ``other`` without a note."""
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        raise BadInput(f"未知问题类型 / unknown kind: {kind}（可用 / known: "
                       f"{', '.join(k.value for k in ReportKind)}）") from None
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise BadInput(f"说明不能超过 {MAX_NOTE} 字。 The note is limited to {MAX_NOTE} "
                       "characters.")
    if report_kind is ReportKind.OTHER and note is None:
        raise BadInput("问题类型为“其他”时请在说明中写明问题 / describe the problem in the note "
                       "when the kind is other")
    return report_kind, note


def find_address(session: Session, code: str) -> Address:
    """The address with this code; NotFound when there is none."""
    code = code.strip()
    address = session.scalar(select(Address).where(Address.code == code)) if code else None
    if address is None:
        raise NotFound(f"没有地址代码为 {code} 的地址 / no address with the code {code}")
    return address


def from_department(session: Session, *, token_id: uuid.UUID, kind: str,
                    note: str | None = None, address_code: str | None = None,
                    plate_id: str | None = None, now: datetime) -> PlateReport:
    """Store a department's report about an address, a plate or both, with an audit event
    under the token; flushes. BadInput when neither is named (or the kind or note is wrong),
    NotFound when the address or plate is unknown."""
    report_kind, note = checked(kind, note)
    address_code, plate_id = (address_code or "").strip(), (plate_id or "").strip()
    if not address_code and not plate_id:
        raise BadInput("请给出地址代码（address_code）或门牌编号（plate_id） / give an "
                       "address_code or a plate_id")
    address = find_address(session, address_code) if address_code else None
    plate = find_plate(session, plate_id) if plate_id else None
    report = PlateReport(plate_ref_id=plate.id if plate else None,
                         address_id=address.id if address else None, token_id=token_id,
                         kind=report_kind.value, note=note, received_at=now)
    session.add(report)
    session.flush()
    about = ", ".join(x for x in (address.code if address else "",
                                  plate.plate_id if plate else "") if x)
    session.add(AuditEvent(at=now, actor_id=None, token_id=token_id, entity_type="plate_report",
                           entity_id=str(report.id), action="report",
                           note=f"{report_kind.value}: {about}"))
    return report


@dataclass(frozen=True)
class OpenReport:
    """A report in the staff's queue: what it is about and who sent it (None: the public)."""

    report: PlateReport
    plate: Plate | None
    address: Address | None
    sender: ApiToken | None
    sign: Sign | None = None


def open_reports(session: Session, limit: int = 50) -> list[OpenReport]:
    """The newest reports not yet closed, each with its plate, its address (the report's own,
    else the plate's) and the department that sent it."""
    rows = session.execute(
        select(PlateReport, ApiToken)
        .outerjoin(ApiToken, ApiToken.id == PlateReport.token_id)
        .options(joinedload(PlateReport.plate).joinedload(Plate.address),
                 joinedload(PlateReport.address),
                 joinedload(PlateReport.sign).joinedload(Sign.place))
        .where(PlateReport.status == "new")
        .order_by(PlateReport.received_at.desc()).limit(limit)).all()
    return [OpenReport(r, r.plate, r.address or (r.plate.address if r.plate else None), t,
                       r.sign) for r, t in rows]
