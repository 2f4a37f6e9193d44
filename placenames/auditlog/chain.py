"""Canonical forms, hashes and the walk of the audit chain (pure; no database).

**The chain.** Every committed audit event has one entry ``(seq, event_id, prev_hash, hash)``:
``seq`` counts 1, 2, 3… without gaps in commit order, ``prev_hash`` is the ``hash`` of entry
``seq - 1`` (:data:`GENESIS` for the first) and ``hash`` is :func:`event_hash`: SHA-256 over a
version tag, ``seq``, ``prev_hash`` and the :func:`canonical` bytes of the event's fields
(:data:`EVENT_FIELDS`). Editing an event changes its hash; deleting one leaves a gap or an
entry without its event; an event slipped in by hand has no entry; re-hashing an edited event
breaks the link to the next entry. Only a rewrite of the whole tail after the edit goes
unnoticed by the chain alone, which is why ``audit verify --anchor`` keeps the head's hash
outside the database.

**Record digests.** Records that the audit log describes but does not hold (an expert's
opinion on a panel seat, a public comment and its disposition) are digested with
:func:`record_digest` over :data:`RECORD_FIELDS`; the audit event written with the change
carries the digest, so the record as stored can be checked against what was recorded.

The formats here are frozen: existing chains were hashed with them. A change needs a new
version tag and a verifier that knows both.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

EVENT_TAG = b"placenames-audit-v1"
RECORD_TAG = b"placenames-record-v1"

EVENT_FIELDS = ("id", "at", "actor_id", "entity_type", "entity_id", "action", "from_state",
                "to_state", "note", "digest")
"""The columns of ``audit_events`` that the hash covers (all of them)."""

RECORD_FIELDS: Mapping[str, tuple[str, ...]] = {
    "panel_member": ("id", "application_id", "expert_id", "position", "opinion", "reasons",
                     "opinion_at"),
    "public_comment": ("id", "application_id", "body", "received_at", "disposition",
                       "disposed_at", "disposed_by_id"),
}
"""Per record kind (the ``entity_type`` of its audit events), the columns its digest covers.

A commenter's name and phone are left out: they are personal data, erased when their retention
ends (:mod:`placenames.ops.privacy`), and stored encrypted with the row's id bound into the
ciphertext, so a contact moved or altered does not decrypt.
"""

RECORD_LABELS: Mapping[str, tuple[str, str]] = {
    "panel_member": ("专家评审席位及其意见", "expert panel seat and its opinion"),
    "public_comment": ("公示意见及其处理情况", "public comment and its disposition"),
}

REMOVE_ACTION = "remove"
"""The action of an event saying that the application itself removed a digested record (a
panel replaced by a new draw): from then on the record must be absent."""


def _plain(value: Any) -> Any:
    """A JSON value that reads the same whatever the database returned it as."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be hashed; read it as aware UTC")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical(values: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a row: compact JSON, keys sorted, UTF-8, UTC timestamps with
    microseconds, UUIDs in their dashed form."""
    plain = {key: _plain(value) for key, value in values.items()}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def event_hash(seq: int, prev_hash: str, event: Mapping[str, Any]) -> str:
    """The hash of chain entry ``seq`` for ``event`` (a mapping with :data:`EVENT_FIELDS`)."""
    fields = {key: event[key] for key in EVENT_FIELDS}
    if event.get("token_id") is not None:  # writes through a department token (added later:
        fields["token_id"] = event["token_id"]  # events without one keep their old hash)
    body = canonical(fields)
    head = b"%s\n%d\n%s\n" % (EVENT_TAG, seq, prev_hash.encode("ascii"))
    return hashlib.sha256(head + body).hexdigest()


def record_digest(kind: str, row: Mapping[str, Any]) -> str:
    """The digest of a record of ``kind`` (a mapping with its :data:`RECORD_FIELDS`)."""
    body = canonical({key: row[key] for key in RECORD_FIELDS[kind]})
    return hashlib.sha256(RECORD_TAG + b"\n" + kind.encode("ascii") + b"\n" + body).hexdigest()


# --- problems ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing ``audit verify`` found wrong, in both languages, naming the row."""

    code: str
    message_zh: str
    message_en: str
    seq: int | None = None
    event_id: str | None = None
    record_id: str | None = None

    def text(self) -> str:
        """``中文 / English``."""
        return f"{self.message_zh} / {self.message_en}"


def gap(first: int, last: int) -> Problem:
    """Entries ``first``..``last`` are missing from the chain."""
    span = str(first) if first == last else f"{first}–{last}"
    return Problem("gap", f"审计链缺少第 {span} 条：审计事件被删除",
                   f"audit chain entry {span} is missing: an event was deleted", seq=first)


def orphan(seq: int, event_id: str) -> Problem:
    """Entry ``seq`` names an event that no longer exists."""
    return Problem("event_missing",
                   f"审计链第 {seq} 条记载的审计事件 {event_id} 已不存在：事件被删除",
                   f"audit event {event_id} of chain entry {seq} no longer exists: it was "
                   "deleted", seq=seq, event_id=event_id)


def altered(seq: int, event_id: str) -> Problem:
    """Event ``event_id`` no longer matches the hash of entry ``seq``."""
    return Problem("event_altered", f"审计事件 {event_id}（审计链第 {seq} 条）被改动",
                   f"audit event {event_id} (chain entry {seq}) was altered", seq=seq,
                   event_id=event_id)


def broken_link(seq: int, event_id: str) -> Problem:
    """Entry ``seq`` does not follow the entry before it."""
    return Problem("broken_link", f"审计链第 {seq} 条（事件 {event_id}）未接续第 {seq - 1} 条："
                   "有条目被插入、删除、改动或调换",
                   f"audit chain entry {seq} (event {event_id}) does not follow entry {seq - 1}: "
                   "an entry was inserted, removed, altered or moved", seq=seq,
                   event_id=event_id)


def unchained(event_id: str, at: datetime, action: str, entity: str) -> Problem:
    """An event that has no chain entry (written behind the application's back)."""
    when = _plain(at) if at.tzinfo else at.isoformat()
    return Problem("event_inserted",
                   f"审计事件 {event_id}（{when}，{entity}，{action}）不在审计链中：事件系绕过"
                   "本系统插入",
                   f"audit event {event_id} ({when}, {entity}, {action}) has no chain entry: it "
                   "was inserted behind the application's back", event_id=event_id)


def anchor_mismatch(seq: int) -> Problem:
    """The chain no longer has the hash the anchor file recorded for entry ``seq``."""
    return Problem("anchor_mismatch", f"审计链第 {seq} 条与锚定记录不符：审计链被重写",
                   f"audit chain entry {seq} differs from the anchored hash: the chain was "
                   "rewritten", seq=seq)


def anchor_truncated(length: int, anchored: int) -> Problem:
    """The chain is shorter than it was when the anchor was written."""
    return Problem("anchor_truncated", f"审计链只有 {length} 条，锚定时已有 {anchored} 条：末尾的"
                   "审计事件被删除",
                   f"the audit chain has {length} entries but had {anchored} when anchored: "
                   "the latest events were deleted", seq=length + 1)


def _kind(kind: str) -> tuple[str, str]:
    return RECORD_LABELS.get(kind, (kind, kind))


def _of_application(application_id: str | None) -> tuple[str, str]:
    """The Chinese and English mention of a record's application (empty without one)."""
    if not application_id:
        return "", ""
    return f"（申请 {application_id}）", f" (application {application_id})"


def record_altered(kind: str, record_id: str, application_id: str | None, seq: int) -> Problem:
    """A digested record differs from what the audit event ``seq`` recorded."""
    zh, en = _kind(kind)
    where_zh, where_en = _of_application(application_id)
    return Problem("record_altered",
                   f"{zh} {record_id}{where_zh} 与审计链第 {seq} 条记载的内容不符：记录被改动",
                   f"{en} {record_id}{where_en} differs from what audit chain entry {seq} "
                   "recorded: it was altered", seq=seq, record_id=record_id)


def record_deleted(kind: str, record_id: str, seq: int) -> Problem:
    """A digested record recorded by event ``seq`` no longer exists."""
    zh, en = _kind(kind)
    return Problem("record_deleted",
                   f"{zh} {record_id}（审计链第 {seq} 条记载）已不存在：记录被删除",
                   f"{en} {record_id} (recorded by audit chain entry {seq}) no longer exists: "
                   "it was deleted", seq=seq, record_id=record_id)


def record_unaudited(kind: str, record_id: str, application_id: str | None) -> Problem:
    """A record of a digested kind that no audit event describes."""
    zh, en = _kind(kind)
    where_zh, where_en = _of_application(application_id)
    return Problem("record_inserted",
                   f"{zh} {record_id}{where_zh} 没有审计记录：记录系绕过本系统写入",
                   f"{en} {record_id}{where_en} is in no audit event: it was written behind "
                   "the application's back", record_id=record_id)


def record_reappeared(kind: str, record_id: str, seq: int) -> Problem:
    """A record that the application removed (event ``seq``) exists again."""
    zh, en = _kind(kind)
    return Problem("record_inserted",
                   f"{zh} {record_id} 已于审计链第 {seq} 条移除，却又出现：记录系绕过本系统写入",
                   f"{en} {record_id} was removed by audit chain entry {seq} but exists again: "
                   "it was written behind the application's back", seq=seq, record_id=record_id)


# --- the walk ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainEntry:
    """One chain entry as stored, with its event's fields (None when the event is gone)."""

    seq: int
    event_id: str
    prev_hash: str
    hash: str
    event: Mapping[str, Any] | None


class ChainWalker:
    """Checks chain entries fed in ``seq`` order; see the module docstring.

    ``anchor`` is a ``(seq, hash)`` recorded earlier outside the database: the chain must
    still be at least that long and have that hash there.
    """

    def __init__(self, anchor: tuple[int, str] | None = None) -> None:
        self.expected = 1
        self.prev = GENESIS
        self.count = 0
        self.head: tuple[int, str] | None = None
        self._anchor = anchor
        self._anchor_seen = False

    def feed(self, entry: ChainEntry) -> list[Problem]:
        """The problems of ``entry`` given the entries before it."""
        problems: list[Problem] = []
        if entry.seq > self.expected:
            problems.append(gap(self.expected, entry.seq - 1))
        elif entry.prev_hash != self.prev:
            problems.append(broken_link(entry.seq, entry.event_id))
        if entry.event is None:
            problems.append(orphan(entry.seq, entry.event_id))
        elif event_hash(entry.seq, entry.prev_hash, entry.event) != entry.hash:
            problems.append(altered(entry.seq, entry.event_id))
        if self._anchor is not None and entry.seq == self._anchor[0]:
            self._anchor_seen = True
            if entry.hash != self._anchor[1]:
                problems.append(anchor_mismatch(entry.seq))
        self.prev, self.expected = entry.hash, entry.seq + 1
        self.count += 1
        self.head = (entry.seq, entry.hash)
        return problems

    def finish(self) -> list[Problem]:
        """Problems only the end of the walk shows (a chain shorter than its anchor)."""
        if self._anchor is None or self._anchor_seen:
            return []
        length = self.head[0] if self.head else 0
        if length >= self._anchor[0]:  # the anchored entry itself is gone
            return [anchor_mismatch(self._anchor[0])]
        return [anchor_truncated(length, self._anchor[0])]
