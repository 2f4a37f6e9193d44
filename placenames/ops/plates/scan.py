"""What a scanned plate shows (the public page ``/p/<id>`` and its JSON), and the public's
reports of a damaged or missing plate or a wrong address.

The hot path is :func:`plate_key`: one light indexed query that yields the canonical id and an
ETag made of the versions of every record the view shows; :func:`plate_view` reads the rest
only when the page is not already rendered. A malformed id runs the same query with an id no
plate has, so a miss costs what a hit costs in the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.orm import Session, aliased

from ... import spatial
from ...addressing.compose import AddressParts, format_pinyin
from ...db import FixedSelect
from ...models import Address, Jurisdiction, NameStory, Place, StoryStatus
from ...models.plates import Plate, PlateReport, PlateStatus
from ...plates.errors import PlateIdError
from ...plates.ids import display_plate_id, normalize_plate_id
from ..stories.public import PhotoView, photos_of
from .batches import PATHS, find_plate, name_pinyin
from .reports import checked


@dataclass(frozen=True)
class RoadStory:
    """The published story of the plate's road (地名故事)."""

    meaning: str
    origin: str
    sources: str
    heritage: bool
    photos: tuple[PhotoView, ...]


@dataclass(frozen=True)
class PlateView:
    """Everything the public scan page shows about one plate, as plain values."""

    plate_id: str
    display_id: str
    status: str
    replaced_by: str | None
    address_code: str
    address_zh: str
    address_pinyin: str
    jurisdiction: tuple[str, ...]
    road_name: str | None
    road_romanization: str | None
    road_meaning: str | None
    road_history: str | None
    renamed_to: str | None
    renamed_to_romanization: str | None
    renamed_on: date | None
    point: tuple[float, float] | None
    line: tuple[tuple[float, float], ...] = ()
    etag: str = ""
    found: bool = True
    story: RoadStory | None = None

    @property
    def revoked(self) -> bool:
        """True when the plate is void (作废)."""
        return self.status == PlateStatus.REVOKED

    def as_dict(self) -> dict[str, object]:
        """The JSON body of the public plate API."""
        return {
            "plate_id": self.plate_id, "display_id": self.display_id, "status": self.status,
            "revoked": self.revoked, "replaced_by": self.replaced_by,
            "address": {"code": self.address_code, "zh": self.address_zh,
                        "pinyin": self.address_pinyin, "jurisdiction": list(self.jurisdiction)},
            "road": None if self.road_name is None else {
                "name": self.road_name, "romanization": self.road_romanization,
                "meaning": self.road_meaning, "history": self.road_history,
                "renamed_to": self.renamed_to,
                "renamed_to_romanization": self.renamed_to_romanization,
                "renamed_on": self.renamed_on.isoformat() if self.renamed_on else None,
                "story": None if self.story is None else {
                    "meaning": self.story.meaning, "origin": self.story.origin,
                    "sources": self.story.sources, "heritage": self.story.heritage,
                    "photos": [{"id": p.id, "caption": p.caption, "source": p.source}
                               for p in self.story.photos]}},
            "location": None if self.point is None else {
                "lon": self.point[0], "lat": self.point[1], "crs": "EPSG:4490"},
        }


VIEW_VERSION = "2"  # bump when the page or JSON changes shape, so ETags change with it
DUMMY_ID = "-" * 17  # never a stored plate id: the lookup done for malformed ids
DUMMY_VIEW = PlateView(
    plate_id="0" * 17, display_id="0000-0000-0000-0000-0", status="installed", replaced_by=None,
    address_code="0" * 17, address_zh="陕西省西咸新区沣东新城三桥街道建章路1号",
    address_pinyin="1 Jianzhang Lu, Sanqiao Jiedao, Fengdong Xincheng, Xixian Xinqu, "
                   "Shaanxi Sheng",
    jurisdiction=("陕西省", "西咸新区", "沣东新城", "三桥街道"), road_name="建章路",
    road_romanization="Jianzhang Lu", road_meaning="因汉代建章宫遗址在其附近而得名",
    road_history=None, renamed_to=None, renamed_to_romanization=None, renamed_on=None,
    point=(108.836, 34.27), line=((108.836, 34.255), (108.837, 34.278), (108.836, 34.3)),
    etag="dummy", found=False)


def _normalized_or_dummy(text: str) -> str:
    try:
        return normalize_plate_id(text)
    except PlateIdError:
        return DUMMY_ID


def _etag(pid: str, row: Any) -> str:
    """A tag of everything the view shows: the versions of the records it is made of."""
    tag = f"{VIEW_VERSION}|{pid}|{row.version}|{row.a_version}|{row.r_version}|" \
          f"{row.n_version}|{row.j_version}|{row.replaced_by}|{row.s_version}"
    return hashlib.sha1(tag.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class PlateKey:
    """The canonical id of a found plate and the ETag of its current view."""

    plate_id: str
    etag: str


def plate_key(session: Session, text: str) -> PlateKey | None:
    """The plate's canonical id and view tag from one light indexed query, or None.

    A malformed id runs the same query with an id no plate has, so a miss costs what a hit
    costs in the database.
    """
    pid = _normalized_or_dummy(text)
    row = _KEY_QUERY.first(session.connection(), {"pid": pid})
    return None if row is None else PlateKey(pid, _etag(pid, row))


def plate_view(session: Session, text: str) -> PlateView | None:
    """The view of the plate whose id is ``text``, or None (malformed or unknown id)."""
    pid = _normalized_or_dummy(text)
    row = session.connection().execute(_VIEW_QUERY, {"pid": pid}).first()
    if row is None:
        return None
    parts = replace(PATHS.get(session, row.jurisdiction_id, row.j_version),
                    road=row.road_name, number=row.number,
                    sub_number=int(row.suffix) if row.suffix and row.suffix.isdigit() else None,
                    group=int(row.village_group) if row.village_group and
                    row.village_group.isdigit() else None, building=row.building,
                    unit=int(row.unit) if row.unit and row.unit.isdigit() else None,
                    room=row.room)
    road_py = row.road_romanization or (name_pinyin(row.road_name) if row.road_name else "")
    pinyin = format_pinyin(parts, lambda n: road_py if n == row.road_name else name_pinyin(n))
    renamed = row.road_status == "renamed"
    return PlateView(
        plate_id=pid, display_id=display_plate_id(pid), status=row.status,
        replaced_by=row.replaced_by, address_code=row.code, address_zh=row.full_text,
        address_pinyin=pinyin, jurisdiction=_path_names(parts),
        road_name=row.road_name, road_romanization=road_py or None,
        road_meaning=row.meaning, road_history=row.history,
        renamed_to=row.new_name if renamed else None,
        renamed_to_romanization=row.new_romanization if renamed else None,
        renamed_on=row.status_changed_on if renamed else None,
        point=(row.lon, row.lat) if row.lon is not None and row.lat is not None else None,
        line=_line(row.road_geojson), etag=_etag(pid, row),
        story=None if row.story_id is None else RoadStory(
            row.story_meaning, row.story_origin, row.story_sources, row.story_heritage,
            tuple(photos_of(session, row.story_id))))


def _path_names(parts: AddressParts) -> tuple[str, ...]:
    return tuple(p for p in (*parts.jurisdiction(), parts.community) if p)


def _line(text: str | None) -> tuple[tuple[float, float], ...]:
    """The road's vertices from GeoJSON (a point or nothing gives an empty line)."""
    if not text:
        return ()
    geo = json.loads(text)
    if geo.get("type") == "LineString":
        return tuple((float(c[0]), float(c[1])) for c in geo["coordinates"])
    if geo.get("type") == "MultiLineString":
        return tuple((float(c[0]), float(c[1])) for part in geo["coordinates"] for c in part)
    return ()


def _view_query(full: bool) -> Any:
    """One indexed query: plate, address, road, the road's new name, the replacement's id.

    Not ``full``: only the versions that make the ETag (the hot path of the scan page).
    """
    road, new, repl = aliased(Place), aliased(Place), aliased(Plate)
    story = aliased(NameStory)
    columns: list[Any] = [
        Plate.version, repl.plate_id.label("replaced_by"), Address.version.label("a_version"),
        Jurisdiction.version.label("j_version"), road.version.label("r_version"),
        new.version.label("n_version"), story.version.label("s_version")]
    if full:
        lon, lat = spatial.point_lon_lat(Address.entrance)
        columns += [
            Plate.status, Address.code, Address.full_text, Address.number, Address.suffix,
            Address.village_group, Address.building, Address.unit, Address.room,
            Address.jurisdiction_id, lon.label("lon"), lat.label("lat"),
            road.name.label("road_name"), road.romanization.label("road_romanization"),
            road.meaning, road.history, road.status.label("road_status"),
            road.status_changed_on, spatial.as_geojson(road.geom).label("road_geojson"),
            new.name.label("new_name"), new.romanization.label("new_romanization"),
            story.id.label("story_id"), story.meaning.label("story_meaning"),
            story.origin.label("story_origin"), story.sources.label("story_sources"),
            story.heritage.label("story_heritage")]
    return (
        select(*columns)
        .join(Address, Plate.address_id == Address.id)
        .join(Jurisdiction, Address.jurisdiction_id == Jurisdiction.id)
        .outerjoin(road, Address.road_id == road.id)
        .outerjoin(new, road.renamed_to_id == new.id)
        .outerjoin(story, (story.place_id == road.id) &  # a constant: the query binds pid only
                   (story.status == literal_column(f"'{StoryStatus.PUBLISHED}'")))
        .outerjoin(repl, Plate.replaced_by_id == repl.id)
        .where(Plate.plate_id == bindparam("pid"))
    )


_VIEW_QUERY = _view_query(full=True)
_KEY_QUERY = FixedSelect(_view_query(full=False))


def report_problem(session: Session, text: str, kind: str, note: str | None, *,
                   now: datetime) -> PlateReport:
    """Store a report from the public about a plate; BadInput for an unknown kind or long text
    (the staff's queue: :func:`placenames.ops.plates.reports.open_reports`)."""
    report_kind, note = checked(kind, note)
    plate = find_plate(session, text)
    report = PlateReport(plate_ref_id=plate.id, kind=report_kind, note=note, received_at=now)
    session.add(report)
    session.flush()
    return report
