"""A signed-in person's own account: password, second factor, recovery codes, sessions.

The set-up of the second factor is also the page an administrator (三员) without one lands on
after their password: they cannot go further until it is done.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .. import db
from ..errors import BadInput
from ..models import User
from ..ops.accounts import passwords, second_factor, sessions, users
from . import auth
from .security import safe_next

bp = Blueprint("account", __name__, url_prefix="/account")


def _me() -> User:
    user = db.session().get(User, auth.actor_id())
    if user is None:  # the account went while the page was open
        raise BadInput(_("Your account was not found."))
    return user


def qr_data_uri(text: str) -> str:
    """``text`` as a QR code in an SVG data URI (an ``<img>`` the CSP allows)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    image.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _page(user: User, error: str | None = None,
          field_errors: dict[str, str] | None = None) -> str:
    s = db.session()
    return render_template(
        "account/index.html", user=user, codes_left=second_factor.codes_left(s, user),
        my_sessions=sessions.of_user(s, user), current=sessions.digest(current_user.get_id()),
        error=error, field_errors=field_errors or {})


@bp.get("/")
@login_required
def index() -> str:
    """The account page."""
    return _page(_me())


@bp.post("/password")
@login_required
def change_password() -> str | Response | tuple[str, int]:
    """Change one's own password (the current one first); every other session ends."""
    s = db.session()
    user = _me()
    form = request.form
    field_errors: dict[str, str] = {}
    if not passwords.verify(user.password_hash, form.get("current", "")):
        field_errors["current"] = _("The current password is wrong.")
    elif form.get("new", "") != form.get("confirm", ""):
        field_errors["confirm"] = _("The two new passwords differ.")
    else:
        try:
            users.set_password(s, user, form.get("new", ""), actor_id=user.id)
        except BadInput as exc:
            field_errors["new"] = exc.user_msg
    if field_errors:
        s.rollback()
        return _page(user, _("The password was not changed."), field_errors), 400
    auth.complete_sign_in(user)  # a new session for this browser; all others ended
    s.commit()
    flash(_("Password changed. Every other session of yours has been signed out."), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions() -> Response:
    """Sign out every other browser."""
    s = db.session()
    sessions.end_others(s, _me(), keep=current_user.get_id())
    s.commit()
    flash(_("Every other session has been signed out."), "success")
    return redirect(url_for("account.index"))


def _subject() -> tuple[User | None, bool]:
    """Whose second factor this page sets up: the signed-in user, or the administrator who has
    just given their password and must set one up (``True``)."""
    if current_user.is_authenticated:
        return db.session().get(User, auth.actor_id()), False
    return auth.pending_user("enrol"), True


@bp.route("/second-factor", methods=["GET", "POST"])
def enrol() -> str | Response | tuple[str, int]:
    """Set up the second factor: begin (a new secret), scan the QR code, confirm a code; then
    the recovery codes are shown once."""
    user, pending = _subject()
    if user is None:
        flash(_("Please sign in."), "error")
        return redirect(url_for("auth.login"))
    s = db.session()
    error = None
    if request.method == "POST":
        if request.form.get("action") == "start":
            second_factor.start(s, user)
            s.commit()
            return redirect(url_for("account.enrol", **auth.next_arg()))
        try:
            codes = second_factor.confirm(s, user, request.form.get("code", ""))
        except BadInput as exc:
            s.rollback()
            error = exc.user_msg
        else:
            if pending:
                auth.complete_sign_in(user)
            s.commit()
            target = safe_next(request.args.get("next")) or url_for("account.index")
            return render_template("account/recovery_codes.html", codes=codes, target=target)
    secret = second_factor.pending_secret(s, user)
    issuer = str(current_app.config.get("OFFICE_NAME") or "placenames")
    uri = second_factor.provisioning_uri(secret, user.username, issuer) if secret else None
    return render_template("account/enrol.html", user=user, pending=pending, secret=secret,
                           qr=qr_data_uri(uri) if uri else None, error=error,
                           keep_next=auth.next_arg()), (400 if error else 200)


@bp.post("/recovery-codes")
@login_required
def recovery_codes() -> str | Response | tuple[str, int]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    s = db.session()
    user = _me()
    if not user.totp_secret or second_factor.check(s, user, request.form.get("code", "")) \
            != "totp":
        s.rollback()
        flash(_("Enter the six digits your authenticator app shows now."), "error")
        return redirect(url_for("account.index"))
    codes = second_factor.replace_recovery_codes(s, user)
    s.commit()
    return render_template("account/recovery_codes.html", codes=codes,
                           target=url_for("account.index"))
