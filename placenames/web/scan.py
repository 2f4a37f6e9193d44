"""The public scan page ``/p/<id>``, its JSON, and the "report a problem" form.

The JSON is also what ``GET /api/v1/plates/<id>`` answers without a token
(:mod:`placenames.web.api_plates`).

A scanned plate lands here. The page shows the standard address and nothing else: it never
asks for money, a login or personal data. It is cacheable (``ETag``, ``Cache-Control: public``,
304 on ``If-None-Match``) so a reverse proxy can serve repeats. An unknown or malformed id is a
404 that does the same work as a hit: the same indexed lookup and the same page rendering,
thrown away.
"""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import (
    Blueprint,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import db
from ..errors import NotFound
from ..maps.coords import amap_navigation_url, baidu_navigation_url
from ..models.plates import ReportKind
from ..ops.plates import batches as plate_ops
from ..ops.plates import scan as plate_scan
from ..ops.plates.scan import DUMMY_VIEW, PlateView
from .errors import wants_json
from .forms import PostedForm

bp = Blueprint("scan", __name__)

MAX_AGE = 300
MAP_W, MAP_H = 320.0, 200.0
MAP_SPAN_DEG = 0.005  # about 550 m north-south


class ReportForm(PostedForm):
    """What is wrong with the plate, and an optional text; no name, no phone."""

    kind = RadioField(_l("What is wrong?"), validators=[DataRequired()], choices=[
        SelectChoice(ReportKind.DAMAGED.value, _l("The plate is damaged")),
        SelectChoice(ReportKind.MISSING.value, _l("The plate is missing")),
        SelectChoice(ReportKind.WRONG_ADDRESS.value, _l("The address is wrong")),
    ])
    note = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=500)])


def _lang() -> str:
    from ..i18n import select_locale

    return select_locale()


class _Rendered:
    """Rendered bodies by ETag, kept a few minutes.

    The ETag is made of the versions of every record the view shows, read from the database
    on every request, so a changed record gets a new tag and is rendered afresh; the expiry
    bounds how long a change of a jurisdiction's ancestors (not in the tag) takes to show.
    """

    ttl_s, max_entries = 300.0, 20_000

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The body stored under ``key`` while fresh."""
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: str, body: bytes) -> bytes:
        """Store and return ``body``."""
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl_s, body)
        return body


RENDERED = _Rendered()


def _render(view: PlateView, as_json: bool) -> bytes:
    if as_json:
        return json.dumps(view.as_dict(), ensure_ascii=False).encode()
    return render_template("scan/plate.html", v=view, map=map_figure(view),
                           links=map_links(view)).encode()


def _variant(as_json: bool) -> str:
    return "json" if as_json else _lang()


def _not_found(as_json: bool) -> NotFound:
    """Do a hit's work (a cache lookup of a rendered page) on a placeholder; the 404 to raise."""
    key = f"{DUMMY_VIEW.etag}-{_variant(as_json)}"
    if RENDERED.get(key) is None:
        RENDERED.put(key, _render(DUMMY_VIEW, as_json))
    return NotFound(_("No such plate. Check the code, or report it to the naming office."))


def _cache_headers(resp: Response, etag: str) -> Response:
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.vary.add("Accept")
    resp.vary.add("Cookie")  # the language may come from the lang cookie
    return resp


def answer(plate_id: str, as_json: bool) -> Response:
    """The plate's page or JSON: 304 when the client has it, else the (cached) rendering."""
    s = db.session()
    key = plate_scan.plate_key(s, plate_id)
    if key is None:
        raise _not_found(as_json)
    if key.plate_id != plate_id and not as_json:  # typed or display form: the canonical URL
        return redirect(url_for("scan.page", plate_id=key.plate_id), 301)
    etag = f"{key.etag}-{_variant(as_json)}"
    if request.if_none_match.contains(etag):
        return _cache_headers(Response(status=304), etag)
    body = RENDERED.get(etag)
    if body is None:
        view = plate_scan.plate_view(s, key.plate_id)
        if view is None:  # gone between the two queries
            raise _not_found(as_json)
        etag = f"{view.etag}-{_variant(as_json)}"
        body = RENDERED.put(etag, _render(view, as_json))
    mimetype = "application/json" if as_json else "text/html"
    return _cache_headers(Response(body, mimetype=mimetype), etag)


@bp.get("/p/<plate_id>")
def page(plate_id: str) -> Response:
    """The scan page (HTML, or JSON when the client prefers it)."""
    return answer(plate_id, wants_json())


@bp.route("/p/<plate_id>/report", methods=["GET", "POST"])
def report(plate_id: str) -> Response | str:
    """Report a damaged or missing plate or a wrong address (rate-limited, CSRF-protected)."""
    s = db.session()
    plate = plate_ops.find_plate(s, plate_id)
    form = ReportForm()
    if form.validate_on_submit():
        plate_scan.report_problem(s, plate.plate_id, form.kind.data or "", form.note.data,
                                 now=datetime.now(UTC))
        s.commit()
        resp = make_response(render_template("scan/report_done.html",
                                             plate_id=plate.plate_id))
    else:
        status = 400 if request.method == "POST" else 200
        resp = make_response(render_template("scan/report.html", form=form,
                                             plate_id=plate.plate_id), status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


class Located(Protocol):
    """What the small map and the map links need of a view (a plate's, a sign's)."""

    @property
    def point(self) -> tuple[float, float] | None:
        """The (lon, lat) marked on the map."""

    @property
    def line(self) -> tuple[tuple[float, float], ...]:
        """The road's vertices around it."""

    @property
    def address_zh(self) -> str:
        """What the map links name the point by."""


def map_figure(view: Located) -> dict[str, Any] | None:
    """A small map as SVG coordinates: the road line around the entrance point, 320×200.

    Equirectangular (fine at street scale), centred on the point, about
    :data:`MAP_SPAN_DEG` of latitude high; the SVG clips the rest of the line. None without
    a point.
    """
    if view.point is None:
        return None
    k = math.cos(math.radians(view.point[1]))
    scale = MAP_H / MAP_SPAN_DEG
    cx, cy = view.point[0] * k, view.point[1]

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return (round(MAP_W / 2 + (p[0] * k - cx) * scale, 1),
                round(MAP_H / 2 - (p[1] - cy) * scale, 1))

    line = " ".join(f"{x},{y}" for x, y in map(xy, view.line))
    return {"w": MAP_W, "h": MAP_H, "line": line, "point": xy(view.point)}


def map_links(view: Located) -> dict[str, str]:
    """Links to open the point on OpenStreetMap (CGCS2000), AMap (GCJ-02) and Baidu (BD-09)."""
    if view.point is None:
        return {}
    lon, lat = view.point
    return {
        "osm": f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
               f"#map=17/{lat:.6f}/{lon:.6f}",
        "amap": amap_navigation_url(lon, lat, view.address_zh),
        "baidu": baidu_navigation_url(lon, lat, view.address_zh),
    }
