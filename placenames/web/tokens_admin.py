"""Department tokens (部门令牌) for the administrators: the list, issuing, revoking.

Both administrators see the tokens and may revoke one (withdrawing access is always safe, as
disabling an account is). Issuing one grants another office access to the register, so it is
the security administrator's, as giving roles is (the 三员 rule). The secret is shown once,
on the page answering the form, never stored and never shown again. Issuing and revoking are
audit events.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from .. import db
from ..models.base import utcnow
from ..ops.accounts import department_tokens as ops
from . import auth
from .accounts_admin import ADMINS

bp = Blueprint("tokens_admin", __name__, url_prefix="/admin/tokens")

FIELDS = ("holder", "expires", "note", "rate_limit")
_REFUSAL = _l("Department tokens are for the system and security administrators.")
_SEC_ONLY = _l("Only the security administrator issues department tokens.")


def _list_page(form: dict[str, object] | None = None, error: str | None = None,
               field_errors: dict[str, str] | None = None) -> str:
    return render_template("admin/tokens.html", tokens=ops.all_tokens(db.session()),
                           now=utcnow(), scopes=list(ops.SCOPES), state=ops.state,
                           form=form or {"expires": "365d", "scopes": []}, error=error,
                           field_errors=field_errors or {})


@bp.get("/")
@auth.roles_required(ADMINS, _REFUSAL)
def index() -> str:
    """Every token with its holder, scopes, state, expiry and last use; the form to issue."""
    return _list_page()


@bp.post("/")
@auth.roles_required(("secadmin",), _SEC_ONLY)
def issue() -> Response | tuple[str, int]:
    """Issue a token and show its secret, this once (the answer is never cached)."""
    form: dict[str, object] = {k: request.form.get(k, "") for k in FIELDS}
    form["scopes"] = request.form.getlist("scopes")
    values = {k: str(form[k]) for k in FIELDS} | {"scopes": ",".join(request.form.getlist(
        "scopes"))}
    problems = ops.problems(**values)
    if problems:
        return _list_page(form, _("The token was not issued."), problems), 400
    s = db.session()
    issued = ops.issue(s, actor_id=auth.actor_id(), **values)
    s.commit()
    response = make_response(render_template("admin/token_issued.html", token=issued.token,
                                             secret=issued.secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<token_id>/revoke")
@auth.roles_required(ADMINS, _REFUSAL)
def revoke(token_id: str) -> Response:
    """Revoke a token: the next request made with it gets 401."""
    s = db.session()
    token = ops.revoke(s, token_id, actor_id=auth.actor_id())
    s.commit()
    flash(_("Token %(prefix)s of %(holder)s revoked: it no longer works.",
            prefix=token.prefix, holder=token.holder), "success")
    return redirect(url_for("tokens_admin.index"))
