"""Reading the change feed: the changes after a cursor, each with its record as it stands.

The cursor is the ``seq`` of the last change a reader has seen (0 at the start). A page lists
the changes with a larger ``seq``, in commit order, each with the record's current
representation (:mod:`placenames.ops.exchange.records`); applying them in order, each record
replacing the one with its id, keeps a copy equal to the register. A record changed again
later appears again later: a reader that is behind sees the newer state early and once more
at its own change, which a replacing copy absorbs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Change
from . import records

MAX_PAGE = 5000
DEFAULT_PAGE = 500


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed: its changes, the cursor to read on from, whether more wait."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    next_after: int = 0
    has_more: bool = False


def read(session: Session, after: int, *, entities: Iterable[str], limit: int = DEFAULT_PAGE,
         with_plate_id: bool = True) -> FeedPage:
    """The changes of ``entities`` with ``seq > after``, at most ``limit``, in commit order.

    A change whose record is not stored (written in a savepoint that was rolled back) is
    skipped; ``next_after`` still moves past it.
    """
    kinds = sorted(set(entities) & set(records.ENTITIES))
    limit = max(1, min(limit, MAX_PAGE))
    if not kinds:
        return FeedPage([], after, False)
    stmt = (select(Change.seq, Change.at, Change.entity, Change.entity_id, Change.action,
                   Change.version)
            .where(Change.seq > after, Change.entity.in_(kinds))
            .order_by(Change.seq).limit(limit + 1))
    rows = session.execute(stmt).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        ids[row.entity].append(row.entity_id)
    loaded = {entity: records.load(session, entity, wanted) for entity, wanted in ids.items()}
    changes = []
    for row in rows:
        record = loaded[row.entity].get(row.entity_id)
        if record is None:
            continue
        if row.entity == "plate" and not with_plate_id:
            record = {k: v for k, v in record.items() if k != "plate_id"}
        changes.append({"seq": row.seq, "at": row.at.isoformat(), "entity": row.entity,
                        "id": str(row.entity_id), "action": row.action,
                        "version": row.version, "record": record})
    next_after = rows[-1].seq if rows else after
    return FeedPage(changes, next_after, has_more)
