"""JSON API of the naming procedure: submit, read the status, list own, take an action.

Authentication is a personal token only (``Authorization: Bearer …``; ``placenames users token
USERNAME`` prints one, the database keeps its SHA-256). A request without a valid token gets
401 before anything else happens, so no request is ever authenticated by a session cookie here;
that is why the blueprint is exempt from CSRF protection. The same operations as the web pages
run with the token's user as the actor. Refusals of the workflow guard carry their ``code``
(e.g. ``role_not_allowed``) in the one error shape.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import marshmallow as ma
from flask import Response, g, jsonify, request, url_for
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from .. import db
from ..errors import BadInput
from ..models import User
from ..models.workflow import Application
from ..naming.generics import CLASSES
from ..ops.accounts import tokens
from ..ops.procedure import applications as apps
from ..workflow import STATE_LABELS_ZH, State
from .api import PERSONAL, Blueprint
from .api_auth import Unauthorized, bearer
from .api_common import Arguments
from .committee import now, perform, settings
from .errors import invalid_message

blp = Blueprint("api_applications", __name__, url_prefix="/api/v1/applications",
                description="地名申请（个人令牌）/ naming applications (personal token)")

f = ma.fields
STATES = [s.value for s in State]
SECURITY = [{PERSONAL: []}]


@blp.before_request
def _authenticate() -> None:
    secret = bearer()
    user = tokens.user_for(db.session(), secret) if secret else None
    if user is None:
        raise Unauthorized("需要有效的令牌 / a valid bearer token is required")
    g.api_user = user


def _user() -> User:
    return g.api_user  # type: ignore[no-any-return]


# --- schemas -----------------------------------------------------------------------------------

class Candidate(f.Field):
    """A proposed name: ``"丰邑路"`` or ``{"name": "丰邑路", "reason": "…"}``."""

    default_error_messages = {  # noqa: RUF012
        "candidate": "拟用名称须为字符串或 {{name, reason}} / a candidate is a string or "
                     "{{name, reason}}"}

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> apps.CandidateInput:
        if isinstance(value, str):
            return apps.CandidateInput(value, None)
        if isinstance(value, dict) and isinstance(value.get("name", ""), str) and \
                isinstance(value.get("reason") or "", str):
            return apps.CandidateInput(value.get("name") or "", value.get("reason") or None)
        raise self.make_error("candidate")


CANDIDATE_DOC = {"oneOf": [
    {"type": "string"},
    {"type": "object", "properties": {"name": {"type": "string"},
                                      "reason": {"type": ["string", "null"]}}}]}


class ApplicationInput(Arguments):
    """An application as filed (``draft: true`` keeps it a draft, else it is submitted)."""

    class Meta:
        """Keys it does not know are left out, as before the schema."""

        unknown = ma.EXCLUDE

    kind = f.String(load_default="new", validate=ma.validate.OneOf(["new", "rename", "cancel"]))
    cls = f.String(data_key="class", required=True, validate=ma.validate.OneOf(sorted(CLASSES)),
                   metadata={"description": "地名类别 / class"})
    candidates = f.List(Candidate(metadata=CANDIDATE_DOC), load_default=list)
    reason = f.String(allow_none=True)
    location_desc = f.String(allow_none=True)
    jurisdiction = f.String(allow_none=True, metadata={"description": "行政区划代码 / code"})
    applicant_org = f.String(allow_none=True)
    old_name = f.String(allow_none=True)
    extent_desc = f.String(allow_none=True)
    start_desc = f.String(allow_none=True)
    end_desc = f.String(allow_none=True)
    length_m = f.Float(allow_none=True)
    width_m = f.Float(allow_none=True)
    draft = f.Boolean(load_default=False)


class ActionInput(ma.Schema):
    """An action's fields: ``version`` (the application's, as read) and the step's own
    (``note``, ``surveyed_on``, ``findings``, ``geojson``, ``size``, ``opinion``,
    ``approving_body``, ``doc_no``, ``decided_on``, ``announced_on``, ``filed_on`` …)."""

    class Meta:
        """The step's own fields pass through."""

        unknown = ma.INCLUDE

    version = f.Integer(required=True)


class ApplicationsArgs(Arguments):
    """Which applications to list."""

    scope = f.String(validate=ma.validate.OneOf(["mine", "visible"]), metadata={
        "description": "mine（默认）：自己的；visible：有权查看的全部 / mine (default) or every "
                       "one the caller may see"})
    state = f.String(validate=ma.validate.OneOf(STATES))


class ApplicationSummary(ma.Schema):
    """An application in a list."""

    id = f.UUID(required=True)
    state = f.String(required=True, validate=ma.validate.OneOf(STATES))
    kind = f.String(required=True)
    cls = f.String(required=True, data_key="class")
    version = f.Integer(required=True)
    names = f.List(f.String(), required=True)


class ApplicationList(ma.Schema):
    """The caller's applications."""

    applications = f.List(f.Nested(ApplicationSummary), required=True)


class CandidateOut(ma.Schema):
    """A proposed name."""

    rank = f.Integer(required=True)
    name = f.String(required=True)
    reason = f.String(required=True, allow_none=True)


class Approval(ma.Schema):
    """The approval, once decided."""

    body = f.String(required=True, allow_none=True)
    doc_no = f.String(required=True, allow_none=True)
    date = f.Date(required=True, allow_none=True)


class CommentPeriod(ma.Schema):
    """The public notice's period."""

    opens = f.String(required=True, allow_none=True, metadata={"format": "date-time"})
    closes = f.String(required=True, allow_none=True, metadata={"format": "date-time"})


class ApplicationStatus(ma.Schema):
    """An application as its caller may see it."""

    id = f.UUID(required=True)
    kind = f.String(required=True)
    cls = f.String(required=True, data_key="class")
    state = f.String(required=True, validate=ma.validate.OneOf(STATES))
    state_label_zh = f.String(required=True)
    version = f.Integer(required=True)
    applicant_org = f.String(required=True, allow_none=True)
    old_name = f.String(required=True, allow_none=True)
    candidates = f.List(f.Nested(CandidateOut), required=True)
    screen = f.Dict(required=True, allow_none=True, metadata={
        "description": "最近一次名称审查 / the latest names check"})
    approved_name = f.String(required=True, allow_none=True)
    romanization = f.String(required=True, allow_none=True)
    approval = f.Nested(Approval, required=True)
    announce_due = f.Date(required=True, allow_none=True)
    filing_due = f.Date(required=True, allow_none=True)
    comment_period = f.Nested(CommentPeriod, required=True)
    place_id = f.UUID(required=True, allow_none=True)
    actions = f.List(f.String(), required=True, metadata={
        "description": "调用者现在可执行的操作 / actions the caller may take now"})
    created_at = f.String(required=True, metadata={"format": "date-time"})
    updated_at = f.String(required=True, metadata={"format": "date-time"})


# --- reading the body --------------------------------------------------------------------------

def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput("请求体须为 JSON 对象 / the body must be a JSON object")
    return data


def _input(data: dict[str, Any]) -> tuple[apps.ApplicationInput, bool]:
    try:
        v = ApplicationInput().load(data)
    except ma.ValidationError as exc:
        raise BadInput(invalid_message({"json": exc.messages})) from exc
    return apps.ApplicationInput(
        kind=v["kind"], cls=v["cls"], candidates=v["candidates"],
        reason=v.get("reason"), location_desc=v.get("location_desc"),
        jurisdiction_code=v.get("jurisdiction"), applicant_org=v.get("applicant_org"),
        old_name=v.get("old_name"), extent_desc=v.get("extent_desc"),
        start_desc=v.get("start_desc"), end_desc=v.get("end_desc"),
        length_m=v.get("length_m"), width_m=v.get("width_m")), v["draft"]


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


# --- operations --------------------------------------------------------------------------------

@blp.get("")
@blp.arguments(ApplicationsArgs, location="query", as_kwargs=True)
@blp.response(200, ApplicationList)
@blp.errors(400, 401)
@blp.doc(security=SECURITY)
def list_own(scope: str | None = None, state: str | None = None) -> Response:
    """自己的申请 / The caller's own applications.

    ``scope=visible``: every one the caller may see.
    """
    user = _user()
    rows = apps.list_for(db.session(), user, mine=scope != "visible", state=state)
    return jsonify({"applications": [{"id": str(a.id), "state": a.state, "kind": a.kind,
                                      "class": a.cls, "version": a.version,
                                      "names": [c.name for c in a.candidates]} for a in rows]})


@blp.post("")
@blp.doc(requestBody={"required": True,
                      "content": {"application/json": {"schema": ApplicationInput}}})
@blp.response(201, ApplicationStatus, headers={"Location": {
    "description": "申请的地址 / the application's URL", "schema": {"type": "string"}}})
@blp.errors(400, 401, 403, 404, 409, 413)
@blp.doc(security=SECURITY)
def submit() -> tuple[Response, int, dict[str, str]]:
    """提交地名申请 / File an application and submit it.

    ``"draft": true`` keeps it a draft.
    """
    s, user = db.session(), _user()
    data, draft = _input(_body())
    app = apps.create_application(s, data, actor=user, now=now())
    if not draft:
        perform(app, "submit", MultiDict({"version": str(app.version)}), ImmutableMultiDict(),
                user)
    s.commit()
    return jsonify(status(app, user)), 201, {
        "Location": url_for(".read", app_id=app.id)}


@blp.get("/<uuid:app_id>")
@blp.response(200, ApplicationStatus)
@blp.errors(401, 404)
@blp.doc(security=SECURITY)
def read(app_id: uuid.UUID) -> Response:
    """申请的状态 / One application's status.

    404 if the caller may not see it.
    """
    user = _user()
    return jsonify(status(apps.get_for(db.session(), app_id, user), user))


@blp.post("/<uuid:app_id>/actions/<action>")
@blp.doc(requestBody={"required": True,
                      "content": {"application/json": {"schema": ActionInput}}})
@blp.response(200, ApplicationStatus)
@blp.errors(400, 401, 403, 404, 409, 413)
@blp.doc(security=SECURITY)
def act(app_id: uuid.UUID, action: str) -> Response:
    """执行程序步骤 / Take an action.

    The body carries ``version`` and the step's fields; the guard refuses an action the
    caller may not take now (403 or 409, with its ``code``).
    """
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
