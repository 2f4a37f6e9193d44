"""Staff sign-in with Flask-Login; passwords hashed by Werkzeug."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
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
from ..models import User
from ..ops.accounts import users
from .forms import PostedForm
from .security import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login sees it (a plain value, not a DB row)."""

    def __init__(self, user: User) -> None:
        self.id = str(user.id)
        self.username = user.username
        self.display_name = user.display_name
        self.roles = user.role_set()


class LoginForm(PostedForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def roles_required(roles: Collection[str], refusal: Any
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: signed in with one of ``roles``, else a redirect to sign in, or a 403
    saying ``refusal`` (a lazy message, translated per request)."""
    wanted = frozenset(roles)

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not wanted & set(getattr(current_user, "roles", ())):
                raise Forbidden(str(refusal))
            return fn(*args, **kwargs)

        return wrapper

    return deco


def actor_id() -> uuid.UUID | None:
    """The signed-in user's id (None when nobody is signed in)."""
    try:
        return uuid.UUID(current_user.get_id())
    except (TypeError, ValueError):
        return None


def init_app(app: Flask) -> None:
    """Attach Flask-Login."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in.")


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    try:
        user = db.session().get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    return SessionUser(user) if user and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The sign-in form."""
    form = LoginForm()
    if form.validate_on_submit():
        s = db.session()
        user = users.authenticate(s, form.username.data or "", form.password.data or "")
        if user is not None:
            s.commit()  # an older password hash was replaced by an argon2id one
            login_user(SessionUser(user))
            home = "committee.dashboard" if user.role_set() - {"sysadmin"} else \
                "plates_staff.batches"
            return redirect(safe_next(request.args.get("next")) or url_for(home))
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out."""
    logout_user()
    return redirect(url_for("public.index"))
