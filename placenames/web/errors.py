"""One error handler: HTML for browsers, JSON for API clients, never a traceback.

A database that cannot be reached (PostgreSQL stopped or restarting, the network to it lost,
the pool exhausted, SQLite's file locked past the busy timeout) answers 503 with
``Retry-After``: the request changed nothing (its transaction never committed), and trying
again later is the right thing for the client to do.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import Conflict, ImportRejected, PlacenamesError

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
"""SQLAlchemy's errors for a database that is down, unreachable or too busy to answer."""

UNAVAILABLE_MSG = ("数据库暂时无法访问，请稍后再试。 / The database cannot be reached just now; "
                   "please try again in a moment.")
RETRY_AFTER_S = 5
INVALID_MSG = "请求参数无效 / the request's parameters are invalid"
TOO_MANY_MSG = ("请求过于频繁（限额 {limit}），请稍后再试 / too many requests (limit {limit}); "
                "try again later")

STANDARD_MSGS = {
    400: _l("The request could not be understood. Go back and try again."),
    401: _l("Sign in to see this page."),
    403: _l("Your account may not open this page."),
    404: _l("There is no such page. Check the address, or search for the name or address."),
    405: _l("This page cannot be used that way."),
    413: _l("What was sent is too large."),
}
"""What a person reads for an HTTP error raised without a message of its own, in their
language, instead of werkzeug's English description."""

JSON_PATHS = ("/api/", "/ogc/")
"""Paths whose errors are always JSON: the API and OGC API – Features (GIS clients)."""


def wants_json() -> bool:
    """True when the client asked for JSON (API paths, or Accept prefers JSON)."""
    if request.path.startswith(JSON_PATHS) or request.path == "/ogc":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def invalid_message(errors: object) -> str:
    """The message of a request whose arguments did not validate, naming them (中文 / English)
    with the first reason given, e.g. ``参数 limit 无效 / invalid limit: Must be …``."""
    names: list[str] = []
    reasons: list[str] = []

    def walk(node: object, name: str | None) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                top = name is None and (str(key) in LOCATIONS or str(key) == "_schema")
                walk(value, None if top else name or str(key))
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value, name)
        else:
            if name is not None and name not in names:
                names.append(name)
            reasons.append(str(node))

    walk(errors, None)
    if not names:
        return INVALID_MSG
    listed = ", ".join(names[:5])
    reason = f": {reasons[0]}" if reasons else ""
    return f"参数 {listed} 无效 / invalid {listed}{reason}"


LOCATIONS = frozenset({"query", "querystring", "json", "form", "headers", "cookies", "files",
                       "path", "view_args", "json_or_form"})


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
    def _domain(exc: PlacenamesError) -> Response:
        if exc.detail:
            log.info("%s: %s", type(exc).__name__, exc.detail)
        extra: dict[str, object] = {"problems": exc.problems} \
            if isinstance(exc, ImportRejected) else {}
        code = getattr(exc, "code", None)  # e.g. the workflow guard's refusals
        if isinstance(code, str):
            extra["code"] = code
        response = make_response(render_error(exc.http_status, exc.user_msg, extra))
        if exc.http_status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="placenames"'
        return response

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError) -> Response:
        return _domain(Conflict(_("This record was changed by someone else; reload and retry.")))

    def _unavailable(exc: Exception) -> Response:
        log.error("database unavailable, answered 503: %s: %s", type(exc).__name__,
                  str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
        try:
            body, status = render_error(503, UNAVAILABLE_MSG)
            response = make_response(body, status)
        except DATABASE_UNAVAILABLE:  # the page's frame needed the database too (the user)
            response = make_response(
                f"<!doctype html><meta charset=utf-8><title>503</title><h1>503</h1>"
                f"<p>{UNAVAILABLE_MSG}</p>", 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _unavailable)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        data = getattr(exc, "data", None) or {}  # webargs' validation errors (flask-smorest)
        if exc.code == 429:  # Flask-Limiter: the description is the limit ("3 per 1 minute")
            response = make_response(render_error(
                429, TOO_MANY_MSG.format(limit=exc.description), {"code": "rate_limited"}))
        elif "messages" in data or "errors" in data:
            errors = data.get("errors", data.get("messages"))
            response = make_response(render_error(
                exc.code or 400, invalid_message(errors), {"errors": errors}))
        else:
            default = exc.description == type(exc).description  # werkzeug's own English text
            message = str(STANDARD_MSGS[exc.code]) if default and exc.code in STANDARD_MSGS \
                else exc.description or exc.name
            response = make_response(render_error(exc.code or 500, message))
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        log.exception("unexpected error")
        return render_error(500, _("Internal error; the office has been notified."))
