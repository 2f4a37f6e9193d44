"""``audit verify``: recompute the chain and the record digests and say what is wrong.

Reads everything in one snapshot (:func:`placenames.spatial.snapshot_reads`): on PostgreSQL a
REPEATABLE READ, read-only transaction, on SQLite a deferred one, so writers committing
meanwhile neither block it nor make it see half of a change. Problems come in this order:
the chain walked by ``seq`` (gaps, entries whose event is gone, broken links, altered events,
the anchor), then events that have no chain entry, then records whose digest no longer
matches their newest audit event (or that are gone, or that no event describes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, exists, func, select
from sqlalchemy.engine import Connection

from ... import spatial
from ...auditlog import ChainEntry, ChainWalker, Problem, record_digest
from ...auditlog import chain as chain_rules
from ...models import AuditChain, AuditEvent
from .records import RECORD_TABLES, record_select

MAX_PROBLEMS = 100
_BATCH = 2000


@dataclass
class Report:
    """What a verification found: entries walked, the head, problems (first first)."""

    entries: int = 0
    events: int = 0
    head: tuple[int, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False  # more problems than MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def add(self, found: list[Problem]) -> None:
        """Keep up to :data:`MAX_PROBLEMS`."""
        room = MAX_PROBLEMS - len(self.problems)
        if len(found) > room:
            self.truncated = True
        self.problems.extend(found[:max(room, 0)])


def _entries(conn: Connection, after: int = 0, limit: int | None = None,
             newest: bool = False) -> Iterator[ChainEntry]:
    chain_t, events_t = AuditChain.__table__, AuditEvent.__table__
    stmt = (select(chain_t.c.seq, chain_t.c.event_id, chain_t.c.prev_hash, chain_t.c.hash,
                   *(c.label(f"e_{c.name}") for c in events_t.c))
            .select_from(chain_t.outerjoin(events_t, events_t.c.id == chain_t.c.event_id)))
    if newest:
        inner = stmt.order_by(chain_t.c.seq.desc()).limit(limit or 0).subquery()
        stmt = select(inner).order_by(inner.c.seq)
    else:
        stmt = stmt.where(chain_t.c.seq > after).order_by(chain_t.c.seq)
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
    for row in result.mappings():
        event = ({c.name: row[f"e_{c.name}"] for c in events_t.c}
                 if row["e_id"] is not None else None)
        yield ChainEntry(int(row["seq"]), str(row["event_id"]), row["prev_hash"], row["hash"],
                         event)


def verify(engine: Engine, *, anchor: tuple[int, str] | None = None) -> Report:
    """Check the whole audit log; ``anchor`` is a ``(seq, hash)`` recorded outside the database
    by an earlier run (``audit verify --anchor``)."""
    with spatial.snapshot_reads(engine).connect() as conn, conn.begin():
        return _verify(conn, anchor)


def _verify(conn: Connection, anchor: tuple[int, str] | None) -> Report:
    report = Report()
    walker = ChainWalker(anchor)
    newest: dict[tuple[str, str], tuple[int, str, str | None]] = {}
    for entry in _entries(conn):
        report.add(walker.feed(entry))
        ev = entry.event
        if ev is not None and ev["entity_type"] in RECORD_TABLES and (
                ev["digest"] or ev["action"] == chain_rules.REMOVE_ACTION):
            newest[(ev["entity_type"], ev["entity_id"])] = (entry.seq, ev["action"], ev["digest"])
    report.add(walker.finish())
    report.entries, report.head = walker.count, walker.head
    report.events = int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    report.add(_unchained(conn))
    report.add(_records(conn, newest))
    return report


def _unchained(conn: Connection, limit: int = MAX_PROBLEMS) -> list[Problem]:
    ev, ch = AuditEvent.__table__, AuditChain.__table__
    rows = conn.execute(select(ev.c.id, ev.c.at, ev.c.action, ev.c.entity_type, ev.c.entity_id)
                        .where(~exists().where(ch.c.event_id == ev.c.id))
                        .order_by(ev.c.at, ev.c.id).limit(limit))
    return [chain_rules.unchained(str(r.id), r.at, r.action, f"{r.entity_type} {r.entity_id}")
            for r in rows]


def _records(conn: Connection,
             newest: dict[tuple[str, str], tuple[int, str, str | None]]) -> list[Problem]:
    """Each digested record against the newest audit event that describes it."""
    found: list[tuple[float, Problem]] = []
    for kind, table in RECORD_TABLES.items():
        stmt = record_select(kind).order_by(table.c.id)
        for row in conn.execution_options(stream_results=True, yield_per=_BATCH) \
                .execute(stmt).mappings():
            rid = str(row["id"])
            app_id = str(row["application_id"]) if row.get("application_id") else None
            last = newest.pop((kind, rid), None)
            if last is None:
                found.append((float("inf"), chain_rules.record_unaudited(kind, rid, app_id)))
            elif last[1] == chain_rules.REMOVE_ACTION:
                found.append((last[0], chain_rules.record_reappeared(kind, rid, last[0])))
            elif last[2] != record_digest(kind, row):
                found.append((last[0], chain_rules.record_altered(kind, rid, app_id, last[0])))
    for (kind, rid), (seq, action, _digest) in newest.items():
        if action != chain_rules.REMOVE_ACTION:
            found.append((seq, chain_rules.record_deleted(kind, rid, seq)))
    found.sort(key=lambda pair: pair[0])
    return [p for _seq, p in found]


@dataclass
class Status:
    """The cheap check shown atop the auditor's page."""

    events: int
    entries: int
    head: tuple[int, str] | None
    tail_checked: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """The newest entries check, and events, entries and the head's ``seq`` agree."""
        length = self.head[0] if self.head else 0
        return not self.problems and self.events == self.entries == length


def quick_status(engine: Engine, tail: int = 200) -> Status:
    """Counts, the head, and the newest ``tail`` entries checked (links and hashes)."""
    with spatial.snapshot_reads(engine).connect() as conn, conn.begin():
        events = int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        entries = int(conn.scalar(select(func.count()).select_from(AuditChain)) or 0)
        walker: ChainWalker | None = None
        problems: list[Problem] = []
        checked = 0
        for entry in _entries(conn, limit=tail, newest=True):
            if walker is None:  # the oldest checked entry's own link is trusted
                walker = ChainWalker()
                walker.expected, walker.prev = entry.seq, entry.prev_hash
            problems.extend(walker.feed(entry))
            checked += 1
    return Status(events, entries, walker.head if walker else None, checked, problems)


def parse_anchor(text: str) -> tuple[int, str] | None:
    """The ``(seq, hash)`` of an anchor file's last line (``seq hash [when]``), or None."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1]
    if len(last) < 2 or not last[0].isdigit() or len(last[1]) != 64:
        raise ValueError(f"not an anchor line: {' '.join(last)[:80]}")
    int(last[1], 16)
    return int(last[0]), last[1]

