"""The register of signs: a road's proposed signs, accepting them, adding and moving signs,
and the units responsible for them.

A proposal is computed from the road's geometry and its crossings with the other roads,
streets and lanes in force (:func:`placenames.addressing.sign_sites.propose_sites`); a site
within :data:`NEAR_M` of a live sign of the road is already served and left out, so proposing
again after accepting proposes nothing new. The caller commits.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import spatial
from ...addressing.geometry import haversine_m
from ...addressing.sign_sites import SignSite, lines_of, propose_sites, sign_kind_for
from ...errors import BadInput, NotFound
from ...maps.coords import validate_lonlat
from ...models import AuditEvent, Place, PlaceStatus, ResponsibleUnit, Sign, User
from ...plates.errors import PlateIdError
from ...plates.ids import new_plate_id, normalize_plate_id
from ...plates.signs import SignKind
from ...workflow.sign_duties import DEFAULT_SIGN_DAYS, due_date
from ...workflow.signs import LIVE, SignState

SIGN_CLASSES = ("avenue", "road", "street", "lane")
"""Classes of names that carry street signs (bridges and tunnels have their own signs)."""
NEAR_M = 20.0
"""A proposed site this close to a live sign of the road is already served."""
SIZES = ("large", "medium", "small")


def parse_uuid(value: uuid.UUID | str, what: str = "record") -> uuid.UUID:
    """``value`` as a UUID, or :class:`NotFound`."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"没有这个记录 / no such {what}: {str(value)[:40]}") from None


def road(session: Session, ref: uuid.UUID | str) -> Place:
    """A road, street or lane of the register by id or by its exact name (the one in force),
    or :class:`NotFound` / :class:`BadInput` saying why it cannot have signs."""
    place: Place | None = None
    try:
        place = session.get(Place, uuid.UUID(str(ref)))
    except ValueError:
        found = list(session.scalars(select(Place).where(
            Place.name == str(ref).strip(), Place.status == PlaceStatus.IN_FORCE).limit(2)))
        if len(found) > 1:
            raise BadInput(f"有多条在用地名叫“{ref}”，请用编号指定 / several names in force are "
                           f"called {ref}; give its id") from None
        place = found[0] if found else None
    if place is None:
        raise NotFound(f"登记簿中没有这条道路 / no such road in the register: {str(ref)[:60]}")
    if place.cls not in SIGN_CLASSES:
        raise BadInput(f"“{place.name}”不是道路、街巷，不设街牌 / {place.name} is not a road, "
                       "street or lane")
    return place


def road_lines(session: Session, place: Place) -> list[list[tuple[float, float]]]:
    """The road's (lon, lat) lines (none without a line geometry)."""
    text = session.scalar(select(spatial.as_geojson(Place.geom)).where(Place.id == place.id))
    return lines_of(json.loads(text)) if text else []


def _crossing_roads(session: Session, place: Place, lines: list[list[tuple[float, float]]]
                    ) -> list[tuple[str, list[list[tuple[float, float]]]]]:
    points = [p for line in lines for p in line]
    box = (min(p[0] for p in points) - 1e-4, min(p[1] for p in points) - 1e-4,
           max(p[0] for p in points) + 1e-4, max(p[1] for p in points) + 1e-4)
    rows = session.execute(
        select(Place.name, spatial.as_geojson(Place.geom))
        .where(Place.id != place.id, Place.status == PlaceStatus.IN_FORCE,
               Place.cls.in_(SIGN_CLASSES), Place.geom.is_not(None),
               spatial.intersects_box(Place.geom, box, session.get_bind()))
        .order_by(Place.name))
    return [(name, lines_of(json.loads(g))) for name, g in rows if g]


def live_signs(session: Session, place_id: uuid.UUID) -> list[Sign]:
    """The road's signs that still stand (or should), in the order they were recorded."""
    return list(session.scalars(select(Sign).where(
        Sign.place_id == place_id, Sign.status.in_([str(s) for s in LIVE]))
        .order_by(Sign.recorded_on, Sign.created_at)))


def roads_without_signs(session: Session, limit: int | None = None) -> list[Place]:
    """Roads, streets and lanes in force, with a line, that have no live sign yet, by name."""
    has_sign = select(Sign.place_id).where(Sign.status.in_([str(s) for s in LIVE]))
    stmt = (select(Place).where(Place.status == PlaceStatus.IN_FORCE,
                                Place.cls.in_(SIGN_CLASSES), Place.geom.is_not(None),
                                Place.id.not_in(has_sign))
            .order_by(Place.name))
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def sign_position(session: Session, sign: Sign) -> tuple[float, float] | None:
    """A sign's (lon, lat), if it has a position."""
    row = session.execute(select(*spatial.point_lon_lat(Sign.geom))
                          .where(Sign.id == sign.id, Sign.geom.is_not(None))).first()
    return (float(row[0]), float(row[1])) if row else None


def propose(session: Session, place: Place) -> list[SignSite]:
    """The signs the road needs and does not have yet: its ends and crossings, less the sites
    already served by one of its live signs."""
    lines = road_lines(session, place)
    if not lines:
        raise BadInput(f"“{place.name}”没有线状几何，无法推算街牌位置 / {place.name} has no line "
                       "geometry to place signs on")
    sites = propose_sites(lines, _crossing_roads(session, place, lines))
    taken = [p for s in live_signs(session, place.id) if (p := sign_position(session, s))]
    return [s for s in sites if all(haversine_m((s.lon, s.lat), p) > NEAR_M for p in taken)]


def announced_on(session: Session, place: Place) -> date | None:
    """The day the name was announced (公告), from the application that put it in force."""
    from ...models import Application

    return session.scalar(select(func.max(Application.announced_on))
                          .where(Application.place_id == place.id))


@dataclass(frozen=True)
class NewSign:
    """What staff give for a sign added by hand (or accepted from a proposal)."""

    lon: float
    lat: float
    bearing: float | None = None
    kind: str = ""
    size: str = "medium"
    description: str = ""
    role: str = "added"
    cross_name: str | None = None
    arrow: str | None = None
    near_number: str | None = None
    far_number: str | None = None


def check_new(data: NewSign) -> None:
    """:class:`BadInput` for a sign that cannot be recorded as given."""
    try:
        validate_lonlat(data.lon, data.lat)
    except ValueError as exc:
        raise BadInput(f"坐标无效 / bad coordinates: {exc}") from None
    if data.bearing is not None and not 0 <= data.bearing < 360:
        raise BadInput("朝向须在 0–359 度之间 / the facing must be 0–359 degrees")
    if data.kind and data.kind not in {k.value for k in SignKind}:
        raise BadInput(f"未知标志类型 / unknown sign kind: {data.kind[:20]}")
    if data.size not in SIZES:
        raise BadInput(f"未知标志规格 / unknown sign size: {data.size[:20]}")
    if data.kind == SignKind.DIRECTIONAL and data.arrow not in ("left", "right", "both"):
        raise BadInput("指位牌须指明箭头方向 / a directional sign needs its arrow "
                       "(left, right or both)")
    if len(data.description) > 200 or len(data.near_number or "") > 16 \
            or len(data.far_number or "") > 16:
        raise BadInput("位置说明或门牌号过长 / description or numbers too long")


def unit_by_name(session: Session, name: str, *, create: bool = True) -> ResponsibleUnit:
    """The responsible unit called ``name`` (made when new and ``create``)."""
    clean = " ".join((name or "").split())
    if not clean or len(clean) > 120:
        raise BadInput("请填写责任单位名称（至多 120 字） / give the responsible unit's name "
                       "(at most 120 characters)")
    unit = session.scalar(select(ResponsibleUnit).where(ResponsibleUnit.name == clean))
    if unit is None:
        if not create:
            raise NotFound(f"没有这个责任单位 / no such responsible unit: {clean}")
        unit = ResponsibleUnit(name=clean)
        session.add(unit)
        session.flush()
    return unit


def units(session: Session) -> list[ResponsibleUnit]:
    """Every responsible unit, by name."""
    return list(session.scalars(select(ResponsibleUnit).order_by(ResponsibleUnit.name)))


def audit(session: Session, sign: Sign, action: str, *, actor: User | None, now: datetime,
          before: str | None, after: str | None, note: str | None = None) -> None:
    """The audit event of one change to a sign (``sign_<action>``)."""
    session.add(AuditEvent(at=now, actor_id=actor.id if actor else None, entity_type="sign",
                           entity_id=str(sign.id), action=f"sign_{action}", from_state=before,
                           to_state=after, note=f"{sign.sign_id}: {note}" if note
                           else sign.sign_id))


def add(session: Session, place: Place, data: NewSign, *, unit: ResponsibleUnit | None,
        actor: User | None, now: datetime, today: date, days: int = DEFAULT_SIGN_DAYS,
        note: str | None = None) -> Sign:
    """Record one required sign of ``place`` (a road in force), due ``days`` after the name's
    announcement or after today (see :func:`placenames.workflow.sign_duties.due_date`)."""
    if place.status != PlaceStatus.IN_FORCE:
        raise BadInput(f"“{place.name}”不是在用地名，不设新标志 / {place.name} is not in force")
    check_new(data)
    kind = data.kind or sign_kind_for(place.generic)
    sign = Sign(sign_id=new_plate_id(), place_id=place.id, unit_id=unit.id if unit else None,
                kind=kind, size=data.size, status=SignState.REQUIRED, role=data.role,
                description=data.description.strip(), cross_name=data.cross_name,
                geom=spatial.ewkt_point(data.lon, data.lat), bearing=data.bearing,
                arrow=data.arrow if kind == SignKind.DIRECTIONAL else None,
                near_number=data.near_number or None, far_number=data.far_number or None,
                recorded_on=today, due_on=due_date(announced_on(session, place), today, days))
    session.add(sign)
    session.flush()
    audit(session, sign, "add", actor=actor, now=now, before=None, after=SignState.REQUIRED,
          note=note or sign.description)
    return sign


def accept(session: Session, place: Place, sites: list[SignSite], *,
           unit: ResponsibleUnit | None, actor: User | None, now: datetime, today: date,
           kind: str = "", size: str = "medium", days: int = DEFAULT_SIGN_DAYS) -> list[Sign]:
    """Record proposed sites as the road's required signs."""
    return [add(session, place, NewSign(s.lon, s.lat, s.bearing, kind, size, s.description(),
                                        s.role, s.cross_name),
                unit=unit, actor=actor, now=now, today=today, days=days, note="proposed")
            for s in sites]


def get(session: Session, ref: uuid.UUID | str) -> Sign:
    """A sign by record id or by its printed sign id, or :class:`NotFound`."""
    text = str(ref).strip()
    sign: Sign | None = None
    try:
        sign = session.scalar(select(Sign).where(Sign.sign_id == normalize_plate_id(text)))
    except PlateIdError:
        try:
            sign = session.get(Sign, uuid.UUID(text))
        except ValueError:
            sign = None
    if sign is None:
        raise NotFound(f"没有这块地名标志 / no such sign: {text[:40]}")
    return sign
