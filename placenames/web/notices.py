"""Public pages of the procedure: names under notice, the comment form, announcements.

Nothing here needs an account. The comment form is CSRF-protected (app-wide CSRFProtect),
rate-limited per client address (``COMMENT_RATELIMIT``, default 5 per minute, applied by
:func:`init_app` through the app's limiter) and closes at the end of the period by the clock.
Everything shown is escaped by Jinja; commenters' names and phones are stored encrypted and
only ever reach the templates masked (:mod:`placenames.ops.privacy.contacts`), and the form
says who collects them, why, for how long and whom to ask.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from .. import db
from ..errors import NotFound, PlacenamesError
from ..models.workflow import Application
from ..ops.privacy import contacts
from ..ops.procedure import applications as apps
from ..ops.procedure import documents, publication
from ..ops.procedure import steps as steps
from ..workflow import State
from .committee import now

bp = Blueprint("notices", __name__)

DEFAULT_COMMENT_LIMIT = "5 per minute"


def init_app(app: Flask) -> None:
    """Put the tighter limit on the comment form (call after the limiter is built)."""
    limiter = app.extensions.get("placenames.limiter")
    view = app.view_functions.get("notices.comment")
    if limiter is not None and view is not None:
        limit = app.config.get("COMMENT_RATELIMIT", DEFAULT_COMMENT_LIMIT)
        app.view_functions["notices.comment"] = cast(
            Any, limiter.limit(limit, methods=["POST"])(view))


def _noticed(app_id: uuid.UUID) -> Application:
    app = db.session().get(Application, app_id)
    if app is None or app.comment_opens is None or app.state in (State.DRAFT, State.WITHDRAWN):
        raise NotFound(_("No such notice."))
    return app


def _announced(app_id: uuid.UUID) -> Application:
    app = db.session().get(Application, app_id)
    if app is None or app.announced_on is None:
        raise NotFound(_("No such announcement."))
    return app


@bp.get("/notices")
def index() -> str:
    """Names under public notice now, with their periods."""
    rows = db.session().scalars(publication.notices_select()).all()
    clock = now()
    return render_template("notices/index.html", rows=rows,
                           open_now={a.id: steps.comments_open(a, clock) for a in rows})


@bp.get("/notices/<uuid:app_id>")
def notice(app_id: uuid.UUID) -> str:
    """One notice: the proposed name, its reasons, the period, comments (masked) and the form."""
    return _notice_page(_noticed(app_id))


def _notice_page(app: Application, form: Any = None, error: str | None = None) -> str:
    """The notice's page; after a refused comment, with the comment as typed and the reason."""
    s = db.session()
    comments = contacts.comments_of(s, app.id)  # contacts masked
    screen = apps.latest(s, app, "screen") or {}
    spelled = {r["name"]: r["romanization"] for r in screen.get("results", [])}
    return render_template("notices/notice.html", app=app, comments=comments, spelled=spelled,
                           open=steps.comments_open(app, now()),
                           jurisdiction=steps.jurisdiction_path(s, app),
                           retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
                           form=form or {}, error=error)


@bp.post("/notices/<uuid:app_id>/comments")
def comment(app_id: uuid.UUID) -> Response | tuple[str, int]:
    """Receive a comment while the notice runs; a refused one (a phone number that is not
    one, the period just closed) shows the notice again with what was typed."""
    s = db.session()
    app = _noticed(app_id)
    f = request.form
    try:
        steps.add_comment(s, app, body=f.get("body", ""), author=f.get("author"),
                          phone=f.get("phone"), now=now())
    except PlacenamesError as exc:
        s.rollback()  # ``app`` is read again as stored
        return _notice_page(app, f, exc.user_msg), exc.http_status
    s.commit()
    flash(_("Thank you; your comment was received."), "ok")
    return redirect(url_for(".notice", app_id=app.id))


@bp.get("/announcements")
def announcements() -> str:
    """Announced names, newest first."""
    rows = db.session().scalars(publication.announcements_select(limit=200)).all()
    return render_template("notices/announcements.html", rows=rows)


@bp.get("/announcements/<uuid:app_id>")
def announcement(app_id: uuid.UUID) -> str:
    """An announcement with its six fields."""
    s = db.session()
    app = _announced(app_id)
    return render_template("notices/announcement.html", app=app,
                           fields=documents.announcement_fields(s, app),
                           doc=documents.build(s, app, "announcement"))


@bp.get("/announcements/<uuid:app_id>.pdf")
def announcement_pdf(app_id: uuid.UUID) -> Response:
    """The announcement, printable."""
    s = db.session()
    app = _announced(app_id)
    pdf = documents.render_pdf(documents.build(s, app, "announcement"),
                               current_app.config["OFFICE_NAME"])
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="announcement-{app.id}.pdf"'})
