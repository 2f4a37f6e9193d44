"""The second factor: TOTP (RFC 6238, pyotp) with single-use recovery codes.

Setting up stores a pending secret; it becomes the account's secret only once a code from the
authenticator app matches, and ten recovery codes are made (shown once, stored as SHA-256:
they are random, 50 bits each, so a fast hash is enough). A TOTP code is accepted within one
step (30 s) either side of the server's clock, and only for a time step later than the last
one accepted, so an overheard code cannot be replayed.

The secrets are stored encrypted with the personal-data key (:mod:`placenames.pii`), bound to
the account's row and column, so a copy of the database alone does not yield codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ... import pii
from ...errors import BadInput
from ...models import RecoveryCode, User
from ...models.base import utcnow
from ..privacy.contacts import keyring
from . import events
from .users import end_sessions

RECOVERY_COUNT = 10
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _seal(session: Session, user: User, column: str, secret: str) -> str:
    return pii.seal(keyring(session), secret, table="users", column=column, row_id=user.id)


def _open(session: Session, user: User, column: str) -> str | None:
    sealed = getattr(user, column)
    if not sealed:
        return None
    return pii.open_sealed(keyring(session), sealed, table="users", column=column,
                           row_id=user.id)


def start(session: Session, user: User) -> str:
    """A new pending secret for ``user`` (base32, for the authenticator app)."""
    secret = pyotp.random_base32()
    user.totp_pending = _seal(session, user, "totp_pending", secret)
    session.flush()
    return secret


def pending_secret(session: Session, user: User) -> str | None:
    """The secret being set up (to show as a QR code and as text), if any."""
    return _open(session, user, "totp_pending")


def secret(session: Session, user: User) -> str | None:
    """The account's confirmed secret, if any."""
    return _open(session, user, "totp_secret")


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for offset in (-1, 0, 1):
        moment = now.timestamp() + offset * totp.interval
        if hmac.compare_digest(totp.at(moment), digits):
            return int(moment // totp.interval)
    return None


def confirm(session: Session, user: User, code: str, now: datetime | None = None) -> list[str]:
    """Make the pending secret the account's once ``code`` matches it; returns the new recovery
    codes (to show once). BadInput if nothing is pending or the code does not match."""
    now = now or utcnow()
    pending = pending_secret(session, user)
    if not pending:
        raise BadInput("请先开始设置 / start the set-up first")
    step = _matching_step(pending, code, now)
    if step is None:
        raise BadInput("验证码不对：请输入验证器应用当前显示的 6 位数字 / the code does not match: "
                       "enter the 6 digits your authenticator app shows now")
    user.totp_secret = _seal(session, user, "totp_secret", pending)
    user.totp_pending, user.totp_last_step = None, step
    events.record(session, "totp_enabled", user, user.id, now=now)
    return new_recovery_codes(session, user)


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new recovery codes for ``user`` (the old ones stop working)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_code_digest(raw)))
    session.flush()
    return codes


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """New recovery codes asked for by ``user`` themself (recorded in the audit log)."""
    codes = new_recovery_codes(session, user)
    events.record(session, "recovery_codes_new", user, user.id)
    return codes


def _code_digest(code: str) -> str:
    clean = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(clean.encode()).hexdigest()


def check(session: Session, user: User, code: str, now: datetime | None = None) -> str | None:
    """``"totp"`` or ``"recovery"`` if ``code`` passes as the second factor (a recovery code is
    used up), else None."""
    now = now or utcnow()
    code = (code or "").strip()[:40]
    confirmed = secret(session, user)
    if confirmed:
        step = _matching_step(confirmed, code, now)
        if step is not None and step > (user.totp_last_step or -1):
            user.totp_last_step = step
            session.flush()
            return "totp"
    if len("".join(ch for ch in code if ch.isalnum())) == 10:
        row = session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_digest(code),
            RecoveryCode.used_at.is_(None)))
        if row is not None:
            row.used_at = now
            events.record(session, "recovery_used", user, user.id, now=now)
            session.flush()
            return "recovery"
    return None


def codes_left(session: Session, user: User) -> int:
    """How many unused recovery codes ``user`` has."""
    return int(session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0)


def reset(session: Session, user: User, actor_id: uuid.UUID | None) -> None:
    """Remove ``user``'s second factor (a lost phone): they set it up again at next sign-in
    (the 三员 must) or from their account page; their sessions end."""
    user.totp_secret = user.totp_pending = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(session, user)
    events.record(session, "totp_reset", user, actor_id)
    session.flush()
