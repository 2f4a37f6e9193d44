"""Rebuild the names' matching keys and syllable index whole, then swap them in.

When most names' keys change (the keys' definition changed, a lexicon change that alters most
readings), rewriting them row by row costs a new version of each row and an entry in each of
its indexes, for every row. A rebuild writes every name's keys and syllable rows into empty
shadow tables (``place_keys_rebuild``, ``place_syllables_rebuild``: COPY on PostgreSQL, no
index to keep up), builds their indexes once, and swaps them in for the live tables in one
short transaction. The screen reads the live tables, as they were, until that transaction
commits.

The app keeps writing while the shadows fill: a name created or edited meanwhile gets its keys
from the write hooks, in the live tables. Each shadow keys row carries the version of the name
it was computed from (every write of a name through the app is a new version with a change-feed
row, numbered in commit order). The rebuild notes the feed's position when it begins; before
the shadows are indexed, and again at the swap for what the feed shows written after that
first look, it takes the live rows of the names written meanwhile whose version is no longer
the one computed, or that the shadows lack (created after its range was read). The swap does
so under a lock that keeps writers of the two tables waiting (readers go on), for those few
names only, not for a join of the whole register; a name renamed into a range read later is
read twice, and this removes its first reading. A name the engine cannot read keeps its stored
keys: its batch copies its live rows into the shadows.
A failed run leaves the live tables as they were and its shadows behind; the next run drops
them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Integer,
    Table,
    Uuid,
    delete,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.exc import OperationalError

from ... import spatial
from ...models import Place, PlaceKeys, PlaceSyllable
from ...models.changes import Change as FeedChange
from . import batch_tables

LIVE: tuple[Table, ...] = (cast(Table, PlaceKeys.__table__), cast(Table, PlaceSyllable.__table__))
"""The derived tables a rebuild replaces, the keys first (whose shadow carries the versions)."""
READ_VERSION = Column("read_version", Integer)
"""The version of the name a shadow keys row was computed from (dropped at the swap)."""
OWN_CHANGED = Column("own_changed", Boolean)
"""Whether the batch found the name's own fields changed (written row by row, with its search
entries; dropped at the swap)."""
SWAP_ATTEMPTS = 5


@dataclass(frozen=True)
class Shadows:
    """The shadow tables of one rebuild, and the change feed's position when it began (its
    batches read every name after it; a worker that only names the tables has 0)."""

    tables: tuple[Table, ...]
    since: int = 0

    @property
    def keys(self) -> Table:
        """The shadow of ``place_keys``, with ``read_version``."""
        return self.tables[0]

    @property
    def syllables(self) -> Table:
        """The shadow of ``place_syllables``."""
        return self.tables[1]


def _extra(table: Table) -> tuple[Column[Any], ...]:
    return (READ_VERSION, OWN_CHANGED) if table is LIVE[0] else ()


def shadows_of(engine: Engine) -> Shadows:
    """The shadows of the rebuild under way (to name them in a worker process)."""
    return Shadows(tuple(spatial.shadow_of(engine, t, _extra(t)) for t in LIVE))


def begin(engine: Engine) -> Shadows:
    """Create empty shadows (dropping any a failed run left), and note the feed's position:
    whatever commits after it has a higher ``seq``."""
    with engine.begin() as conn:
        since = _feed_position(conn)
        return Shadows(tuple(spatial.create_shadow(conn, t, _extra(t)) for t in LIVE), since)


def _feed_position(conn: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(FeedChange.seq), 0))).scalar_one())


def give_up(engine: Engine) -> None:
    """Drop the shadows of a run that failed: the live tables are as they were."""
    with engine.begin() as conn:
        for table in LIVE:
            spatial.drop_shadow(conn, table)


def load(conn: Any, shadows: Shadows, keys: list[tuple[Any, ...]],
         syllables: list[tuple[Any, ...]]) -> None:
    """Copy one batch's keys rows (the columns of ``place_keys`` and the ``read_version`` of
    the name) and syllable rows (those of ``place_syllables``), as tuples in the shadows'
    column order, into the shadows. A name renamed into a range read later is read twice:
    its first reading is there already, of an older version (SQLite keeps its keys row and
    leaves the second out; PostgreSQL keeps both), so the name's live rows replace them."""
    spatial.load_shadow_rows(conn, shadows.keys, keys)
    spatial.load_shadow_rows(conn, shadows.syllables, syllables)


def keep_live(conn: Any, shadows: Shadows, ids: list[Any]) -> None:
    """Copy the live keys and syllable rows of the names ``ids``, which the engine could not
    read (they keep their stored keys), into the shadows."""
    if ids:
        _copy_live(conn, shadows, ids)


def _copy_live(conn: Any, shadows: Shadows, ids: Any) -> None:
    """Copy the live keys and syllable rows of the names ``ids`` (a list, or a select of
    ids) into the shadows, each keys row with the version of its name: the live rows are
    always those of its current version, and a later catch-up compares that version."""
    places, (keys, syllables) = cast(Table, Place.__table__), LIVE
    spatial.copy_into_shadow(
        conn, shadows.keys, [*keys.c.keys(), READ_VERSION.name, OWN_CHANGED.name],
        select(*keys.c, places.c.version, false()).join(places, places.c.id == keys.c.place_id)
        .where(keys.c.place_id.in_(ids)))
    spatial.copy_into_shadow(conn, shadows.syllables, list(syllables.c.keys()),
                             select(*syllables.c).where(syllables.c.place_id.in_(ids)))


@dataclass(frozen=True)
class SwapReport:
    """What the rebuild changed and took from the live tables, and how long writers waited."""

    changed: int  # names whose keys or own fields changed
    search: list[Any]  # ids of the other names whose reading changed (their search entries)
    settled: int  # names written meanwhile or not computed, taken before indexing
    taken: int  # the same, taken at the swap (under the lock)
    index_seconds: float  # settling, indexing the shadows and counting the changes
    locked_seconds: float


def finish(engine: Engine, shadows: Shadows, workers: int = 2) -> SwapReport:
    """Take what changed meanwhile, index the shadows (``workers`` statements at a time),
    swap them in (tried again when a lock is not had in time)."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        # the feed's position first: whatever commits after it has a higher seq
        since = _feed_position(conn)
        settled = _take_live(conn, shadows, shadows.since)
    changed, search = _index(engine, shadows, workers)
    indexed = time.perf_counter() - t0
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            return _swap(engine, shadows, settled, indexed, changed, search, since)
        except OperationalError:  # a lock not had in time, or a deadlock: nothing changed
            if attempt == SWAP_ATTEMPTS:
                raise
            time.sleep(attempt)
    raise AssertionError("unreachable")


def _index(engine: Engine, shadows: Shadows, workers: int) -> tuple[int, list[Any]]:
    """Give the shadows their keys, indexes and planner statistics, ``workers`` statements
    side by side (each builds one index, checks one foreign key or analyzes one table, on the
    database server), and count the changes (:func:`_changes`) meanwhile; the counts. Each
    shadow goes on as soon as its own indexes are built (its keys added, then checked): the
    keys, a quarter of the rows, are done while the syllables' widest index is still being
    built. The statistics are the planner's after the swap: writers do not wait for them."""
    keys, syllables = (spatial.shadow_indexing(engine, live, shadow)
                       for live, shadow in zip(LIVE, shadows.tables, strict=True))
    tasks: list[_Task] = []

    def add(run: Callable[[], Any], after: Sequence[int] = ()) -> int:
        tasks.append(_Task(run, tuple(after)))
        return len(tasks) - 1

    def built(plan: spatial.ShadowIndexing) -> list[int]:
        return [add(partial(spatial.build_index, engine, s)) for s in plan.builds]

    syllables_built = built(syllables)  # first: the most rows, and the widest index
    keys_done = add(partial(_constrain, engine, keys), built(keys))
    syllables_done = add(partial(_constrain, engine, syllables), syllables_built)
    counted = add(partial(_changes, engine, shadows), [keys_done])
    add(partial(_analyze, engine, shadows.keys), [counted])
    add(partial(_analyze, engine, shadows.syllables), [syllables_done])
    return cast(tuple[int, list[Any]], _schedule(tasks, workers)[counted])


def _analyze(engine: Engine, shadow: Table) -> None:
    """Gather the planner's statistics of a loaded shadow (they stay with it at the swap)."""
    with engine.begin() as conn:
        spatial.analyze(conn, [shadow])


def _constrain(engine: Engine, plan: spatial.ShadowIndexing) -> None:
    """Add a shadow's keys over its built indexes, then check its foreign keys."""
    with engine.begin() as conn:
        for statement in plan.constraints:
            conn.exec_driver_sql(statement)
    for statement in plan.checks:
        spatial.check_constraint(engine, statement)


@dataclass(frozen=True)
class _Task:
    run: Callable[[], Any]
    after: tuple[int, ...]  # the tasks (by position) that must end before it starts


def _schedule(tasks: Sequence[_Task], workers: int) -> list[Any]:
    """Run ``tasks`` (each on a connection of its own), ``workers`` at a time, each once the
    tasks it comes after have ended, the first ready in the order given; their results. A
    failure stops what has not started, and is raised once what has started has ended."""
    if workers <= 1 or len(tasks) <= 1:  # in order: each task comes after earlier ones
        return [task.run() for task in tasks]
    results: list[Any] = [None] * len(tasks)
    done: set[int] = set()
    started: set[int] = set()
    failures: list[BaseException] = []
    ready = threading.Condition()

    def next_task() -> int | None:
        with ready:
            while not failures and len(started) < len(tasks):
                k = next((k for k, t in enumerate(tasks) if k not in started
                          and all(a in done for a in t.after)), None)
                if k is not None:
                    started.add(k)
                    return k
                ready.wait()
            return None

    def work() -> None:
        while (k := next_task()) is not None:
            try:
                result = tasks[k].run()
            except BaseException as exc:  # noqa: BLE001 - raised by the caller
                with ready:
                    failures.append(exc)
                    ready.notify_all()
                return
            with ready:
                results[k] = result
                done.add(k)
                ready.notify_all()

    threads = [threading.Thread(target=work, name=f"rebuild-index-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def _changes(engine: Engine, shadows: Shadows) -> tuple[int, list[Any]]:
    """How many names the rebuild changes (their keys or own fields), and the ids of those
    whose whole-name pinyin changed but not their own fields (stored before: a name whose keys
    were never computed has none), whose search entries are to be rebuilt."""
    s, live = shadows.keys, LIVE[0]
    joined = s.outerjoin(live, live.c.place_id == s.c.place_id)
    differs = or_(*(s.c[col.name].is_distinct_from(col) for col in live.c
                    if col.name != "place_id"))
    with spatial.whole_table_reads(engine) as conn:
        changed = conn.execute(select(func.count()).select_from(joined).where(
            live.c.place_id.is_(None) | differs | (s.c.own_changed == true()))).scalar()
        search = list(conn.execute(select(s.c.place_id).select_from(joined).where(
            live.c.key_pinyin.is_not(None), s.c.key_pinyin.is_distinct_from(live.c.key_pinyin),
            s.c.own_changed.is_not(true()))).scalars())
    return int(changed or 0), search


def _take_live(conn: Any, shadows: Shadows, since: int) -> int:
    """Replace the shadow rows of the names written since the feed position ``since`` whose
    shadow rows are not of their current version, or missing, by their live rows; their
    count. Every write of a name, new or changed, is a new version with a feed row, numbered
    in commit order; a name the engine could not read has its live rows copied by its batch
    (:func:`keep_live`). Looks at the shadows only when the feed shows a name written."""
    written = select(FeedChange.entity_id).where(FeedChange.entity == "name",
                                                 FeedChange.seq > since)
    if conn.execute(written.limit(1)).first() is None:
        return 0
    places, k = cast(Table, Place.__table__), shadows.keys
    stale = select(places.c.id).select_from(
        places.outerjoin(k, k.c.place_id == places.c.id)).where(
        places.c.id.in_(written),
        k.c.place_id.is_(None) | (k.c.read_version != places.c.version)).distinct()
    batch_tables.fill(conn, _IDS, [{"place_id": i} for i in conn.execute(stale).scalars()])
    ids = select(_IDS.c.place_id)
    for shadow in shadows.tables:
        conn.execute(delete(shadow).where(shadow.c.place_id.in_(ids)))
    _copy_live(conn, shadows, ids)
    return int(conn.execute(select(func.count()).select_from(_IDS)).scalar() or 0)


_IDS = batch_tables.temp("rebuild_taken", Column("place_id", Uuid, primary_key=True))


def _swap(engine: Engine, shadows: Shadows, settled: int, indexed: float, changed: int,
          search: list[Any], since: int) -> SwapReport:
    with engine.begin() as conn:
        spatial.lock_for_swap(conn, LIVE)
        t0 = time.perf_counter()
        taken = _take_live(conn, shadows, since)
        for live, shadow in zip(LIVE, shadows.tables, strict=True):
            spatial.swap_shadow(conn, live, shadow)
        locked = time.perf_counter() - t0
    return SwapReport(changed, search, settled, taken, indexed, locked)
