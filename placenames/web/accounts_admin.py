"""Account administration, split as the 三员 rule asks.

- The system administrator (sysadmin) decides which accounts exist: creates them (without
  roles) and disables or enables them.
- The security administrator (secadmin) gives roles, resets passwords, ends lockouts and
  resets a lost second factor.
- Nobody acts on their own account here (their own password and second factor are on the
  account page), and every action is an audit event that neither can remove.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from .. import db
from ..errors import BadInput, Conflict
from ..models import Role, User
from ..models.base import utcnow
from ..ops.accounts import passwords, second_factor, sessions, users
from . import auth

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/accounts")

ADMINS = ("sysadmin", "secadmin")
ROLE_ORDER = [r.value for r in Role]
_REFUSAL = _l("Account administration is for the system and security administrators.")
_SYS_ONLY = _l("Only the system administrator creates, disables and enables accounts.")
_SEC_ONLY = _l("Only the security administrator changes roles, passwords, locks and second "
               "factors.")


def _target(username: str) -> User:
    user = users.get_user(db.session(), username)
    if user.id == auth.actor_id():
        raise BadInput(_("You cannot administer your own account here: use your account page."))
    return user


def _list_page(form: dict[str, str] | None = None, error: str | None = None,
               field_errors: dict[str, str] | None = None) -> str:
    s = db.session()
    q = (request.args.get("q") or "").strip()
    rows = [u for u in users.list_users(s)
            if not q or q.lower() in (u.username + u.display_name + (u.organization or "")).lower()]
    return render_template("admin/accounts.html", rows=rows, q=q, now=utcnow(),
                           form=form or {}, error=error, field_errors=field_errors or {})


@bp.get("/")
@auth.roles_required(ADMINS, _REFUSAL)
def index() -> str:
    """Every account, with its roles, state, lock and second factor."""
    return _list_page()


@bp.post("/")
@auth.roles_required(("sysadmin",), _SYS_ONLY)
def create() -> str | Response | tuple[str, int]:
    """A new account, without roles: the security administrator gives them."""
    s = db.session()
    form = {k: request.form.get(k, "") for k in ("username", "display_name", "organization")}
    password = request.form.get("password", "")
    try:
        passwords.check_policy(password, form["username"].strip())
    except BadInput as exc:
        return _list_page(form, _("The account was not created."), {"password": exc.user_msg}), 400
    try:
        user = users.add_user(s, form["username"], form["display_name"], password, [],
                              form["organization"], actor_id=auth.actor_id(),
                              allow_no_role=True)
    except (BadInput, Conflict) as exc:
        s.rollback()
        return _list_page(form, _("The account was not created."), {"username": exc.user_msg}), 400
    s.commit()
    flash(_("Account %(u)s created. The security administrator gives it its roles.",
            u=user.username), "success")
    return redirect(url_for("accounts_admin.account", username=user.username))


def _account_page(user: User, temporary: str | None = None) -> str:
    s = db.session()
    return render_template("admin/account.html", user=user, roles=ROLE_ORDER, now=utcnow(),
                           codes_left=second_factor.codes_left(s, user),
                           session_count=len(sessions.of_user(s, user)),
                           temporary=temporary)


@bp.get("/<username>")
@auth.roles_required(ADMINS, _REFUSAL)
def account(username: str) -> str:
    """One account and what the administrator signed in may do to it."""
    return _account_page(users.get_user(db.session(), username))


@bp.post("/<username>/active")
@auth.roles_required(("sysadmin",), _SYS_ONLY)
def set_active(username: str) -> Response:
    """Disable (its sessions end) or enable an account."""
    s = db.session()
    active = request.form.get("active") == "1"
    users.set_active(s, _target(username), active, actor_id=auth.actor_id())
    s.commit()
    flash(_("Account enabled.") if active else _("Account disabled: its sessions have ended."),
          "success")
    return redirect(url_for("accounts_admin.account", username=username))


@bp.post("/<username>/roles")
@auth.roles_required(("secadmin",), _SEC_ONLY)
def set_roles(username: str) -> Response:
    """Replace the account's roles (its sessions end, so rights follow at once)."""
    s = db.session()
    users.set_roles(s, _target(username), request.form.getlist("roles"),
                    actor_id=auth.actor_id())
    s.commit()
    flash(_("Roles saved."), "success")
    return redirect(url_for("accounts_admin.account", username=username))


@bp.post("/<username>/password")
@auth.roles_required(("secadmin",), _SEC_ONLY)
def reset_password(username: str) -> str:
    """A new random password, shown once to hand over; the account's sessions end."""
    s = db.session()
    user = _target(username)
    temporary = "-".join(secrets.token_urlsafe(4) for _ in range(4))
    users.set_password(s, user, temporary, actor_id=auth.actor_id())
    s.commit()
    return _account_page(user, temporary)


@bp.post("/<username>/unlock")
@auth.roles_required(("secadmin",), _SEC_ONLY)
def unlock(username: str) -> Response:
    """End a lockout."""
    s = db.session()
    users.unlock(s, _target(username), actor_id=auth.actor_id())
    s.commit()
    flash(_("Lock removed."), "success")
    return redirect(url_for("accounts_admin.account", username=username))


@bp.post("/<username>/second-factor")
@auth.roles_required(("secadmin",), _SEC_ONLY)
def reset_second_factor(username: str) -> Response:
    """Remove a lost second factor; the person sets up a new one."""
    s = db.session()
    second_factor.reset(s, _target(username), actor_id=auth.actor_id())
    s.commit()
    flash(_("Second factor removed: the person sets up a new one at their next sign-in."),
          "success")
    return redirect(url_for("accounts_admin.account", username=username))
