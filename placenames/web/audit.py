"""The audit administrator's pages: search the audit log, see and check the chain.

Only the ``auditor`` role (审计管理员 of the 三员) reads them; everyone else gets 403. The
search page shows a cheap check of the chain at the top (counts, head, the newest entries
re-hashed); the full check (:func:`placenames.ops.audit.verify.verify`, what ``placenames
audit verify`` runs) is one click away, since it reads the whole log.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import db
from ..errors import BadInput
from ..ops.audit import search as search_ops
from ..ops.audit import verify as verify_ops
from ..workflow import CHINA_TZ
from . import labels
from .auth import roles_required
from .committee import audit_note, state_label, zh

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")

auditor_only = roles_required(frozenset({"auditor"}),
                              _l("Only the audit administrator may read the audit log."))
STATE_KINDS = {"plate": "plate_status", "print_batch": "batch_status",
               "api_token": "token_state"}
TEXT_LIMIT = 60


def audit_state(entity_type: str, code: str | None) -> str:
    """A from/to state of an event in words, by the kind of record it is about."""
    if not code:
        return ""
    if entity_type == "application":
        return state_label(code)
    kind = STATE_KINDS.get(entity_type)
    return labels.code_label(kind, code) if kind else code


def event_note(entity_type: str, action: str, note: str | None) -> str:
    """An event's note in words (opinions and panel rules are stored as codes)."""
    if entity_type in {"application", "panel_member"}:
        return audit_note(action, note)
    return note or ""


def problem_text(problem: Any) -> str:
    """A verification problem in the page's language."""
    return str(problem.message_zh if zh() else problem.message_en)


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"audit_state": audit_state, "event_note": event_note, "problem_text": problem_text}


def _text(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:TEXT_LIMIT] or None


def _day(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(_("Enter a date as YYYY-MM-DD.")) from None


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


def _page_size() -> int:
    try:
        size = int(request.args.get("n") or search_ops.DEFAULT_PAGE)
    except ValueError:
        raise BadInput(_("The page size must be a number.")) from None
    return max(10, min(size, search_ops.MAX_PAGE))


@bp.get("/")
@auditor_only
def search() -> str:
    """Audit events with filters, newest first, one page at a time; the chain status on top."""
    since, until = _day("from"), _day("to")
    cursor = request.args.get("before")
    query = search_ops.AuditQuery(
        actor=_text("actor"), action=_text("action"), entity_type=_text("entity_type"),
        entity_id=_text("entity_id"),
        since=_china_midnight(since) if since else None,
        until=_china_midnight(until + timedelta(days=1)) if until else None,
        before=search_ops.decode_cursor(cursor) if cursor else None, limit=_page_size())
    rows, next_cursor = search_ops.search(db.session(), query)
    filters = {k: request.args.get(k, "")[:TEXT_LIMIT] for k in
               ("actor", "action", "entity_type", "entity_id", "from", "to", "n")}
    actions = sorted(labels.AUDIT_ACTION_LABELS, key=lambda c: labels.code_label(
        "audit_action", c))
    return render_template(
        "audit/search.html", rows=rows, next_cursor=next_cursor, f=filters, paged=bool(cursor),
        kept={k: v for k, v in filters.items() if v},
        status=verify_ops.quick_status(db.engine()), actions=actions,
        entity_types=sorted(labels.ENTITY_TYPE_LABELS))


@bp.get("/verify")
@auditor_only
def verify() -> str:
    """Check the whole log now (the chain and every record digest)."""
    report = verify_ops.verify(db.engine())
    return render_template("audit/verify.html", report=report)
