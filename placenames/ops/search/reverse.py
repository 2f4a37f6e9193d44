"""Reverse geocoding: the addresses and names nearest to a CGCS2000 point, with distances."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import spatial
from ...models import Address, Place
from ...models.addresses import AddressStatus
from ...models.places import HISTORICAL, PLAN_ONLY
from ...search.query import QueryError
from .lookup import check_limit, check_near
from .results import Hit, ReverseResult

MAX_RADIUS_M = 5000.0


def reverse(session: Session, lon: float, lat: float, *, radius_m: float = 200.0,
            limit: int = 10) -> ReverseResult:
    """Active addresses (by their entrance) and current names (by their geometry) within
    ``radius_m`` of (lon, lat), nearest first. Raises :class:`QueryError` for a point out of
    range, a radius outside (0, 5000] m or a limit outside 1…50."""
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat, radius_m)):
        raise QueryError("bad_point", "经纬度和半径必须是数字。",
                         "Longitude, latitude and radius must be numbers.")
    check_near((lon, lat))
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise QueryError("bad_radius", f"半径应在 0 到 {MAX_RADIUS_M:.0f} 米之间。",
                         f"The radius must be between 0 and {MAX_RADIUS_M:.0f} m.")
    check_limit(limit)
    bind = session.get_bind()
    here = spatial.point(lon, lat)
    box = spatial.degree_box(lon, lat, radius_m)
    result = ReverseResult(lon, lat, radius_m)

    dist = spatial.distance_m(Address.entrance, here, bind).label("d")
    x, y = spatial.point_lon_lat(Address.entrance)
    rows = session.execute(
        select(Address.id, Address.full_text, Address.code, Address.status, x, y, dist)
        .where(spatial.intersects_box(Address.entrance, box, bind))
        .where(Address.status == AddressStatus.ACTIVE)
        .order_by(dist).limit(limit))
    for r in rows:
        if r.d is None or r.d > radius_m:
            continue
        result.addresses.append(Hit(kind="address", id=str(r.id), label=r.full_text,
                                    matched="near", score=1.0, status=r.status, code=r.code,
                                    lon=r[4], lat=r[5], distance_m=round(float(r.d), 1)))

    pdist = spatial.distance_m(Place.geom, here, bind).label("d")
    rows = session.execute(
        select(Place.id, Place.name, Place.cls, Place.status, Place.romanization, pdist)
        .where(spatial.intersects_box(Place.geom, box, bind))
        .where(Place.status.not_in([str(s) for s in HISTORICAL | PLAN_ONLY]))
        .order_by(pdist).limit(limit))
    for r in rows:
        if r.d is None or r.d > radius_m:
            continue
        result.names.append(Hit(kind="name", id=str(r.id), label=r.name, matched="near",
                                score=1.0, cls=r.cls, status=r.status,
                                romanization=r.romanization, distance_m=round(float(r.d), 1)))
    return result
