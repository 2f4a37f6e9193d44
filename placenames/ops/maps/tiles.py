"""Vector tiles (MVT) of the register, the same features and attributes on both backends.

Each layer is one SELECT of the records in the tile's box (through the spatial index) with its
attributes. PostGIS encodes the tile itself (``ST_AsMVT``); elsewhere the rows are encoded here
with mapbox-vector-tile after the same steps: Web Mercator, simplification by the zoom's
precision, clipping to the tile plus its buffer. Feature ids are the top 52 bits of the
record's UUID on both backends (:func:`placenames.maps.layers.feature_id`).

The ``planned`` layer holds the reserved names (备用地名) of naming plans, which the ``names``
layer never carries: on the tiles everyone gets, only those of approved plans; on the staff
tiles (``staff=True``, served apart and never cached for others) those of every plan.
"""

from __future__ import annotations

import uuid
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from sqlalchemy import LargeBinary, Select, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from ... import spatial
from ...maps.layers import (
    CLASS_MIN_ZOOM,
    DEFAULT_CLASS_MIN_ZOOM,
    DETAIL_ZOOM,
    LAYERS,
    MAX_FEATURES,
    NOT_ON_NAMES_LAYER,
    PLANNED_PLAN_STATUSES_PUBLIC,
    STATUS_GROUP,
    class_rank,
    classes_at,
    feature_id,
    levels_at,
    other_classes_shown,
)
from ...maps.tiles import BUFFER, EXTENT, Tile, mercator_array
from ...models import Address, Jurisdiction, Place, Plate
from ...models.places import PlaceStatus
from ...models.plans import NamingPlan, ReservedName
from ...models.plates import LIVE_STATUSES

SIMPLIFY_UNITS = 1.0  # simplify lines and outlines to one tile unit (1/4096 of the tile)


def layer_names() -> list[str]:
    """Every layer a tile can carry, in drawing order (outlines first, plates last)."""
    return ["jurisdictions", "names", "planned", "addresses", "plates"]


SIMPLIFIED = ("names", "planned", "jurisdictions")
"""Layers whose lines and outlines are simplified to the zoom's precision."""


def render(session: Session, layer: str, tile: Tile, *, staff: bool = False) -> bytes:
    """The MVT bytes of one layer (or ``all`` of them, concatenated) for one tile.

    Concatenated tile messages are one valid tile: the protobuf field of layers repeats.
    ``staff``: the ``planned`` layer carries the reserved names of every plan (not only the
    approved ones) with the plan's status; never for a response others may see.
    """
    names = layer_names() if layer == "all" else [layer]
    conn = session.connection()
    postgis = spatial.backend_name(conn) == "postgis"
    parts = []
    for name in names:
        stmt = layer_select(name, tile, conn, staff=staff)
        if stmt is None:
            continue
        tolerance = tile.unit_m() * SIMPLIFY_UNITS if name in SIMPLIFIED else 0
        if postgis:
            parts.append(_postgis_layer(conn, name, stmt, tile, tolerance))
        else:
            parts.append(encode_rows(session, name, stmt, tile, tolerance))
    return b"".join(parts)


def layer_select(name: str, tile: Tile, bind: Any, *, staff: bool = False
                 ) -> Select[Any] | None:
    """The SELECT of one layer's records in ``tile``: an ``id`` column (the record's UUID), a
    ``geom`` column and the attributes; None when the layer has nothing at this zoom.
    ``staff`` widens the ``planned`` layer (see :func:`render`)."""
    if not LAYERS[name].serves(tile.z):
        return None
    box = tile.bounds_lonlat(BUFFER)
    if name == "names":
        return _names(tile.z, box, bind)
    if name == "planned":
        return _planned(box, bind, staff=staff)
    if name == "addresses":
        return _addresses(box, bind)
    if name == "plates":
        return _plates(box, bind)
    return _jurisdictions(tile.z, box, bind)


def _names(z: int, box: tuple[float, float, float, float], bind: Any) -> Select[Any]:
    group = case(STATUS_GROUP, value=Place.status, else_=literal("in_procedure"))
    shown = Place.cls.in_(classes_at(z))
    if other_classes_shown(z):
        shown = or_(shown, Place.cls.not_in(list(CLASS_MIN_ZOOM)))
    detail = [Place.romanization.label("pinyin"), Place.status, Place.class_code] \
        if z >= DETAIL_ZOOM else []
    rank = case({c: class_rank(c) for c in CLASS_MIN_ZOOM}, value=Place.cls,
                else_=literal(DEFAULT_CLASS_MIN_ZOOM))
    return (select(Place.id, Place.name, Place.cls, group.label("group"), *detail,
                   Place.geom.label("geom"))
            .where(Place.geom.is_not(None), shown, Place.status.not_in(NOT_ON_NAMES_LAYER),
                   spatial.intersects_box(Place.geom, box, bind))
            .order_by(rank, func.ST_Length(Place.geom).desc(), Place.id)
            .limit(MAX_FEATURES))


def _planned(box: tuple[float, float, float, float], bind: Any, *, staff: bool
             ) -> Select[Any]:
    """Reserved names still planned (their place is ``reserved``: not yet in force, not
    released) with their plan; for the public only those of approved plans."""
    cols = [Place.id, Place.name, Place.cls, Place.romanization.label("pinyin"),
            NamingPlan.code.label("plan_code"), NamingPlan.title.label("plan"),
            ReservedName.theme]
    if staff:
        cols += [NamingPlan.status.label("plan_status"),
                 case((ReservedName.application_id.is_not(None), literal(1)),
                      else_=literal(0)).label("taken")]
    stmt = select(*cols, Place.geom.label("geom")).select_from(Place)
    if staff:  # also a reserved place no plan holds (entered before plans existed)
        stmt = (stmt.outerjoin(ReservedName, ReservedName.place_id == Place.id)
                .outerjoin(NamingPlan, NamingPlan.id == ReservedName.plan_id))
    else:
        stmt = (stmt.join(ReservedName, ReservedName.place_id == Place.id)
                .join(NamingPlan, NamingPlan.id == ReservedName.plan_id)
                .where(NamingPlan.status.in_(PLANNED_PLAN_STATUSES_PUBLIC)))
    return (stmt.where(Place.status == PlaceStatus.RESERVED, Place.geom.is_not(None),
                       spatial.intersects_box(Place.geom, box, bind))
            .order_by(Place.id).limit(MAX_FEATURES))


def _door_label() -> Any:
    sub = case((and_(Address.suffix.is_not(None), Address.suffix != ""),
                literal("-") + Address.suffix), else_=literal(""))
    return case((Address.number.is_(None), literal("")),
                else_=cast(Address.number, String) + sub + literal("号"))


def _addresses(box: tuple[float, float, float, float], bind: Any) -> Select[Any]:
    return (select(Address.id, Address.code, _door_label().label("label"), Address.full_text,
                   Address.road_id, Address.status, Address.entrance.label("geom"))
            .where(Address.entrance.is_not(None),
                   spatial.intersects_box(Address.entrance, box, bind))
            .order_by(Address.id).limit(MAX_FEATURES))


def _plates(box: tuple[float, float, float, float], bind: Any) -> Select[Any]:
    return (select(Plate.id, Plate.plate_id, Plate.status, Address.code.label("address_code"),
                   Address.entrance.label("geom"))
            .join(Address, Address.id == Plate.address_id)
            .where(Address.entrance.is_not(None), Plate.status.in_(sorted(LIVE_STATUSES)),
                   spatial.intersects_box(Address.entrance, box, bind))
            .order_by(Plate.id).limit(MAX_FEATURES))


def _jurisdictions(z: int, box: tuple[float, float, float, float], bind: Any) -> Select[Any]:
    return (select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.level,
                   Jurisdiction.geom.label("geom"))
            .where(Jurisdiction.geom.is_not(None), Jurisdiction.level.in_(levels_at(z)),
                   spatial.intersects_box(Jurisdiction.geom, box, bind))
            .order_by(Jurisdiction.id))


def _postgis_layer(conn: Any, name: str, stmt: Select[Any], tile: Tile,
                   tolerance: float) -> bytes:
    id_col = stmt.selected_columns["id"]
    rows = stmt.add_columns(spatial.uuid_feature_id(id_col).label("fid")).subquery("rows")
    return spatial.postgis_mvt(conn, name, rows, tile.z, tile.x, tile.y, tolerance,
                               EXTENT, BUFFER)


def encode_rows(session: Session, name: str, stmt: Select[Any], tile: Tile,
                tolerance: float) -> bytes:
    """Encode a layer's rows here (any backend): what ``ST_AsMVT`` does on PostGIS.

    Geometries go to tile units (Web Mercator scaled to EXTENT, y down), are simplified by
    ``tolerance`` metres, clipped to the tile plus its buffer and rounded, each step once for
    the whole layer (shapely's array functions).
    """
    geom = stmt.selected_columns["geom"]
    stmt = stmt.with_only_columns(*[c for c in stmt.selected_columns if c.key != "geom"],
                                  func.ST_AsBinary(geom, type_=LargeBinary).label("geom"))
    rows = session.connection().execute(stmt).mappings().all()
    if not rows:
        return b""
    geoms = shapely.from_wkb([bytes(r["geom"]) for r in rows])
    geoms = _to_tile_units(geoms, tile)
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance / tile.unit_m(), preserve_topology=True)
    geoms = shapely.clip_by_rect(geoms, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    geoms = shapely.transform(geoms, np.rint)
    features = []
    for row, geom in zip(rows, geoms, strict=True):
        if geom.is_empty:
            continue
        props = {k: _plain(v) for k, v in row.items()
                 if k not in ("geom", "id") and v is not None}
        props["id"] = str(row["id"])
        features.append({"geometry": geom, "id": feature_id(row["id"]), "properties": props})
    if not features:
        return b""
    return bytes(mapbox_vector_tile.encode(
        [{"name": name, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True,
                         "on_invalid_geometry": on_invalid_geometry_make_valid}))


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _to_tile_units(geom: Any, tile: Tile) -> Any:
    """Lon/lat → Web Mercator → tile units (0…EXTENT, y growing downwards)."""
    minx, _miny, _maxx, maxy = tile.bounds_m()
    scale = EXTENT / tile.width_m()

    def project(coords: Any) -> Any:
        xy = mercator_array(coords)
        return np.column_stack([(xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale])

    return shapely.transform(geom, project)
