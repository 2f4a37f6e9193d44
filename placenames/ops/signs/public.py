"""What a scanned street sign shows (the public page ``/s/<id>``), and the public's reports of
a damaged, missing or wrong sign.

A sign's QR code resolves to its road: the road's standard name and romanization, its
jurisdiction, where the sign stands, the road's meaning and history (its published story when
the office has written one), and a form to report a problem with the sign. Like the plate's
scan page it never asks for money, a login or personal data. A sign of a renamed road says
so; a removed or replaced sign says it is no longer in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import BadInput, NotFound
from ...models import Place
from ...models.plates import PlateReport, ReportKind
from ...models.signs import Sign
from ...plates.errors import PlateIdError
from ...plates.ids import display_plate_id, normalize_plate_id
from ...workflow.signs import SignState
from ..plates.reports import checked
from ..stories.public import StoryView, published_story
from . import register

REPORT_KINDS = (ReportKind.DAMAGED, ReportKind.MISSING, ReportKind.WRONG_SIGN)
"""What the public may report about a sign."""


@dataclass(frozen=True)
class SignView:
    """Everything the public sign page shows, as plain values."""

    sign_id: str
    display_id: str
    status: str
    kind: str
    description: str
    road_name: str
    road_romanization: str | None
    jurisdiction: tuple[str, ...]
    road_meaning: str | None
    road_history: str | None
    renamed_to: str | None
    renamed_to_romanization: str | None
    renamed_on: date | None
    point: tuple[float, float] | None
    line: tuple[tuple[float, float], ...]
    story: StoryView | None

    @property
    def address_zh(self) -> str:
        """What map links name the point by: the road."""
        return self.road_name

    @property
    def in_use(self) -> bool:
        """False for a removed or replaced sign."""
        return self.status not in (SignState.REMOVED, SignState.REPLACED)


def _path(place: Place) -> tuple[str, ...]:
    names: list[str] = []
    j = place.jurisdiction
    while j is not None and len(names) < 8:
        names.append(j.name)
        j = j.parent
    return tuple(reversed(names))


def find(session: Session, text: str) -> Sign | None:
    """The sign whose printed id is ``text`` (typed or scanned forms accepted), or None."""
    try:
        sid = normalize_plate_id(text[:40])
    except PlateIdError:
        return None
    return session.scalar(select(Sign).where(Sign.sign_id == sid))


def sign_view(session: Session, text: str) -> SignView | None:
    """The view of the sign whose printed id is ``text``, or None."""
    sign = find(session, text)
    if sign is None:
        return None
    road = sign.place
    renamed = road.renamed_to if road.status == "renamed" else None
    return SignView(
        sign_id=sign.sign_id, display_id=display_plate_id(sign.sign_id), status=sign.status,
        kind=sign.kind, description=sign.description, road_name=road.name,
        road_romanization=road.romanization, jurisdiction=_path(road),
        road_meaning=road.meaning, road_history=road.history,
        renamed_to=renamed.name if renamed else None,
        renamed_to_romanization=renamed.romanization if renamed else None,
        renamed_on=road.status_changed_on if renamed else None,
        point=register.sign_position(session, sign),
        line=tuple(p for line in register.road_lines(session, road) for p in line),
        story=published_story(session, road.id))


def report_problem(session: Session, text: str, kind: str, note: str | None, *,
                   now: datetime) -> PlateReport:
    """Store a report from the public about a sign (in the staff's queue with the plates'
    reports); BadInput for a kind a sign cannot have or a long note."""
    report_kind, clean = checked(kind, note)
    if report_kind not in REPORT_KINDS:
        raise BadInput(f"未知问题类型 / unknown kind: {kind}")
    sign = find(session, text)
    if sign is None:
        raise NotFound("没有这块地名标志 / no such sign")
    report = PlateReport(sign_ref_id=sign.id, kind=report_kind, note=clean, received_at=now)
    session.add(report)
    session.flush()
    return report
