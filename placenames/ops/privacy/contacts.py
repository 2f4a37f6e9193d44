"""Commenters' contacts (name and phone): sealed on write, masked on read, found by phone,
erased after the retention period, moved to a new key.

The keyring travels on the session (``session.info["pii_keys"]``, put there by the app
factory, as the naming lexicons are), so operations need no Flask. Nothing here hands a clear
name or phone to code that renders pages or JSON: :class:`CommentView` carries the masked forms
only. A ciphertext that does not decrypt (another row's, altered, or under a key that is not
configured) shows as unreadable and is logged by comment id; it never fails the page.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from ... import pii
from ...errors import BadInput, Conflict, Forbidden, PlacenamesError
from ...models import AuditEvent, User
from ...models.workflow import Application, PublicComment
from ...workflow import mask_name, mask_phone, normalise_phone
from ...workflow.masking import UNREADABLE
from ..procedure.applications import visible_filter

log = logging.getLogger(__name__)

TABLE = PublicComment.__tablename__
NAME_COLUMN, PHONE_COLUMN = "author_enc", "phone_enc"
LOOKUP_ROLES = frozenset({"clerk", "committee"})
DEFAULT_RETENTION_DAYS = 180


# --- keys --------------------------------------------------------------------------------------

def keyring(session: Session) -> pii.Keyring:
    """The personal-data keyring of ``session`` (set by the app factory)."""
    keys = session.info.get("pii_keys")
    if not isinstance(keys, pii.Keyring):
        raise PlacenamesError("未配置个人信息密钥 / no personal-data key is configured for this "
                              "database session")
    return keys


def unknown_key_ids(session: Session) -> dict[str, int]:
    """Key ids that stored contacts were encrypted under but that are not configured, with how
    many values each: a wrong ``PLACENAMES_PII_KEY`` shows here before any page is served."""
    keys = keyring(session)
    found: dict[str, int] = {}
    for column in (PublicComment.author_enc, PublicComment.phone_enc, User.totp_secret,
                   User.totp_pending):
        prefix = func.substr(column, 1, len(pii.FORMAT) + 10)
        rows = session.execute(select(prefix, func.count()).where(column.is_not(None))
                               .group_by(prefix)).all()
        for head, count in rows:
            kid = pii.key_id_of(str(head) + "x") or "?"
            if kid not in keys.key_ids:
                found[kid] = found.get(kid, 0) + int(count)
    return found


def check_keys(session: Session) -> None:
    """:class:`Conflict` with a clear message when stored contacts need a key that is not
    configured (the key was changed, or another instance's key file is in use)."""
    unknown = unknown_key_ids(session)
    if not unknown:
        return
    keys = keyring(session)
    listed = ", ".join(f"{k} ({n})" for k, n in sorted(unknown.items()))
    raise Conflict(
        f"数据库中的个人信息由未配置的密钥加密：{listed}；当前密钥 {', '.join(keys.key_ids)} 来自 "
        f"{keys.source}。请设置正确的 PLACENAMES_PII_KEY（旧密钥列在当前密钥之后，以逗号分隔）/ "
        f"contacts in the database are encrypted under keys that are not configured: {listed}; "
        f"the keys in use ({', '.join(keys.key_ids)}) come from {keys.source}. Set the right "
        "PLACENAMES_PII_KEY (retired keys after the current one, separated by commas)")


# --- writing -----------------------------------------------------------------------------------

def set_contact(session: Session, comment: PublicComment, *, author: str | None,
                phone: str | None) -> None:
    """Store ``author`` and ``phone`` on ``comment`` encrypted (bound to its row) and the
    phone's blind index; empty values store nothing."""
    keys = keyring(session)
    if comment.id is None:
        comment.id = uuid.uuid4()  # the ciphertexts are bound to the row id: fix it now
    comment.author_enc = _seal(keys, author, NAME_COLUMN, comment.id)
    comment.phone_enc = _seal(keys, phone, PHONE_COLUMN, comment.id)
    digits = normalise_phone(phone)
    comment.phone_index = pii.blind_index(keys.current, digits) if phone and digits else None


def _seal(keys: pii.Keyring, value: str | None, column: str, row_id: uuid.UUID) -> str | None:
    return pii.seal(keys, value, table=TABLE, column=column, row_id=row_id) if value else None


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """A commenter's name and phone in clear: for rotation only, never for pages."""

    author: str | None
    phone: str | None

    def __repr__(self) -> str:  # keep clear values out of logs and tracebacks
        return "Contact(…)"


def reveal(keys: pii.Keyring, comment: PublicComment) -> Contact:
    """The clear name and phone of ``comment`` (:class:`pii.UnreadableCiphertext` if a
    ciphertext does not decrypt)."""
    return Contact(_open(keys, comment.author_enc, NAME_COLUMN, comment.id),
                   _open(keys, comment.phone_enc, PHONE_COLUMN, comment.id))


def _open(keys: pii.Keyring, sealed: str | None, column: str, row_id: uuid.UUID) -> str | None:
    if sealed is None:
        return None
    return pii.open_sealed(keys, sealed, table=TABLE, column=column, row_id=row_id)


@dataclass(frozen=True)
class CommentView:
    """A public comment as pages, documents and JSON show it: contacts masked."""

    id: uuid.UUID
    application_id: uuid.UUID
    body: str
    received_at: datetime
    disposition: str | None
    disposed_at: datetime | None
    name: str  # masked (张*), "" when none was given
    phone: str  # masked (138****5678), "" when none was given
    status: str  # "ok", "erased" (past retention) or "unreadable" (does not decrypt)

    @property
    def erased(self) -> bool:
        """The contact was erased at the end of the retention period."""
        return self.status == "erased"

    @property
    def unreadable(self) -> bool:
        """A stored ciphertext did not decrypt (logged)."""
        return self.status == "unreadable"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, masked."""
        return {"id": str(self.id), "body": self.body, "name": self.name, "phone": self.phone,
                "received_at": self.received_at.isoformat(), "disposition": self.disposition,
                "contact": self.status}


def view(keys: pii.Keyring, comment: PublicComment) -> CommentView:
    """``comment`` with its contact masked; a contact that does not decrypt is logged and
    shown as unreadable."""
    name = phone = ""
    status = "erased" if comment.contact_erased_at is not None else "ok"
    try:
        contact = reveal(keys, comment)
    except pii.UnreadableCiphertext as exc:
        log.warning("public comment %s: contact not readable (key %s): %s", comment.id,
                    exc.key_id, exc.user_msg)
        status = "unreadable"
    else:
        name, phone = mask_name(contact.author), mask_phone(contact.phone)
    return CommentView(id=comment.id, application_id=comment.application_id, body=comment.body,
                       received_at=comment.received_at, disposition=comment.disposition,
                       disposed_at=comment.disposed_at, name=name, phone=phone, status=status)


def comments_of(session: Session, application_id: uuid.UUID) -> list[CommentView]:
    """The comments on one application, oldest first, masked."""
    keys = keyring(session)
    rows = session.scalars(select(PublicComment).where(
        PublicComment.application_id == application_id).order_by(PublicComment.received_at,
                                                                  PublicComment.id))
    return [view(keys, c) for c in rows]


# --- finding a person's comments ---------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """A comment found by phone, with its application."""

    application: Application
    comment: CommentView


def find_by_phone(session: Session, phone: str, *, actor: User, now: datetime,
                  application_id: uuid.UUID | None = None, limit: int = 500) -> list[Match]:
    """Comments whose commenter gave ``phone`` (in any spelling of the same number), on the
    applications ``actor`` may see, or on one of them; newest first, masked.

    Only clerks and committee members search; every search is audited with the number
    masked and how many comments it found.
    """
    if not actor.role_set() & LOOKUP_ROLES:
        raise Forbidden("只有地名办工作人员或委员可以按电话查找意见 / only clerks and committee "
                        "members look comments up by phone")
    masked = mask_phone(phone)
    digits = normalise_phone(phone)
    if not masked or masked == UNREADABLE or not digits:
        raise BadInput("电话号码格式无效 / the phone number is not valid")
    keys = keyring(session)
    stmt = (select(PublicComment, Application)
            .join(Application, Application.id == PublicComment.application_id)
            .where(PublicComment.phone_index.in_(pii.blind_indexes(keys, digits)),
                   visible_filter(actor)))
    if application_id is not None:
        stmt = stmt.where(PublicComment.application_id == application_id)
    rows = session.execute(stmt.order_by(PublicComment.received_at.desc()).limit(limit)).all()
    found = [Match(app, view(keys, c)) for c, app in rows]
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="public_comment",
                           entity_id=str(application_id) if application_id else "*",
                           action="lookup_phone", note=f"{masked}: {len(found)}"))
    session.flush()
    return found


# --- retention ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Erasure:
    """What :func:`erase_expired` did (or, in a dry run, would do)."""

    count: int
    cutoff: datetime
    dry_run: bool


def _expired(cutoff: datetime) -> Any:
    """Comments that still hold a contact and whose notice period ended before ``cutoff``
    (a comment on an application without a period counts from when it was received)."""
    holds = or_(PublicComment.author_enc.is_not(None), PublicComment.phone_enc.is_not(None),
                PublicComment.phone_index.is_not(None))
    ended = or_(and_(Application.comment_closes.is_not(None),
                     Application.comment_closes < cutoff),
                and_(Application.comment_closes.is_(None), PublicComment.received_at < cutoff))
    return (select(PublicComment.id)
            .join(Application, Application.id == PublicComment.application_id)
            .where(holds, ended))


def erase_expired(session: Session, *, now: datetime, retention_days: int,
                  dry_run: bool = False) -> Erasure:
    """Erase the name and phone (ciphertexts and index) of every comment whose notice period
    ended more than ``retention_days`` ago; the comment and its disposition stay, and
    ``contact_erased_at`` records when. Idempotent: erased contacts are not counted again.
    A real run writes one audit event with the count (also when it is 0: the job ran)."""
    if retention_days < 0:
        raise BadInput("保存期限不能为负数 / the retention period cannot be negative")
    cutoff = now - timedelta(days=retention_days)
    ids = list(session.scalars(_expired(cutoff)))
    if not dry_run:
        for start in range(0, len(ids), 500):
            session.execute(update(PublicComment)
                            .where(PublicComment.id.in_(ids[start:start + 500]))
                            .values(author_enc=None, phone_enc=None, phone_index=None,
                                    contact_erased_at=now)
                            .execution_options(synchronize_session=False))
        session.add(AuditEvent(
            at=now, actor_id=None, entity_type="public_comment", entity_id="retention",
            action="erase_contacts",
            note=f"erased the contacts of {len(ids)} comments whose notice period ended more "
                 f"than {retention_days} days ago (before {cutoff.isoformat()})"))
        session.flush()
        session.expire_all()  # objects loaded earlier must not keep the erased values
    return Erasure(count=len(ids), cutoff=cutoff, dry_run=dry_run)


# --- key rotation ------------------------------------------------------------------------------

def rotate(session: Session, *, now: datetime) -> int:
    """Re-encrypt and re-index, under the current key, every contact stored under a retired
    key; returns how many comments changed. A contact that does not decrypt stops the rotation
    (:class:`pii.UnreadableCiphertext`, nothing written): no value is ever dropped."""
    keys = keyring(session)
    current = keys.current.key_id
    stale = session.scalars(select(PublicComment).where(or_(
        and_(PublicComment.author_enc.is_not(None),
             ~PublicComment.author_enc.startswith(f"{pii.FORMAT}:{current}:")),
        and_(PublicComment.phone_enc.is_not(None),
             ~PublicComment.phone_enc.startswith(f"{pii.FORMAT}:{current}:"))))).all()
    for comment in stale:
        contact = reveal(keys, comment)
        set_contact(session, comment, author=contact.author, phone=contact.phone)
    accounts = 0  # the second factors' secrets are sealed with the same key
    for user in session.scalars(select(User).where(or_(
            and_(User.totp_secret.is_not(None),
                 ~User.totp_secret.startswith(f"{pii.FORMAT}:{current}:")),
            and_(User.totp_pending.is_not(None),
                 ~User.totp_pending.startswith(f"{pii.FORMAT}:{current}:"))))):
        for column in ("totp_secret", "totp_pending"):
            sealed = getattr(user, column)
            if sealed:
                clear = pii.open_sealed(keys, sealed, table="users", column=column,
                                        row_id=user.id)
                setattr(user, column, pii.seal(keys, clear, table="users", column=column,
                                               row_id=user.id))
        accounts += 1
    session.add(AuditEvent(at=now, actor_id=None, entity_type="public_comment",
                           entity_id="keys", action="rotate_key",
                           note=f"{len(stale)} comments and {accounts} second factors "
                                f"re-encrypted under key {current}"))
    session.flush()
    return len(stale)
