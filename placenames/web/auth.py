"""Staff sign-in: password, then the second factor where the account has one (or must set one
up: the 三员), then a server-side session (:mod:`placenames.ops.accounts.sessions`).

Flask-Login keeps, in the signed cookie, only the session's random id (its "alternative
token"); the user loader finds the session row, so deleting that row signs the browser out at
its next request. The cookie is HttpOnly and SameSite=Lax, Secure on https requests, and is
emptied and re-issued at sign-in (so an id planted before sign-in is worthless).
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import db
from ..errors import Forbidden
from ..models import AuditEvent, User
from ..models.base import utcnow
from ..ops.accounts import events, second_factor, sessions, users
from .forms import PostedForm
from .security import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

PENDING = "pn_pending"  # the Flask-session key of a half-done sign-in
PASSWORD_FIRST_ALLOWED = frozenset({"account.index", "account.change_password", "auth.logout",
                                    "static", "public.healthz", None})
PENDING_SECONDS = 300


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login sees it: a plain value made from the session's row.

    ``get_id()`` is the session id (what Flask-Login keeps in the cookie); ``user_id`` is the
    account's id.
    """

    def __init__(self, user: User, token: str) -> None:
        self.id = token
        self.user_id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.roles = user.role_set()
        self.must_change_password = bool(user.must_change_password)


class LoginForm(PostedForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(PostedForm):
    """A second-factor code: six digits from the app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class _SecureOnHttps(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its cookie marked Secure on https requests."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured or when this request came over https."""
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def holds_any(roles: Collection[str]) -> bool:
    """True when the signed-in user (if any) holds one of ``roles``."""
    return bool(set(getattr(current_user, "roles", ())) & set(roles))


def roles_required(roles: Collection[str], refusal: Any
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: signed in with one of ``roles``, else a redirect to sign in, or a 403
    saying ``refusal`` (a lazy message, translated per request)."""
    wanted = frozenset(roles)

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not holds_any(wanted):
                raise Forbidden(str(refusal))
            return fn(*args, **kwargs)

        return wrapper

    return deco


def actor_id() -> uuid.UUID | None:
    """The signed-in user's account id (None when nobody is signed in)."""
    return getattr(current_user, "user_id", None)


def record_download(entity_type: str, entity_id: str, what: str) -> None:
    """An audit event for a file the signed-in user took away (written apart: downloads are
    GET requests)."""
    event = AuditEvent(at=utcnow(), actor_id=actor_id(), entity_type=entity_type,
                       entity_id=entity_id, action="download", note=what)
    db.write_apart(lambda writer: writer.add(event))


def client_ip() -> str | None:
    """The client's address (through the configured proxies)."""
    return request.remote_addr


def init_app(app: Flask) -> None:
    """Attach Flask-Login and the session cookie's settings."""
    app.session_interface = _SecureOnHttps()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = sessions.ABSOLUTE
    # the cookie is sent when it changes (sign-in, a form's token), not with every response:
    # it expires with the session's absolute limit, and a late response to a page of the
    # account signed in before cannot put that account's cookie back
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in.")
    login_manager.session_protection = None  # the session row is the protection

    @app.before_request
    def _password_first() -> Response | None:
        """Someone signed in with a password another person set goes nowhere else until they
        have replaced it."""
        if request.endpoint in PASSWORD_FIRST_ALLOWED or request.blueprint == "api_applications":
            return None
        if getattr(current_user, "must_change_password", False):
            flash(_("Choose your own password first: the one you signed in with was set by an "
                    "administrator."), "warning")
            return redirect(url_for("account.index") + "#password")
        return None


@login_manager.user_loader
def _load(token: str) -> SessionUser | None:
    s = db.session()
    now = utcnow()
    live = sessions.resolve(s, token, now)
    if live is None:
        return None
    if live.touch_due:
        _touch(token, now)
    return SessionUser(live.user, token)


def _touch(token: str, now: datetime) -> None:
    """Restart the session's idle clock. A GET reads through a session that never writes, so
    the touch goes through a short writer transaction of its own; other requests write it
    with their own commit."""
    if request.method in db.SAFE_METHODS:
        db.write_apart(lambda writer: sessions.touch(writer, token, now))
    else:
        sessions.touch(db.session(), token, now)


def _home(user: User) -> str:
    roles = user.role_set()
    if roles & {"sysadmin", "secadmin"}:
        return url_for("accounts_admin.index")
    if roles == {"auditor"}:
        return url_for("audit.search")
    return url_for("committee.dashboard")


def complete_sign_in(user: User) -> None:
    """Open a server-side session for ``user`` in a fresh cookie and sign the browser in (the
    caller commits)."""
    s = db.session()
    now = utcnow()
    session.clear()  # nothing from before sign-in survives: a fresh cookie
    sessions.purge_expired(s, now)  # rows of ended sessions go (a sign-in is rare enough)
    token = sessions.open_session(s, user, now, client_ip(), request.user_agent.string)
    users.signed_in(s, user, now, client_ip())
    session.permanent = True
    login_user(SessionUser(user, token))


def _set_pending(user: User, step: str) -> None:
    session.clear()
    session[PENDING] = {"uid": str(user.id), "at": int(time.time()), "step": step}


def pending_user(step: str) -> User | None:
    """The account that passed its password in this browser in the last five minutes and now
    stands at ``step`` (``totp`` or ``enrol``), else None."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or data.get("step") != step \
            or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        return None
    try:
        user = db.session().get(User, uuid.UUID(str(data.get("uid"))))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def next_arg() -> dict[str, str]:
    """The page's ``next=`` to carry on to the following step, when it is a path of this site."""
    target = safe_next(request.args.get("next"))
    return {"next": target} if target else {}


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """The sign-in form: one answer for a wrong password, an unknown or disabled account and a
    locked one, so the answer tells an attacker nothing."""
    form = LoginForm()
    if form.validate_on_submit():
        s = db.session()
        user = users.authenticate(s, form.username.data or "", form.password.data or "",
                                  utcnow(), client_ip())
        if user is None:
            s.commit()  # the failure count and the event
            flash(_("Wrong username or password, or the account is locked: after %(n)d "
                    "failures in a row an account is locked for %(m)d minutes.",
                    n=users.LOCK_AFTER, m=users.LOCK_MINUTES), "error")
            return render_template("auth/login.html", form=form), 200
        if user.totp_secret:
            s.commit()
            _set_pending(user, "totp")
            return redirect(url_for("auth.code", **next_arg()))
        if users.is_admin(user):
            s.commit()
            _set_pending(user, "enrol")
            return redirect(url_for("account.enrol", **next_arg()))
        complete_sign_in(user)
        s.commit()
        return redirect(safe_next(request.args.get("next")) or _home(user))
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> str | Response:
    """The second step: a code from the authenticator app, or a recovery code."""
    user = pending_user("totp")
    if user is None:
        flash(_("Please sign in."), "error")
        return redirect(url_for("auth.login", **next_arg()))
    form = CodeForm()
    if form.validate_on_submit():
        s = db.session()
        now = utcnow()
        if not users.locked(user, now):  # a locked account's code is not even looked at
            if second_factor_check(user, form.code.data or "") is not None:
                complete_sign_in(user)
                s.commit()
                return redirect(safe_next(request.args.get("next")) or _home(user))
            users.register_failure(s, user, now, client_ip(), "second factor")
            s.commit()
        if users.locked(user, now):
            session.pop(PENDING, None)
            flash(_("The account is locked for %(m)d minutes.", m=users.LOCK_MINUTES), "error")
            return redirect(url_for("auth.login"))
        flash(_("The code does not match. Enter the six digits your app shows now, or "
                "one of your recovery codes."), "error")
        return render_template("auth/second_factor.html", form=form)
    return render_template("auth/second_factor.html", form=form)


def second_factor_check(user: User, code: str) -> str | None:
    """What passed (``totp`` / ``recovery``) or None; flashes how many recovery codes are
    left after one was used."""
    s = db.session()
    kind = second_factor.check(s, user, code)
    if kind == "recovery":
        flash(_("You signed in with a recovery code: %(n)d left. Make new ones on your "
                "account page.", n=second_factor.codes_left(s, user)), "warning")
    return kind


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out: the session row goes, so the cookie is worthless even if copied."""
    s = db.session()
    token = current_user.get_id()
    user = s.get(User, actor_id())
    sessions.end(s, token)
    if user is not None:
        events.record(s, "logout", user, user.id)
    s.commit()
    logout_user()
    session.clear()
    return redirect(url_for("public.index"))

