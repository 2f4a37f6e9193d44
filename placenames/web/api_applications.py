"""JSON API of the naming procedure: submit, read the status, list own, take an action.

Authentication is a personal token only (``Authorization: Bearer …``; ``placenames users token
USERNAME`` prints one, the database keeps its SHA-256). A request without a valid token gets
401 before anything else happens, so no request is ever authenticated by a session cookie here;
that is why the blueprint is exempt from CSRF protection. The same operations as the web pages
run with the token's user as the actor.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from .. import db
from ..errors import BadInput
from ..models import User
from ..models.workflow import Application
from ..ops.accounts import tokens
from ..ops.procedure import applications as apps
from ..workflow import STATE_LABELS_ZH, State
from .committee import now, perform, settings

bp = Blueprint("api_applications", __name__, url_prefix="/api/v1/applications")

STRING_FIELDS = ("kind", "class", "reason", "location_desc", "jurisdiction", "applicant_org",
                 "old_name", "extent_desc", "start_desc", "end_desc")


@bp.before_request
def _authenticate() -> Response | None:
    header = request.headers.get("Authorization", "")
    user = None
    if header.startswith("Bearer "):
        user = tokens.user_for(db.session(), header[7:].strip())
    if user is None:
        resp = jsonify({"error": "需要有效的令牌 / a valid bearer token is required",
                        "status": 401})
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Bearer realm="placenames"'
        return resp
    g.api_user = user
    return None


@bp.errorhandler(apps.ProcedureError)
def _procedure_error(exc: apps.ProcedureError) -> tuple[Response, int]:
    return jsonify({"error": exc.user_msg, "code": exc.code, "message_zh": exc.message_zh,
                    "message_en": exc.message_en, "status": exc.http_status}), exc.http_status


def _user() -> User:
    return g.api_user  # type: ignore[no-any-return]


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput("请求体须为 JSON 对象 / the body must be a JSON object")
    return data


def _number(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadInput(f"{key} 须为数字 / {key} must be a number")
    try:
        return float(value)
    except ValueError:
        raise BadInput(f"{key} 须为数字 / {key} must be a number") from None


def _input(data: dict[str, Any]) -> apps.ApplicationInput:
    for key in STRING_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BadInput(f"{key} 须为字符串 / {key} must be a string")
    raw = data.get("candidates") or []
    if not isinstance(raw, list) or not all(isinstance(c, dict | str) for c in raw):
        raise BadInput("candidates 须为列表 / candidates must be a list of {name, reason}")
    cands = [apps.CandidateInput(c, None) if isinstance(c, str) else
             apps.CandidateInput(str(c.get("name") or ""), str(c.get("reason") or "") or None)
             for c in raw]
    return apps.ApplicationInput(
        kind=data.get("kind") or "new", cls=data.get("class") or "", candidates=cands,
        reason=data.get("reason"), location_desc=data.get("location_desc"),
        jurisdiction_code=data.get("jurisdiction"), applicant_org=data.get("applicant_org"),
        old_name=data.get("old_name"), extent_desc=data.get("extent_desc"),
        start_desc=data.get("start_desc"), end_desc=data.get("end_desc"),
        length_m=_number(data, "length_m"), width_m=_number(data, "width_m"))


def status(app: Application, user: User) -> dict[str, Any]:
    """The application as the API shows it to ``user``."""
    s, cfg = db.session(), settings()
    screen = apps.latest(s, app, "screen")
    return {
        "id": str(app.id), "kind": app.kind, "class": app.cls, "state": app.state,
        "state_label_zh": STATE_LABELS_ZH[State(app.state)], "version": app.version,
        "applicant_org": app.applicant_org, "old_name": app.old_name,
        "candidates": [{"rank": c.rank, "name": c.name, "reason": c.reason}
                       for c in app.candidates],
        "screen": screen, "approved_name": app.approved_name, "romanization": app.romanization,
        "approval": {"body": app.approving_body, "doc_no": app.approval_doc_no,
                     "date": app.approval_date.isoformat() if app.approval_date else None},
        "announce_due": app.announce_due.isoformat() if app.announce_due else None,
        "filing_due": app.filing_due.isoformat() if app.filing_due else None,
        "comment_period": {"opens": app.comment_opens.isoformat() if app.comment_opens else None,
                           "closes": app.comment_closes.isoformat() if app.comment_closes
                           else None},
        "place_id": str(app.place_id) if app.place_id else None,
        "actions": [str(a) for a in apps.actions_for(s, app, user, cfg, now())],
        "created_at": app.created_at.isoformat(), "updated_at": app.updated_at.isoformat(),
    }


@bp.get("")
def list_own() -> Response:
    """The caller's own applications (``?scope=visible``: every one the caller may see)."""
    user = _user()
    mine = request.args.get("scope") != "visible"
    rows = apps.list_for(db.session(), user, mine=mine, state=request.args.get("state") or None)
    return jsonify({"applications": [{"id": str(a.id), "state": a.state, "kind": a.kind,
                                      "class": a.cls, "version": a.version,
                                      "names": [c.name for c in a.candidates]} for a in rows]})


@bp.post("")
def submit() -> tuple[Response, int, dict[str, str]]:
    """File an application and submit it (``"draft": true`` keeps it a draft)."""
    s, user = db.session(), _user()
    data = _body()
    app = apps.create_application(s, _input(data), actor=user, now=now())
    if not data.get("draft"):
        perform(app, "submit", MultiDict({"version": str(app.version)}), ImmutableMultiDict(),
                user)
    s.commit()
    return jsonify(status(app, user)), 201, {
        "Location": url_for(".read", app_id=app.id)}


@bp.get("/<uuid:app_id>")
def read(app_id: uuid.UUID) -> Response:
    """One application's status (404 if the caller may not see it)."""
    user = _user()
    return jsonify(status(apps.get_for(db.session(), app_id, user), user))


@bp.post("/<uuid:app_id>/actions/<action>")
def act(app_id: uuid.UUID, action: str) -> Response:
    """Take an action; the body carries ``version`` and the step's fields."""
    s, user = db.session(), _user()
    app = apps.get_for(s, app_id, user, for_update=True)
    data = _body()
    if isinstance(data.get("geojson"), dict):
        data["geojson"] = json.dumps(data["geojson"])
    fields = MultiDict({k: str(v) for k, v in data.items()
                        if v is not None and isinstance(v, str | int | float)})
    perform(app, action, fields, ImmutableMultiDict(), user)
    s.commit()
    return jsonify(status(app, user))
