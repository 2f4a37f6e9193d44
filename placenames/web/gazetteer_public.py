"""The gazetteer (地名录·地名图册) for everyone: ``/gazetteer`` and the current edition's PDF.

Anyone downloads the book of the New Area or one of its new cities as the register stands
today (staff reproduce earlier editions on ``/staff/gazetteer``). A book takes seconds to lay
out, so each edition is made once, by a background job (``gazetteer_edition``), and kept in the
store (:mod:`placenames.storage`: ``gazetteer-public/<area>-<date>-<map version>-<stories>.pdf``,
shared by every instance): a change of a name, a jurisdiction or a published story, or a new
day, makes a new edition; older ones of the area are removed. While an edition is being made
the download answers a page that says so and asks again in a few seconds. The download is
rate-limited like the other public downloads (:mod:`placenames.web.limits`).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import func, select

from .. import db
from ..jobs.handlers import GAZETTEER_EDITION, edition_key
from ..jobs.queue import start_job
from ..models import Jurisdiction, Level, NameStory
from ..models.versions import map_version
from ..ops.gazetteer.area import find_area
from ..workflow import CHINA_TZ
from . import observe
from .stored import store

bp = Blueprint("gazetteer_public", __name__)


def _areas() -> list[tuple[str, str]]:
    return [(code, name) for code, name in db.session().execute(
        select(Jurisdiction.code, Jurisdiction.name)
        .where(Jurisdiction.level == Level.MANAGEMENT).order_by(Jurisdiction.code))]


@bp.get("/gazetteer")
def page() -> str:
    """The areas whose gazetteer anyone may download, as the register stands today."""
    return render_template("gazetteer/public.html", areas=_areas(),
                           today=datetime.now(CHINA_TZ).date())


def _edition(code: str) -> tuple[str, str]:
    """The area's code and the name of today's edition (:func:`edition_key`)."""
    s = db.session()
    area = find_area(s, code)  # NotFound (404) for an unknown area
    today = datetime.now(CHINA_TZ).date()
    stamp = s.scalar(select(func.max(NameStory.updated_at)))
    stories = f"{stamp:%Y%m%d%H%M%S%f}" if stamp else "0"
    return area.code, f"{area.code}-{today:%Y%m%d}-{map_version(s)}-{stories}"


def _queue_edition(area: str, name: str) -> None:
    """Queue the job that makes the edition (unless one is queued or running), in a writer
    session of its own: this is a GET, whose session only reads (maybe from a replica)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    writer = app.extensions["placenames.sessionmaker"]()
    try:
        start_job(app, writer, GAZETTEER_EDITION, {"area": area, "edition": name},
                  subject=name[:40], actor_id=None, request_id=observe.request_id())
    finally:
        writer.close()


@bp.get("/gazetteer/<code>.pdf")
def download(code: str) -> Response | tuple[str, int, dict[str, str]]:
    """Today's edition of the gazetteer of ``code`` as a PDF; while it is being made, a page
    that says so and asks again."""
    area, name = _edition(code[:40])
    key = edition_key(name)
    if not store().exists(key):
        _queue_edition(area, name)
    if not store().exists(key):
        return (render_template("gazetteer/preparing.html", area=area), 202,
                {"Refresh": "3", "Cache-Control": "no-store"})
    return Response(store().read(key), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="gazetteer-{area}.pdf"',
                             "Cache-Control": "public, max-age=3600"})
