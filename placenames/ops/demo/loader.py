"""Load the Xixian New Area demo registry; a second run changes nothing."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from shapely.geometry import LineString
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...addressing.geometry import local_projection_for
from ...addressing.numbering import Entrance, NumberedEntrance, NumberingPolicy, number_road
from ...models import (
    Address,
    Expert,
    Jurisdiction,
    Level,
    ManagementMembership,
    Place,
    Scope,
    User,
)
from ...models.base import utcnow
from ..accounts import users
from ..addresses import AddressInput, create_address
from ..plates import batches as plates
from ..procedure import applications as apps
from ..registry.places import PlaceInput, create_place
from . import applications as demo_applications
from . import data as data
from . import plan as demo_plan
from . import signs as demo_signs
from . import stories as demo_stories

APPROVING_BODY = "西咸新区管委会"


def load(session: Session, now: datetime | None = None, *,
         procedure: apps.Settings | None = None) -> dict[str, int]:
    """Create whatever of the demo frame is missing; returns what was added, by kind.

    ``now`` is the clock for the demo plates' lifecycle dates and the end of the demo
    applications' steps (default: the current time). With ``procedure`` (the app's procedure
    settings, whose upload folder receives the minutes of a demo meeting) the demo
    applications are filed too, one at each stage of the procedure
    (:mod:`placenames.ops.demo.applications`). The demo naming plan of 秦汉新城 comes last
    (:mod:`placenames.ops.demo.plan`); its taken name's application is filed only with
    ``procedure``. Then the demo's name stories (:mod:`placenames.ops.demo.stories`), their
    photo in the instance's story folder when ``procedure`` gives the instance, and its
    road-name signs (:mod:`placenames.ops.demo.signs`).
    """
    added: Counter[str] = Counter()
    by_code = _jurisdictions(session, added)
    _scope(session, by_code, added)
    _users(session, added)
    _experts(session, added)
    roads = _places(session, by_code, added)
    _addresses(session, roads, by_code, added)
    session.flush()
    added["plates"] += len(plates.issue_demo_plates(session, now=now or utcnow()))
    session.flush()
    if procedure is not None:
        added["applications"] += demo_applications.load_applications(
            session, now or utcnow(), procedure)
        session.flush()
    plans_added, names_added = demo_plan.load_plan(session, now or utcnow(), procedure)
    added["plans"] += plans_added
    added["reserved_names"] += names_added
    shelf = procedure.shelf("stories") if procedure is not None else None
    added["stories"] += demo_stories.load_stories(session, now or utcnow(), shelf)
    added["signs"] += demo_signs.load_signs(
        session, now or utcnow(), procedure.sign_days if procedure is not None else 60)
    return {k: added[k] for k in ("jurisdictions", "memberships", "scopes", "users", "experts",
                                  "places", "addresses", "plates", "applications", "plans",
                                  "reserved_names", "stories", "signs")}


def load_frame(session: Session) -> dict[str, int]:
    """Only the demo's frame: its jurisdictions, the New Area's management areas and the
    built-up area's scope, no names, addresses or users (what an office's own register is
    imported into). Idempotent; returns what was added."""
    added: Counter[str] = Counter()
    _scope(session, _jurisdictions(session, added), added)
    session.flush()
    return {k: added[k] for k in ("jurisdictions", "memberships", "scopes")}


def _get_or_add(session: Session, by_code: dict[str, Jurisdiction], added: Counter[str],
                code: str, name: str, level: Level, parent: str | None,
                source: str = "nbs") -> Jurisdiction:
    j = by_code.get(code)
    if j is None:
        j = Jurisdiction(code=code, name=name, level=level.value, source=source,
                         parent=by_code[parent] if parent else None)
        session.add(j)
        by_code[code] = j
        added["jurisdictions"] += 1
    return j


def _jurisdictions(session: Session, added: Counter[str]) -> dict[str, Jurisdiction]:
    by_code = {j.code: j for j in session.scalars(select(Jurisdiction))}
    _get_or_add(session, by_code, added, *data.PROVINCE, Level.PROVINCE, None)
    for code, name, parent in data.CITIES:
        _get_or_add(session, by_code, added, code, name, Level.CITY, parent)
    for code, name, parent in data.COUNTIES:
        _get_or_add(session, by_code, added, code, name, Level.COUNTY, parent)
    for code, name, parent in data.TOWNSHIPS:
        _get_or_add(session, by_code, added, code, name, Level.TOWNSHIP, parent)
    area = _get_or_add(session, by_code, added, *data.NEW_AREA, Level.MANAGEMENT,
                       data.PROVINCE[0], source="demo")
    session.flush()
    members = {(m.area_id, m.member_id) for m in session.scalars(select(ManagementMembership))}
    for (code, name), townships in data.NEW_CITIES.items():
        city = _get_or_add(session, by_code, added, code, name, Level.MANAGEMENT,
                           data.NEW_AREA[0], source="demo")
        session.flush()
        for township in townships:
            for manager in (city, area):
                key = (manager.id, by_code[township].id)
                if key not in members:
                    session.add(ManagementMembership(area_id=key[0], member_id=key[1]))
                    members.add(key)
                    added["memberships"] += 1
    return by_code


def _scope(session: Session, by_code: dict[str, Jurisdiction], added: Counter[str]) -> None:
    if session.scalar(select(Scope).where(Scope.name == data.BUILT_UP_SCOPE)):
        return
    session.add(Scope(name=data.BUILT_UP_SCOPE, kind="built_up_area",
                      classes=data.BUILT_UP_CLASSES, radius_m=2000,
                      members=[by_code[c] for c, _n, _p in data.TOWNSHIPS]))
    added["scopes"] += 1


def _users(session: Session, added: Counter[str]) -> None:
    have = set(session.scalars(select(User.username)))
    for username, display, role, org in data.DEMO_USERS:
        if username not in have:
            users.ensure_user(session, username, display, data.DEMO_PASSWORD, [role], org)
            added["users"] += 1


def _experts(session: Session, added: Counter[str]) -> None:
    """The expert pool, each expert linked to a demo account with the expert role."""
    session.flush()
    users_by_name = {u.username: u for u in session.scalars(select(User))}
    linked = set(session.scalars(select(Expert.user_id).where(Expert.user_id.is_not(None))))
    orgs = {u: org for u, _d, _r, org in data.DEMO_USERS}
    for username, name, specialties in data.DEMO_EXPERTS:
        user = users_by_name.get(username)
        if user is None or user.id in linked:
            continue
        session.add(Expert(name=name, affiliation=orgs.get(username), specialties=specialties,
                           user=user))
        added["experts"] += 1


def _places(session: Session, by_code: dict[str, Jurisdiction],
            added: Counter[str]) -> dict[str, tuple[Place, list[tuple[float, float]]]]:
    existing = {(p.name, p.cls): p for p in session.scalars(select(Place))}
    roads = {}
    for name, cls, township, line, width, meaning in data.ROADS:
        place = existing.get((name, cls))
        if place is None:
            wkt = "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in line) + ")"
            place = create_place(session, PlaceInput(
                name=name, cls=cls, jurisdiction=by_code[township], geom_wkt=wkt,
                width_m=width, length_m=round(_length_m(line)), meaning=meaning,
                approving_body=APPROVING_BODY))
            added["places"] += 1
        roads[name] = (place, line)
    for name, cls, township, lon, lat, meaning in data.FEATURES:
        if (name, cls) not in existing:
            create_place(session, PlaceInput(
                name=name, cls=cls, jurisdiction=by_code[township],
                geom_wkt=f"POINT({lon} {lat})", meaning=meaning, approving_body=APPROVING_BODY))
            added["places"] += 1
    return roads


def _addresses(session: Session, roads: dict[str, tuple[Place, list[tuple[float, float]]]],
               by_code: dict[str, Jurisdiction], added: Counter[str]) -> None:
    have = {road_id for (road_id,) in session.execute(select(Address.road_id).distinct())}
    for place, line in roads.values():
        if place.id in have:
            continue
        assert place.jurisdiction is not None
        for e in demo_entrances(line, data.ENTRANCES_PER_ROAD):
            create_address(session, AddressInput(
                jurisdiction=place.jurisdiction, road=place, number=e.number.number,
                lon=e.point[0], lat=e.point[1], road_point=e.road_point, side=e.side,
                distance_m=round(e.chainage_m, 1)))
            added["addresses"] += 1


def _length_m(line: list[tuple[float, float]]) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(line, line[1:], strict=False):
        dx = math.radians(x2 - x1) * math.cos(math.radians((y1 + y2) / 2))
        total += 6_371_008.8 * math.hypot(dx, math.radians(y2 - y1))
    return total


def demo_entrances(line: list[tuple[float, float]], count: int) -> list[NumberedEntrance]:
    """``count`` entrances spread along ``line``, 25 m off it on alternating sides, numbered
    by the default policy (from the start, odd on the left, even on the right)."""
    projection = local_projection_for(line)
    centre = LineString(projection.to_xy(line))
    points = []
    for i in range(count):
        d = centre.length * (i + 0.5) / count
        here, ahead = centre.interpolate(d), centre.interpolate(min(d + 1.0, centre.length))
        dx, dy = ahead.x - here.x, ahead.y - here.y
        norm = math.hypot(dx, dy) or 1.0
        sign = 1 if i % 2 == 0 else -1  # left of the direction of travel, then right
        points.append((here.x - sign * 25 * dy / norm, here.y + sign * 25 * dx / norm))
    lonlats = projection.to_lonlat(points)
    entrances = [Entrance(id=str(i), point=p) for i, p in enumerate(lonlats)]
    return number_road(line, entrances, NumberingPolicy())
