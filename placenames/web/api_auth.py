"""Department tokens on API requests: ``Authorization: Bearer pnd_…`` and scopes.

:func:`require_scope` guards a handler: no token, an unknown, expired or revoked one → 401
(with ``WWW-Authenticate``), a token without the scope → 403. The token is checked against the
database on every request, so revoking or expiring one takes effect at once. Handlers read the
token with :func:`current_token`; once a request's token is known, every audit event its
session adds carries the token's id (:data:`placenames.models.tokens.ACTING_TOKEN`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request
from sqlalchemy.orm import Session

from .. import db
from ..db import SAFE_METHODS
from ..errors import PlacenamesError
from ..models import ApiToken
from ..models.tokens import ACTING_TOKEN
from ..ops.accounts import department_tokens

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(PlacenamesError):
    """No valid department token."""

    http_status = 401
    exit_code = 77


class InsufficientScope(PlacenamesError):
    """The token lacks the scope the request needs."""

    http_status = 403
    exit_code = 77


def bearer() -> str | None:
    """The bearer secret of this request, or None."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def token_or_none() -> ApiToken | None:
    """This request's department token if it carries a valid one (checked once per request).

    A request without ``Authorization: Bearer pnd_…`` costs no query."""
    if "api_token" not in g:
        secret = bearer()
        token = None
        if secret and secret.startswith(department_tokens.PREFIX):
            session = db.session()
            token = department_tokens.authenticate(session, secret)
            if token is not None:
                session.info[ACTING_TOKEN] = token.id  # its audit events name the token
                if department_tokens.needs_touch(token):
                    _touch(session, token)
        g.api_token = token
    return cast(ApiToken | None, g.api_token)


def _touch(session: Session, token: ApiToken) -> None:
    """Note the token's use: a GET reads through a session that never writes, so apart;
    other requests in their own transaction (on SQLite a second writer would wait on it)."""
    if request.method in SAFE_METHODS:
        db.write_apart(lambda writer: department_tokens.touch(writer, token.id))
    else:
        department_tokens.touch(session, token.id)


def current_token() -> ApiToken:
    """This request's department token; 401 without one."""
    token = token_or_none()
    if token is None:
        raise Unauthorized("需要有效的部门令牌（可能已过期或被吊销）/ a valid department token "
                           "is required (it may have expired or been revoked)")
    return token


def require_scope(*scopes: str) -> Callable[[F], F]:
    """Let the handler run only for a valid token holding every one of ``scopes``."""
    unknown = [s for s in scopes if s not in department_tokens.SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes {unknown}")

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            token = current_token()
            missing = [s for s in scopes if s not in token.scope_set()]
            if missing:
                raise InsufficientScope(f"令牌缺少权限范围 {', '.join(missing)} / the token "
                                        f"lacks the scope {', '.join(missing)}")
            return fn(*args, **kwargs)

        return cast(F, guarded)

    return wrap
