"""The documented API: one flask-smorest ``Api`` that writes the OpenAPI 3.1 document of
``/api/v1`` from the code (``/api/v1/openapi.json``).

Every ``/api/v1`` blueprint is a :class:`flask_smorest.Blueprint` registered with
:func:`register`, and declares its arguments and responses with marshmallow schemas, so the
document cannot drift from what the handlers do. Errors have one JSON shape everywhere
(:class:`ErrorSchema`, written by :mod:`placenames.web.errors`): ``status``, ``error`` (a
message for people, Chinese / English), and, where there is more to say, ``errors`` (which
argument or field is wrong, by location) or ``problems`` (rows of a file).
"""

from __future__ import annotations

import http
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

import flask_smorest
import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request

from .. import safejson
from ..errors import BadInput

API_PREFIX = "/api/v1"

BEARER = "departmentToken"
"""The security scheme of department tokens (``Authorization: Bearer pnd_…``)."""
PERSONAL = "personalToken"
"""The security scheme of staff members' personal tokens (``Authorization: Bearer pn_…``)."""


class ErrorSchema(ma.Schema):
    """The one shape of every error the API answers."""

    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status"})
    error = ma.fields.String(required=True,
                             metadata={"description": "message for people (中文 / English)"})
    errors = ma.fields.Dict(metadata={"description": "what is wrong, by location and field"})
    problems = ma.fields.List(ma.fields.Raw(), metadata={"description": "rows of a file"})
    code = ma.fields.String(metadata={"description": "machine-readable code, where one exists"})


class PlacenamesApi(Api):
    """flask-smorest's Api with the project's error schema.

    No catch-all ``default`` response: each operation lists the statuses it answers
    (:meth:`Blueprint.errors`), so a client, and the schema test, can rely on the list.
    """

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """Errors are rendered by :mod:`placenames.web.errors` for the whole app (HTML for
        pages, :class:`ErrorSchema` JSON for the API), not by flask-smorest's handler."""


api = PlacenamesApi()

SPEC_OPTIONS: dict[str, Any] = {
    "info": {
        "description": (
            "标准地名地址登记服务的数据交换接口。The exchange API of the placenames register: "
            "names, addresses, plates, jurisdictions, announcements, the change feed, the "
            "names check, search and geocoding, and the naming procedure. Coordinates are "
            "CGCS2000 (EPSG:4490) longitude/latitude."),
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    },
}


def init_app(app: Flask) -> None:
    """Set up the document; call before the blueprints are registered with :func:`register`."""
    app.config.setdefault("API_TITLE", "placenames API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", SPEC_OPTIONS)
    api.init_app(app)
    api.spec.components.security_scheme(BEARER, {
        "type": "http", "scheme": "bearer",
        "description": "部门令牌 / a department token (placenames tokens issue)"})
    api.spec.components.security_scheme(PERSONAL, {
        "type": "http", "scheme": "bearer",
        "description": "工作人员个人令牌 / a staff member's personal token "
                       "(placenames users token USERNAME)"})


class ArgumentsParser(FlaskParser):
    """webargs' parser answering 400 for arguments that do not validate, and reading JSON
    bodies within the app's limits.

    The API refuses every bad argument with 400, whether the schema or the operation finds
    it (a bad cursor, a query the search cannot read), so a client handles one status; the
    body says which argument (``errors``, by location and name). webargs would parse a body
    with :func:`json.loads`, which recurses once a level (``[`` × 100,000: a 500) and takes
    NaN: :func:`placenames.safejson.loads` refuses both first, as for every JSON body.
    """

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return missing
        try:
            return safejson.loads(req.get_data(cache=True))
        except safejson.JSONRejected as exc:
            raise BadInput(str(exc)) from None


F = TypeVar("F", bound=Callable[..., Any])

ALWAYS = (429, 503)
"""Statuses any operation may answer: too many requests (rate limits), the database away."""


class Blueprint(flask_smorest.Blueprint):
    """An ``/api/v1`` blueprint: flask-smorest's, with the 400 parser, :meth:`errors` and
    :meth:`conditional`."""

    ARGUMENTS_PARSER = ArgumentsParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_conditional_doc)

    def conditional(self, fn: F) -> F:
        """Document that the operation answers ``If-None-Match`` with 304 (the handler does
        it; flask-smorest's own ETag feature computes tags from dumped data, which these
        handlers do not produce)."""
        fn = self.alt_response(304, "NOT_MODIFIED")(fn)
        doc = deepcopy(getattr(fn, "_apidoc", {}))
        doc["conditional"] = True
        fn._apidoc = doc  # type: ignore[attr-defined]
        return fn

    @staticmethod
    def _prepare_conditional_doc(doc: dict[str, Any], doc_info: dict[str, Any],
                                 **_kwargs: Any) -> dict[str, Any]:
        if doc_info.get("conditional"):
            doc.setdefault("parameters", []).append("IF_NONE_MATCH")
        return doc

    def errors(self, *statuses: int) -> Callable[[F], F]:
        """Document the error answers of an operation (:class:`ErrorSchema`), plus
        :data:`ALWAYS`."""

        def wrap(fn: F) -> F:
            for status in sorted(set(statuses) | set(ALWAYS), reverse=True):
                fn = self.alt_response(status, http.HTTPStatus(status).name)(fn)
            return fn

        return wrap


def register(blp: flask_smorest.Blueprint) -> None:
    """Register an ``/api/v1`` blueprint in the app and in the document."""
    api.register_blueprint(blp)
