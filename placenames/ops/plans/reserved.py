"""Reserved names (备用地名) of a plan: enter, release, screen again, and their state.

A reserved name is a :class:`Place` of status ``reserved`` (so every later screen counts it;
its derived keys come from the session hook like any place's) with a :class:`ReservedName`
row holding its theme, the screens it passed and the application that takes it. Each change
goes through the one guard (:func:`placenames.workflow.plans.decide`) and writes an
:class:`AuditEvent` (``entity_type`` ``reserved_name``). Operations flush; the caller commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ...addressing.geometry import geodesic_length_m
from ...errors import BadInput, Conflict, NotFound
from ...models import (
    AuditEvent,
    Jurisdiction,
    Level,
    ManagementMembership,
    Place,
    PlaceStatus,
    User,
)
from ...models.plans import NamingPlan, ReservedName
from ...naming.errors import NamingError
from ...naming.generics import CLASSES
from ...naming.normalize import clean_name
from ...workflow import china_date
from ...workflow.errors import WorkflowError
from ...workflow.plans import (
    PlanAction,
    ReservedAction,
    ReservedState,
    check_theme,
    decide,
    reserved_state,
)
from ..names import screen as screen_ops
from ..registry import geometry
from ..registry.places import PlaceInput, create_place
from .errors import ScreenBlocked, plan_error
from .plans import guard_plan

MIN_REASON = 4
NEAR_AREA_DEG = 0.01
"""How far outside its plan's area a planned geometry may reach: 0.01° (about 1 km)."""


@dataclass
class ReserveInput:
    """What a person fills in for a reserved name (text as typed).

    ``geojson`` (drawn on the map or pasted) or ``wkt`` is the planned geometry in CGCS2000
    longitude/latitude; ``jurisdiction_code`` defaults to the plan's area when that is a legal
    division (a management area's names belong to one of the divisions it manages).
    """

    name: str
    cls: str
    meaning: str
    theme: str
    geojson: str | None = None
    wkt: str | None = None
    jurisdiction_code: str | None = None
    location_desc: str | None = None


# --- state and reading -------------------------------------------------------------------------

def state_of(reserved: ReservedName) -> str:
    """``reserved``, ``taken``, ``used`` or ``released`` (derived from the place and the
    application holding it)."""
    return str(reserved_state(reserved.place.status, reserved.application_id is not None))


def history(reserved: ReservedName) -> list[dict[str, Any]]:
    """The screens the name passed, oldest first (``screen.as_dict`` + stage, at, actor)."""
    try:
        data = json.loads(reserved.screen_history or "[]")
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def last_screen(reserved: ReservedName) -> dict[str, Any] | None:
    """The newest screen of the name, or None."""
    found = history(reserved)
    return found[-1] if found else None


def get_reserved(session: Session, reserved_id: str | uuid.UUID,
                 plan: NamingPlan | None = None) -> ReservedName:
    """A reserved name by id (of ``plan`` when given), else :class:`NotFound`."""
    try:
        key = reserved_id if isinstance(reserved_id, uuid.UUID) else uuid.UUID(str(reserved_id))
    except ValueError:
        raise NotFound("未找到该备用地名 / no such reserved name") from None
    found = session.get(ReservedName, key)
    if found is None or (plan is not None and found.plan_id != plan.id):
        raise NotFound("未找到该备用地名 / no such reserved name")
    return found


def find_reserved(session: Session, plan: NamingPlan, name_or_id: str) -> ReservedName:
    """A reserved name of ``plan`` by its id or by its name (the one not released, else the
    newest); :class:`NotFound` otherwise."""
    text = (name_or_id or "").strip()
    try:
        return get_reserved(session, uuid.UUID(text), plan)
    except ValueError:
        pass
    rows = list(session.scalars(select(ReservedName).join(Place, Place.id == ReservedName.place_id)
                                .where(ReservedName.plan_id == plan.id, Place.name == text)
                                .order_by(ReservedName.created_at)))
    if not rows:
        raise NotFound(f"规划 {plan.code} 中没有备用地名“{text}” / no reserved name {text!r} "
                       f"in plan {plan.code}")
    live = [r for r in rows if r.place.status != PlaceStatus.RELEASED]
    return (live or rows)[-1]


def by_theme(plan: NamingPlan) -> list[tuple[str, list[ReservedName]]]:
    """The plan's reserved names grouped by theme, in the plan's order of themes (names of a
    theme no longer listed come last under their own theme)."""
    groups: dict[str, list[ReservedName]] = {t: [] for t in plan.theme_list}
    for r in plan.reserved:
        groups.setdefault(r.theme or "", []).append(r)
    return list(groups.items())


def counts(plan: NamingPlan) -> dict[str, int]:
    """How many of the plan's names are in each state."""
    out = {s.value: 0 for s in ReservedState}
    for r in plan.reserved:
        out[state_of(r)] += 1
    return out


# --- the area ----------------------------------------------------------------------------------

def area_divisions(session: Session, plan: NamingPlan) -> list[Jurisdiction]:
    """The legal divisions a reserved name of ``plan`` may belong to: the area itself when it
    is a legal division, its children, and the divisions a management area manages."""
    area = plan.area
    out: list[Jurisdiction] = []
    if area.level != Level.MANAGEMENT:
        out.append(area)
        out.extend(session.scalars(select(Jurisdiction).where(Jurisdiction.parent_id == area.id)
                                   .order_by(Jurisdiction.code)))
    else:
        out.extend(session.scalars(
            select(Jurisdiction).join(ManagementMembership,
                                      ManagementMembership.member_id == Jurisdiction.id)
            .where(ManagementMembership.area_id == area.id).order_by(Jurisdiction.code)))
    return out


def _jurisdiction(session: Session, plan: NamingPlan, code: str | None) -> Jurisdiction:
    allowed = area_divisions(session, plan)
    text = (code or "").strip()
    if not text:
        if plan.area.level != Level.MANAGEMENT:
            return plan.area
        if len(allowed) == 1:
            return allowed[0]
        options = "、".join(f"{j.name}（{j.code}）" for j in allowed[:12])
        raise BadInput(f"请选择所属行政区域：{options} / choose the legal division the name "
                       f"belongs to (the plan's area {plan.area.name} is a management area)")
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == text))
    if found is None:
        raise BadInput(f"未找到区域代码 {text} / unknown division code {text!r}")
    ids = {j.id for j in allowed} | {plan.area.id}
    node: Jurisdiction | None = found
    while node is not None:
        if node.id in ids:
            if found.level == Level.MANAGEMENT:
                break
            return found
        node = node.parent
    raise BadInput(f"{found.name}（{found.code}）不在规划范围{plan.area.name}内 / "
                   f"{found.name} is not a legal division within the plan's area")


def planned_wkt(geojson: str | None, wkt: str | None) -> str:
    """The planned geometry as checked WKT (GeoJSON, or WKT, in CGCS2000 lon/lat)."""
    if (geojson or "").strip():
        return geometry.geometry_wkt(geojson or "")
    if (wkt or "").strip():
        try:
            shp = shapely_wkt.loads((wkt or "").strip())
        except (ShapelyError, ValueError, TypeError):
            raise BadInput("WKT 几何无法解析 / the WKT geometry cannot be read") from None
        return geometry.geometry_wkt(json.dumps(mapping(shp)))
    raise BadInput("请在地图上绘制规划位置，或提供 GeoJSON / WKT / draw the planned location "
                   "on the map, or give it as GeoJSON or WKT")


def _check_in_area(session: Session, plan: NamingPlan, where: Jurisdiction, wkt: str) -> None:
    """The planned geometry lies in (or within about 1 km of) the plan's area, or the name's
    division, when either has a geometry."""
    for j in (plan.area, where):
        text = geometry.stored_geojson(session, Jurisdiction.geom, Jurisdiction.id, j.id)
        if not text:
            continue
        area = shape(json.loads(text))
        if area.distance(shapely_wkt.loads(wkt)) > NEAR_AREA_DEG:
            raise BadInput(f"规划位置不在{j.name}范围内 / the planned geometry lies outside "
                           f"{j.name}")
        return


# --- the screen --------------------------------------------------------------------------------

def _screen(session: Session, name: str, cls: str, where: Jurisdiction, wkt: str | None, *,
            exclude: Collection[str] = ()) -> dict[str, Any]:
    near = None
    if wkt:
        point = shapely_wkt.loads(wkt).representative_point()
        near = (round(point.x, 7), round(point.y, 7))
    result = screen_ops.screen(session, name, cls, area_code=where.code, near=near,
                               exclude_ids=exclude)
    return screen_ops.as_dict(result)


def _entry(result: dict[str, Any], stage: str, actor: User, now: datetime,
           override_reason: str | None = None) -> dict[str, Any]:
    entry = {**result, "stage": stage, "at": now.isoformat(), "actor": actor.username,
             "actor_name": actor.display_name}
    if override_reason:
        entry["override_reason"] = override_reason
    return entry


def _append(reserved: ReservedName, entry: dict[str, Any]) -> None:
    reserved.screen_history = json.dumps([*history(reserved), entry], ensure_ascii=False,
                                         default=str)


def blocked_message(result: dict[str, Any]) -> str:
    """Why a screen blocks, in both languages (for the error and the CLI)."""
    reasons = [h["reason_zh"] for h in result.get("hits", []) if h.get("severity") == "block"]
    reasons += [f["message_zh"] for f in result.get("findings", [])
                if f.get("severity") == "block"]
    reasons_en = [h["reason_en"] for h in result.get("hits", []) if h.get("severity") == "block"]
    reasons_en += [f["message_en"] for f in result.get("findings", [])
                   if f.get("severity") == "block"]
    return (f"“{result.get('name')}”未通过重名同音审查：{'；'.join(reasons)}。如仍要列入备用地名，"
            f"请写明理由。 / The screen blocks {result.get('name')}: {'; '.join(reasons_en)}. "
            "Give a reason to reserve it all the same.")


def _guard(reserved: ReservedName, action: ReservedAction, actor: User) -> str:
    current = state_of(reserved)
    try:
        decide(current, action, roles=actor.role_set(), kind="reserved")
    except WorkflowError as exc:
        raise plan_error(exc) from None
    return current


def _audit(session: Session, reserved: ReservedName, action: str, from_state: str | None,
           to_state: str, *, actor: User, now: datetime, note: str | None = None) -> None:
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="reserved_name",
                           entity_id=str(reserved.id), action=action, from_state=from_state,
                           to_state=to_state, note=note))


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("此备用地名已被他人修改，请刷新后重试 / this reserved name was changed by "
                       "someone else; reload and retry") from None


# --- operations --------------------------------------------------------------------------------

def reserve(session: Session, plan: NamingPlan, data: ReserveInput, *, actor: User,
            now: datetime, override_reason: str | None = None) -> ReservedName:
    """Enter a reserved name in ``plan`` (a draft or approved plan; office staff).

    The name is checked (class, meaning required, one of the plan's themes, planned geometry
    in the plan's area) and screened in its legal scope. A blocking screen stops the entry
    (:class:`ScreenBlocked`, carrying the result) unless ``override_reason`` says why it goes
    on; the result, its time and actor (and the reason) start the name's screen history.
    """
    guard_plan(plan, PlanAction.RESERVE, actor)
    try:
        name = clean_name(data.name or "")
    except NamingError as exc:
        raise BadInput(f"{exc.message_zh} / {exc.message_en}") from exc
    if len(name) > 60:
        raise BadInput("名称过长（最多 60 字）/ the name is at most 60 characters")
    if data.cls not in CLASSES:
        raise BadInput(f"未知的地名类别 / unknown class: {data.cls!r}")
    meaning = (data.meaning or "").strip()
    if not meaning:
        raise BadInput("请填写含义 / the meaning (含义) is required")
    if len(meaning) > 2000:
        raise BadInput("含义最多 2000 字 / the meaning is at most 2000 characters")
    location = (data.location_desc or "").strip() or None
    if location and len(location) > 2000:
        raise BadInput("位置描述最多 2000 字 / the location description is at most 2000 "
                       "characters")
    try:
        theme = check_theme(data.theme, plan.theme_list)
    except WorkflowError as exc:
        raise plan_error(exc) from None
    where = _jurisdiction(session, plan, data.jurisdiction_code)
    wkt = planned_wkt(data.geojson, data.wkt)
    _check_in_area(session, plan, where, wkt)
    result = _screen(session, name, data.cls, where, wkt)
    reason = (override_reason or "").strip()
    if result["verdict"] == "block" and len(reason) < MIN_REASON:
        raise ScreenBlocked(blocked_message(result), result)
    if len(reason) > 2000:
        raise BadInput("理由最多 2000 字 / the reason is at most 2000 characters")
    shp = shapely_wkt.loads(wkt)
    length = (round(geodesic_length_m(list(shp.coords)), 1)
              if shp.geom_type == "LineString" else None)
    place = create_place(session, PlaceInput(
        name=name, cls=data.cls, status=PlaceStatus.RESERVED, jurisdiction=where, geom_wkt=wkt,
        location_desc=location, meaning=meaning, length_m=length))
    reserved = ReservedName(plan_id=plan.id, place_id=place.id, theme=theme,
                            reserved_on=china_date(now), created_at=now, updated_at=now)
    reserved.place = place
    _append(reserved, _entry(result, "reserve", actor, now,
                             reason if result["verdict"] == "block" else None))
    session.add(reserved)
    _flush(session)
    _audit(session, reserved, "reserve", None, ReservedState.RESERVED, actor=actor, now=now,
           note=f"{plan.code} {name} [{result['verdict']}]"
           + (f" {reason}" if result["verdict"] == "block" else ""))
    session.flush()
    session.expire(plan, ["reserved"])
    return reserved


def release(session: Session, reserved: ReservedName, *, actor: User, now: datetime,
            reason: str | None) -> ReservedName:
    """Give the name up (reserved → released): its place becomes ``released`` and no longer
    blocks a screen (information only). A taken name is released only after its application
    ended."""
    current = _guard(reserved, ReservedAction.RELEASE, actor)
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise BadInput("请写明释放理由 / give the reason for releasing the name")
    if len(text) > 2000:
        raise BadInput("理由最多 2000 字 / the reason is at most 2000 characters")
    place = reserved.place
    place.status, place.status_changed_on = PlaceStatus.RELEASED, china_date(now)
    place.updated_at = now
    reserved.released_on, reserved.release_reason = china_date(now), text
    reserved.updated_at = now
    _flush(session)
    _audit(session, reserved, "release", current, ReservedState.RELEASED, actor=actor, now=now,
           note=text)
    session.flush()
    return reserved


def rescreen(session: Session, reserved: ReservedName, *, actor: User,
             now: datetime) -> dict[str, Any]:
    """Screen the name again against the register as it is now (not against itself) and add
    the result to its history; returns the new entry."""
    current = _guard(reserved, ReservedAction.RESCREEN, actor)
    place = reserved.place
    where = place.jurisdiction or reserved.plan.area
    wkt_text = _place_wkt(session, place)
    entry = _entry(_screen(session, place.name, place.cls, where, wkt_text,
                           exclude={str(place.id)}),
                   "rescreen", actor, now)
    _append(reserved, entry)
    reserved.updated_at = now
    _flush(session)
    _audit(session, reserved, "rescreen", current, current, actor=actor, now=now,
           note=entry["verdict"])
    session.flush()
    return entry


def _place_wkt(session: Session, place: Place) -> str | None:
    text = geometry.stored_geojson(session, Place.geom, Place.id, place.id)
    return str(shape(json.loads(text)).wkt) if text else None


def planned_geojson(session: Session, reserved: ReservedName) -> str | None:
    """The name's planned (or, once used, surveyed) geometry as GeoJSON text."""
    return geometry.stored_geojson(session, Place.geom, Place.id, reserved.place_id)
