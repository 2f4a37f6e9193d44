"""The gazetteer (地名录·地名图册) for everyone: ``/gazetteer`` and the current edition's PDF.

Anyone downloads the book of the New Area or one of its new cities as the register stands
today (staff reproduce earlier editions on ``/staff/gazetteer``). A book takes seconds to lay
out, so each edition is made once and kept in the instance folder
(``gazetteer-cache/<area>-<date>-<map version>-<stories>.pdf``): a change of a name, a
jurisdiction or a published story, or a new day, makes a new edition; older files of the area
are removed. The download is rate-limited like the other public downloads
(:mod:`placenames.web.limits`).
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import func, select

from .. import db
from ..gazetteer.pdf import render_pdf
from ..models import Jurisdiction, Level, NameStory
from ..models.versions import map_version
from ..ops.gazetteer.area import find_area
from ..ops.gazetteer.build import build
from ..workflow import CHINA_TZ

bp = Blueprint("gazetteer_public", __name__)
_LOCK = threading.Lock()


def _areas() -> list[tuple[str, str]]:
    return [(code, name) for code, name in db.session().execute(
        select(Jurisdiction.code, Jurisdiction.name)
        .where(Jurisdiction.level == Level.MANAGEMENT).order_by(Jurisdiction.code))]


@bp.get("/gazetteer")
def page() -> str:
    """The areas whose gazetteer anyone may download, as the register stands today."""
    return render_template("gazetteer/public.html", areas=_areas(),
                           today=datetime.now(CHINA_TZ).date())


def _edition_file(code: str) -> Path:
    """The cached file of today's edition of ``code`` (made when missing)."""
    s = db.session()
    area = find_area(s, code)  # NotFound (404) for an unknown area
    today = datetime.now(CHINA_TZ).date()
    stamp = s.scalar(select(func.max(NameStory.updated_at)))
    key = f"{area.code}-{today:%Y%m%d}-{map_version(s)}-{stamp:%Y%m%d%H%M%S%f}" if stamp \
        else f"{area.code}-{today:%Y%m%d}-{map_version(s)}-0"
    folder = Path(current_app.instance_path) / "gazetteer-cache"
    path = folder / f"{key}.pdf"
    if path.is_file():
        return path
    with _LOCK:
        if not path.is_file():
            book = build(s, area.code, as_of=today, today=today,
                         office=current_app.config["OFFICE_NAME"])
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(render_pdf(book))
            tmp.replace(path)
            for old in folder.glob(f"{area.code}-*.pdf"):
                if old != path:
                    old.unlink(missing_ok=True)
    return path


@bp.get("/gazetteer/<code>.pdf")
def download(code: str) -> Response:
    """Today's edition of the gazetteer of ``code`` as a PDF."""
    path = _edition_file(code[:40])
    name = path.name.rsplit("-", 2)[0]
    return Response(path.read_bytes(), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="gazetteer-{name}.pdf"',
                             "Cache-Control": "public, max-age=3600"})
