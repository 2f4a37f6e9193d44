"""One error handler: HTML for browsers, JSON for API clients, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import Conflict, ImportRejected, PlacenamesError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """True when the client asked for JSON (API paths, or Accept prefers JSON)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def render_error(status: int, message: str, extra: dict[str, object] | None = None
                 ) -> tuple[Response | str, int]:
    """Answer an error as JSON or as the HTML error page."""
    if wants_json():
        body: dict[str, object] = {"error": message, "status": status}
        body.update(extra or {})
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(PlacenamesError)
    def _domain(exc: PlacenamesError) -> tuple[Response | str, int]:
        if exc.detail:
            log.info("%s: %s", type(exc).__name__, exc.detail)
        extra = {"problems": exc.problems} if isinstance(exc, ImportRejected) else None
        return render_error(exc.http_status, exc.user_msg, extra)

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError) -> tuple[Response | str, int]:
        return _domain(Conflict(_("This record was changed by someone else; reload and retry.")))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int]:
        return render_error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        log.exception("unexpected error")
        return render_error(500, _("Internal error; the office has been notified."))
