"""Department tokens (部门令牌): issue, check, list and revoke the bearer secrets that other
offices use to read the register and send reports through the API.

A secret is ``pnd_`` and 43 random URL-safe characters (256 bits); only its SHA-256 is stored.
Expiry and revocation are checked on every request: a token stops working at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import limits
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...errors import BadInput, NotFound
from ...models import ApiToken, AuditEvent
from ...models.base import utcnow
from ...workflow import CHINA_TZ

PREFIX = "pnd_"

SCOPES: dict[str, tuple[str, str]] = {
    "read:names": ("读取地名", "read names"),
    "read:addresses": ("读取地址", "read addresses"),
    "read:plates": ("读取门牌", "read plates"),
    "write:reports": ("报告地址或门牌问题", "report problems with addresses or plates"),
    "write:standardize": ("提交非标准地址进行标准化", "submit addresses for standardization"),
}
"""Every scope a token may carry, with its label in Chinese and English."""

FEED_SCOPES: dict[str, str] = {"name": "read:names", "address": "read:addresses",
                               "plate": "read:plates"}
"""Change feed entity → the scope needed to see it (jurisdictions are public)."""

LAST_USE_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token (not one write per request)."""

MAX_LIFETIME = timedelta(days=3 * 366)

STATES = ("active", "expired", "revoked")
"""What :func:`state` answers."""

MAX_NOTE = 500
MAX_RATE_LIMIT = 40  # the column's width

_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dwy天周年])\s*$")
_DAYS = {"d": 1, "天": 1, "w": 7, "周": 7, "y": 365, "年": 365}


def digest(secret: str) -> str:
    """The stored form of a secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str) -> tuple[str, ...]:
    """``read:names,write:reports`` → the scopes, checked against :data:`SCOPES`."""
    scopes = tuple(dict.fromkeys(s.strip() for s in text.replace("，", ",").split(",")
                                 if s.strip()))
    if not scopes:
        raise BadInput("至少需要一个权限范围 / at least one scope is required")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise BadInput(f"未知的权限范围：{'，'.join(unknown)}（可用：{', '.join(SCOPES)}）/ "
                       f"unknown scope {', '.join(unknown)} (known: {', '.join(SCOPES)})")
    return scopes


def parse_expiry(text: str, now: datetime) -> datetime:
    """``365d``, ``52w``, ``1y`` or a date ``2027-12-31`` → the moment the token expires.

    A date means "through that day, Beijing time": the token stops at the next midnight
    (UTC+8)."""
    match = _DURATION.match(text)
    if match:
        days = int(match.group(1)) * _DAYS[match.group(2)]
        expires = now + timedelta(days=days)
    else:
        try:
            day = datetime.strptime(text.strip(), "%Y-%m-%d")
        except ValueError:
            raise BadInput(f"有效期 {text!r} 无法识别，请写 365d、52w、1y 或 2027-12-31 / "
                           f"expiry {text!r} not understood: give 365d, 52w, 1y or "
                           f"2027-12-31") from None
        expires = day.replace(tzinfo=CHINA_TZ) + timedelta(days=1)
    if expires <= now:
        raise BadInput("有效期须在将来 / the expiry must be in the future")
    if expires - now > MAX_LIFETIME:
        raise BadInput("有效期最长三年 / a token lasts three years at most")
    return expires


def parse_rate_limit(text: str | None) -> str | None:
    """A token's own rate limit (``600 per minute``, ``10/second;1000/hour``), checked and
    tidied; None or blank → None (the setting ``DEPARTMENT_RATELIMIT`` applies)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        items = limits.parse_many(text)
    except ValueError:
        items = []
    if not items or len(text) > MAX_RATE_LIMIT:
        raise BadInput(f"频率限制 {text!r} 无法识别，请写如 600 per minute 或 "
                       f"10/second;1000/hour / rate limit {text!r} not understood: give e.g. "
                       f"600 per minute or 10/second;1000/hour")
    return text


@dataclass(frozen=True)
class Issued:
    """A new token and its secret, shown once."""

    token: ApiToken
    secret: str


def check_holder(holder: str) -> str:
    """The holder's name, trimmed; BadInput when blank or over 120 characters."""
    holder = holder.strip()
    if not holder or len(holder) > 120:
        raise BadInput("请填写持有单位（至多120字）/ give the holder (at most 120 characters)")
    return holder


def check_note(note: str | None) -> str | None:
    """The note, trimmed (blank → None); BadInput over :data:`MAX_NOTE` characters."""
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise BadInput(f"备注至多{MAX_NOTE}字 / the note is limited to {MAX_NOTE} characters")
    return note


def problems(*, holder: str, scopes: str, expires: str, note: str | None = None,
             rate_limit: str | None = None, now: datetime | None = None) -> dict[str, str]:
    """What is wrong with a request for a token, by field (empty: :func:`issue` will take it);
    for forms that show each problem at its field."""
    now = now or utcnow()
    checks: dict[str, Callable[[], object]] = {
        "holder": lambda: check_holder(holder), "scopes": lambda: parse_scopes(scopes),
        "expires": lambda: parse_expiry(expires, now), "note": lambda: check_note(note),
        "rate_limit": lambda: parse_rate_limit(rate_limit)}
    found = {}
    for field, check in checks.items():
        try:
            check()
        except BadInput as exc:
            found[field] = exc.user_msg
    return found


def issue(session: Session, *, holder: str, scopes: str, expires: str,
          actor_id: uuid.UUID | None = None, note: str | None = None,
          rate_limit: str | None = None, now: datetime | None = None) -> Issued:
    """Issue a token to ``holder``; flushes; the caller commits and shows the secret once.
    BadInput for the first thing wrong (see :func:`problems`)."""
    now = now or utcnow()
    holder = check_holder(holder)
    scope_list = parse_scopes(scopes)
    expires_at = parse_expiry(expires, now)
    note = check_note(note)
    rate_limit = parse_rate_limit(rate_limit)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(holder=holder, scopes=",".join(scope_list), token_hash=digest(secret),
                     prefix=secret[:12], note=note, created_at=now,
                     created_by_id=actor_id, expires_at=expires_at, rate_limit=rate_limit)
    session.add(token)
    session.flush()
    session.add(AuditEvent(at=now, actor_id=actor_id, entity_type="api_token",
                           entity_id=str(token.id), action="token_issued", to_state="active",
                           note=f"{holder}: {token.scopes}; expires {expires_at:%Y-%m-%d}"))
    return Issued(token, secret)


def authenticate(session: Session, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The active token whose secret this is, else None (reads only)."""
    if not secret or len(secret) > 200 or not secret.startswith(PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or not token.active_at(now or utcnow()):
        return None
    return token


def needs_touch(token: ApiToken, now: datetime | None = None) -> bool:
    """True when the token's last use is older than :data:`LAST_USE_EVERY`."""
    return token.last_used_at is None or (now or utcnow()) - token.last_used_at >= LAST_USE_EVERY


def touch(session: Session, token_id: uuid.UUID, now: datetime | None = None) -> None:
    """Note a use of the token (one UPDATE; the caller commits)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id)
                    .values(last_used_at=now or utcnow()))


def find(session: Session, ref: str) -> ApiToken:
    """A token by its id or the start of its secret as listed (``pnd_AbCd1234``, at least
    eight characters); NotFound when none, BadInput when the start fits several."""
    ref = ref.strip()
    token: ApiToken | None = None
    try:
        token = session.get(ApiToken, uuid.UUID(ref))
    except ValueError:
        if len(ref) >= 8:
            found = session.scalars(select(ApiToken).where(
                ApiToken.prefix.startswith(ref[:12], autoescape=True))).all()
            if len(found) > 1:
                raise BadInput(f"{ref!r} 对应多个令牌，请写完整的前缀或编号 / {ref!r} fits "
                               f"several tokens: give the whole prefix or the id") from None
            token = found[0] if found else None
    if token is None:
        raise NotFound(f"未找到令牌 {ref!r} / no token {ref!r}")
    return token


def revoke(session: Session, ref: str, *, actor_id: uuid.UUID | None = None,
           now: datetime | None = None) -> ApiToken:
    """Revoke a token at once (revoking a revoked token changes nothing)."""
    token = find(session, ref)
    if token.revoked_at is None:
        now = now or utcnow()
        was = state(token, now)
        token.revoked_at = now
        token.revoked_by_id = actor_id
        session.add(AuditEvent(at=now, actor_id=actor_id, entity_type="api_token",
                               entity_id=str(token.id), action="token_revoked",
                               from_state=was, to_state="revoked", note=token.holder))
        session.flush()
    return token


def all_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))


def state(token: ApiToken, now: datetime | None = None) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.active_at(now or utcnow()) else "expired"
