"""Reindex: recompute every name's derived fields from the current names engine and lexicons.

After the engine or a lexicon changes (a new word reading, a compound generic, other fuzzy
pairs), the 专名/通名, romanization, matching keys and syllable-index rows stored with each
place name, and the same fields of each division (``Jurisdiction``), are those of the old
engine. :func:`reindex` reads the register in batches (ranges of names, so that the many
places of one name are computed once), recomputes each row's derived values with the engine
functions the write hooks use (:mod:`placenames.models.name_keys`), and writes only the rows
whose values changed. Batches run in parallel on worker processes, each with its own
connection; a worker loads the office's lexicons as the app does.

Safe while the app serves:
- a batch is read, computed without any transaction open, then written in one short
  transaction of its own: a crash leaves each row either old or new, never half, and no lock
  is held longer than one batch's write;
- a row is written only if it is still as it was read (same version, name, class and
  reading): a name an editor changed meanwhile was recomputed by the write hooks and is left
  alone (counted as ``skipped``);
- idempotent: a second run finds nothing to write.

What is read: every row's name, class, reading and stored derived columns. The syllable-index
rows of a batch are read only when some row of it has derived values that changed: every write
path stores a name's keys and its syllable rows together (the flush hook, the bulk loader and
this module), so rows whose keys are the engine's have the rows those keys give. ``check_index``
(``--check-index``) reads and compares them for every row as well, for a register whose index
rows may have been touched by hand.

What a changed row gets written:
- its derived columns, when they differ; its syllable-index rows, when they differ from the
  engine's index terms (the rows of terms no longer given deleted, new ones inserted, kept
  ones given the place's 专名 pinyin and division code where they carry others);
- when a published field changed (a name's 专名, 通名 and romanization, a division's
  romanization: what the API, the open-data files and the change feed carry), the record's
  version is bumped and ``updated_at`` set, a history row is written (names; the register
  keeps none for divisions) and the change feed gets an ``update`` row (:func:`record_bulk`),
  so departments that keep a copy see the new spelling. A change of the matching keys alone is
  internal to the screen: no version, no history, no feed row;
- when its reading changed (the stored whole-name pinyin was set and differs), its search
  entries are rebuilt, as the write hooks do when a name or reading changes. A row whose keys
  were never computed keeps its search entries; ``placenames search reindex`` rebuilds them all.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    bindparam,
    case,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from ... import spatial
from ...models import Alias, HistoryRow, Jurisdiction, Place, PlaceSyllable
from ...models.audit import history_rows
from ...models.base import utcnow
from ...models.changes import record_bulk
from ...models.name_keys import DIVISION_COLUMNS, derived, jurisdiction_derived
from ...models.search import SearchEntry, entry_rows
from ...naming.errors import NamingError

DEFAULT_BATCH = 5000
MAX_FAILURES_KEPT = 50
CHECKPOINT_EVERY = 20
"""Batches between two checkpoints of SQLite's write-ahead log (which would grow otherwise)."""
ATTEMPTS = 3
"""Times a batch is tried when its write meets a lock timeout or a deadlock."""


@dataclass(frozen=True)
class Target:
    """One kind of record the reindex recomputes."""

    entity: str  # the change feed's name for it
    label: str
    table: Table
    kind_column: str  # what the engine reads besides the name: class or level
    derived: tuple[str, ...]  # the columns the engine fills, in the engine's order
    published: tuple[str, ...]  # derived columns that are part of the published record
    history: str | None  # record_history entity type, when the register keeps history
    syllables: bool  # has rows in place_syllables
    search: bool  # has rows in search_entries


PLACE_DERIVED = ("specific", "generic", "romanization", "key_pinyin", "key_specific_pinyin",
                 "key_fuzzy", "key_specific", "key_initials", "key_core")
PLACES = Target("name", "names 地名", Place.__table__, "cls",  # type: ignore[arg-type]
                PLACE_DERIVED, ("specific", "generic", "romanization"), "place", True, True)
JURISDICTIONS = Target("jurisdiction", "divisions 行政区划",
                       Jurisdiction.__table__,  # type: ignore[arg-type]
                       "level", DIVISION_COLUMNS, ("romanization",), None, False, False)
"""A division publishes its romanization (the API, open data, the feed), not its 专名/通名."""
TARGETS: tuple[Target, ...] = (PLACES, JURISDICTIONS)


@dataclass
class Counts:
    """What one run (or one batch) did to one kind of record.

    ``read`` rows read; ``changed`` rows whose derived values differ from the engine's;
    ``written`` rows written (``changed`` less ``skipped``, 0 in a dry run); ``published``
    written rows whose published fields changed (one history and one feed row each);
    ``syllables`` written rows whose syllable-index rows were replaced; ``search`` written rows
    whose search entries were rebuilt; ``skipped`` changed rows an editor wrote meanwhile;
    ``failed`` rows the engine could not read (a stale reading override…), left as they are.
    """

    read: int = 0
    changed: int = 0
    written: int = 0
    published: int = 0
    syllables: int = 0
    search: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0

    def add(self, other: Counts) -> None:
        """Add ``other``'s counts to these (not the time)."""
        for name in ("read", "changed", "written", "published", "syllables", "search",
                     "skipped", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Failure:
    """A row the engine refused, with the engine's message."""

    entity: str
    id: str
    name: str
    message: str


@dataclass
class BatchResult:
    """What one batch did (returned by the worker processes)."""

    entity: str
    counts: Counts
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Report:
    """What :func:`reindex` did, per kind of record."""

    counts: dict[str, Counts]
    failures: list[Failure]
    failed_total: int
    dry_run: bool
    seconds: float


# ---- the engine --------------------------------------------------------------------------

Derived = tuple[tuple[str | None, ...], tuple[str, ...]]


ENGINE_SETTINGS = ("SPATIALITE_LIBRARY", "SQLITE_BUSY_TIMEOUT_MS", "DB_POOL_PRE_PING",
                   "LEXICON_DIR")
"""The app settings a worker process needs to open the database and read names as the app
does."""


def _place_values(name: str, cls: str, reading: str | None) -> Derived:
    values, syllables = derived(name, cls, reading)
    return tuple(values[c] for c in PLACE_DERIVED), syllables


def _division_values(name: str, level: str, reading: str | None) -> Derived:
    values = jurisdiction_derived(name, level, reading)
    return tuple(values[c] for c in DIVISION_COLUMNS), ()


_ENGINES: dict[str, Callable[[str, str, str | None], Derived]] = {
    "name": _place_values, "jurisdiction": _division_values}


# ---- planning ------------------------------------------------------------------------------

Bound = str | None  # a name, or None for the open end


def plan_ranges(engine: Engine, table: Table, batch: int) -> Iterator[tuple[Bound, Bound]]:
    """Ranges ``(lo, hi]`` of names holding about ``batch`` rows each; ``None`` is an open
    end. By name, so that a name that recurs (人民路 in every county) is read in one batch and
    computed once. Read from the name's index, one short statement a range."""
    key = table.c.name
    lo: Bound = None
    with spatial.read_only(engine).connect() as conn:
        while True:
            stmt = select(key).order_by(key).offset(batch - 1).limit(1)
            if lo is not None:
                stmt = stmt.where(key > lo)
            hi = conn.execute(stmt).scalar()
            conn.rollback()  # no snapshot held between ranges
            if hi is None:
                yield lo, None
                return
            yield lo, hi
            lo = hi


def _in_range(column: Any, lo: Bound, hi: Bound) -> Any:
    parts = []
    if lo is not None:
        parts.append(column > lo)
    if hi is not None:
        parts.append(column <= hi)
    return and_(*parts) if parts else column.is_not(None)


# ---- one batch -----------------------------------------------------------------------------

_temp_meta = MetaData()


def _temp(name: str, *cols: Column[Any]) -> Table:
    """A per-connection table that each batch fills (PostgreSQL empties it at each commit)."""
    if name in _temp_meta.tables:
        return _temp_meta.tables[name]
    return Table(name, _temp_meta, *cols, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DELETE ROWS")


def _temp_rows(target: Target) -> Table:
    """Where a batch's changed rows are copied, for one UPDATE … FROM."""
    return _temp(f"reindex_{target.table.name}",
                 Column("id", Uuid, primary_key=True), Column("version", Integer),
                 Column("name", String), Column("kind", String), Column("reading", String),
                 Column("bump", Integer), Column("syl", Integer), Column("search", Integer),
                 Column("code", String), *(Column(c, String) for c in target.derived))


def _temp_dropped() -> Table:
    """Where a batch's syllable-index rows to delete are copied."""
    return _temp("reindex_dropped_syllables", Column("place_id", Uuid),
                 Column("syllable", String))


def _fill(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Create ``table`` on this connection if needed, empty it, copy ``rows`` in."""
    conn.execute(CreateTable(table, if_not_exists=True))
    if conn.dialect.name != "postgresql":  # PostgreSQL empties it at each commit
        conn.execute(delete(table))
    spatial.bulk_insert_rows(conn, table, rows)


@dataclass
class Change:
    """A row whose stored derived values differ from the engine's, as it was read."""

    id: uuid.UUID
    version: int
    name: str
    kind: str
    reading: str | None
    status: str | None
    division_code: str | None
    values: tuple[str | None, ...]
    drop: tuple[str, ...]  # stored index terms the engine no longer gives
    add: tuple[str, ...]  # index terms the engine gives that are not stored
    respell: bool  # kept rows carry another 专名 pinyin or division code than the place's
    published: bool  # a published field changed: a new version, history and feed rows
    search: bool  # its reading changed: its search entries are rebuilt

    @property
    def syllables(self) -> bool:
        """Its syllable-index rows change."""
        return bool(self.drop or self.add or self.respell)


def run_batch(engine: Engine, target: Target, lo: Bound, hi: Bound, *,
              dry_run: bool = False, check_index: bool = False) -> BatchResult:
    """Recompute the rows of ``target`` in ``(lo, hi]`` and write the changed ones."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _run_batch(engine, target, lo, hi, dry_run, check_index)
        except OperationalError:  # a lock timeout or deadlock: the batch wrote nothing
            if attempt == ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _run_batch(engine: Engine, target: Target, lo: Bound, hi: Bound,
               dry_run: bool, check_index: bool) -> BatchResult:
    result, changes = compare_batch(engine, target, lo, hi, check_index=check_index)
    if changes and not dry_run:
        write_changes(engine, target, changes, result.counts)
    return result


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A connection for a batch's reads, rolled back after: deferred on SQLite (no write
    lock); on PostgreSQL one transaction whose SET LOCAL keeps the planner from adding
    parallel workers of its own (the reindex's workers are the parallelism)."""
    reader = spatial.read_only(engine) if engine.dialect.name == "sqlite" else engine
    with reader.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        yield conn
        conn.rollback()


def compare_batch(engine: Engine, target: Target, lo: Bound, hi: Bound, *,
                  check_index: bool = False) -> tuple[BatchResult, list[Change]]:
    """Read the rows in ``(lo, hi]``, recompute them, and say which differ (writes nothing).

    The syllable-index rows are read when a row's derived values changed, or for every row
    with ``check_index``."""
    t = target.table
    extra = [t.c.status, t.c.division_code] if target.syllables else []
    # ids read as text: a driver's UUID object costs more to make than the rest of the row
    cols = [sql_cast(t.c.id, String), t.c.version, t.c.name, t.c[target.kind_column], t.c.reading,
            *extra, *(t.c[c] for c in target.derived)]
    first = 5 + len(extra)
    in_range = _in_range(t.c.name, lo, hi)
    with _reading(engine) as conn:
        rows = conn.execute(select(*cols).where(in_range)).all()
    counts = Counts(read=len(rows))
    failures: list[Failure] = []
    engine_fn = _ENGINES[target.entity]
    memo: dict[tuple[str, str, str | None], Derived | NamingError] = {}
    computed: list[tuple[Any, Derived]] = []
    for row in rows:
        name, kind, reading = row[2:5]
        got = memo.get((name, kind, reading))
        if got is None:
            try:
                got = engine_fn(name, kind, reading)
            except NamingError as exc:
                got = exc
            memo[(name, kind, reading)] = got
        if isinstance(got, NamingError):
            counts.failed += 1
            if len(failures) < MAX_FAILURES_KEPT:
                failures.append(Failure(target.entity, row[0], name, got.message_en))
            continue
        if check_index or tuple(row[first:]) != got[0]:
            computed.append((row, got))
    stored: dict[str, tuple[set[str], tuple[str, str] | None]] = {}
    if target.syllables and computed:
        # a few changed rows: theirs by id; many: the range's, in one join
        few = len(computed) * 4 < len(rows)
        stored = _stored_syllables(engine, t, in_range, [uuid.UUID(r[0]) for r, _g in computed]
                                   if few else None)
    changes: list[Change] = []
    pub = [target.derived.index(c) for c in target.published]
    i_pinyin = target.derived.index("key_pinyin")
    i_sp = target.derived.index("key_specific_pinyin")
    i_spec = target.derived.index("specific")
    for row, (values, terms) in computed:
        pid, version, name, kind, reading = row[:5]
        old = tuple(row[first:])
        status = code = None
        drop: tuple[str, ...] = ()
        add: tuple[str, ...] = ()
        respell = False
        if target.syllables:
            status, code = row[5], row[6]
            have, carried = stored.get(pid, (set(), None))
            if have != set(terms):
                drop = tuple(have - set(terms))
                add = tuple(t for t in terms if t not in have)
            # the rows carry the division code and the 专名 pinyin of their place
            respell = bool(have & set(terms)) and carried != (code or "", values[i_sp] or "")
        if old == values and not drop and not add and not respell:
            continue
        published = any(old[i] != values[i] for i in pub)
        search = target.search and old[i_pinyin] is not None and (
            old[i_pinyin] != values[i_pinyin] or old[i_spec] != values[i_spec])
        changes.append(Change(uuid.UUID(pid), version, name, kind, reading, status, code,
                              values, drop, add, respell, published, search))
    counts.changed = len(changes)
    return BatchResult(target.entity, counts, failures), changes


def _stored_syllables(engine: Engine, t: Table, in_range: Any, ids: list[uuid.UUID] | None
                      ) -> dict[str, tuple[set[str], tuple[str, str] | None]]:
    """The syllable-index rows of the places in range (or of the places ``ids``), one entry a
    place: its terms, and the division code and 专名 pinyin they carry when they all carry the
    same."""
    s = PlaceSyllable.__table__
    code_of = func.coalesce(s.c.division_code, "")
    sp_of = func.coalesce(s.c.specific_pinyin, "")
    stored: dict[str, tuple[set[str], tuple[str, str] | None]] = {}
    with _reading(engine) as conn:
        stmt = select(sql_cast(s.c.place_id, String), func.aggregate_strings(s.c.syllable, " "),
                      func.min(code_of), func.max(code_of), func.min(sp_of), func.max(sp_of))
        stmt = stmt.join(t, t.c.id == s.c.place_id).where(in_range) if ids is None else \
            stmt.where(s.c.place_id.in_(ids))
        for pid, terms, code_lo, code_hi, sp_lo, sp_hi in conn.execute(
                stmt.group_by(s.c.place_id)).all():
            same = code_lo == code_hi and sp_lo == sp_hi
            stored[pid] = (set(terms.split(" ")), (code_lo, sp_lo) if same else None)
    return stored


def write_changes(engine: Engine, target: Target, changes: list[Change], counts: Counts
                  ) -> None:
    """Write ``changes`` in one transaction, each only if its row is still as it was read."""
    p, tmp = target.table, _temp_rows(target)
    now = utcnow()
    with Session(engine) as session:
        conn = session.connection()
        _fill(conn, tmp, [
            {"id": c.id, "version": c.version, "name": c.name, "kind": c.kind,
             "reading": c.reading, "bump": int(c.published), "syl": int(c.respell),
             "search": int(c.search), "code": c.division_code,
             **dict(zip(target.derived, c.values, strict=True))}
            for c in changes])
        set_values: dict[str, Any] = {c: tmp.c[c] for c in target.derived}
        set_values["version"] = p.c.version + tmp.c.bump
        set_values["updated_at"] = case(
            (tmp.c.bump == 1, bindparam("now", now, type_=p.c.updated_at.type)),
            else_=p.c.updated_at)
        stmt = (update(p).values(set_values)
                .where(p.c.id == tmp.c.id, p.c.version == tmp.c.version,
                       p.c.name == tmp.c.name, p.c[target.kind_column] == tmp.c.kind,
                       p.c.reading.is_not_distinct_from(tmp.c.reading))
                .returning(p.c.id))
        written = set(conn.execute(stmt).scalars())
        done = [c for c in changes if c.id in written]
        gone = [c.id for c in changes if c.id not in written]
        for start in range(0, len(gone), 500):  # edited meanwhile: the hooks kept them
            conn.execute(delete(tmp).where(tmp.c.id.in_(gone[start:start + 500])))
        if target.syllables:
            _write_syllables(conn, tmp, done)
        if target.search:
            _write_search(conn, tmp, done)
        published = [c for c in done if c.published]
        if published:
            _publish(session, target, tmp, published, now)
        session.commit()
    counts.written = len(done)
    counts.skipped = len(gone)
    counts.published = len(published)
    counts.syllables = sum(c.syllables for c in done)
    counts.search = sum(c.search for c in done)


def _write_syllables(conn: Any, tmp: Table, done: Sequence[Change]) -> None:
    """Bring the syllable-index rows of ``done`` in step: the terms no longer given deleted,
    the 专名 pinyin and division code of the kept ones set, the new ones inserted. Rows left
    as they are cost nothing, and an UPDATE of a kept row needs no foreign-key check, as an
    INSERT does."""
    s = cast(Table, PlaceSyllable.__table__)
    dropped = [{"place_id": c.id, "syllable": t} for c in done for t in c.drop]
    if dropped:
        gone = _temp_dropped()
        _fill(conn, gone, dropped)
        conn.execute(delete(s).where(tuple_(s.c.place_id, s.c.syllable).in_(
            select(gone.c.place_id, gone.c.syllable))))
    if any(c.respell for c in done):
        conn.execute(update(s).values(specific_pinyin=tmp.c.key_specific_pinyin,
                                      division_code=tmp.c.code)
                     .where(s.c.place_id == tmp.c.id, tmp.c.syl == 1))
    i_sp = PLACE_DERIVED.index("key_specific_pinyin")
    spatial.bulk_insert_rows(conn, s, [
        {"place_id": c.id, "syllable": term, "division_code": c.division_code,
         "specific_pinyin": c.values[i_sp]} for c in done for term in c.add])


def _write_search(conn: Any, tmp: Table, done: Sequence[Change]) -> None:
    todo = [c for c in done if c.search]
    if not todo:
        return
    e, a = cast(Table, SearchEntry.__table__), cast(Table, Alias.__table__)
    ids = select(tmp.c.id).where(tmp.c.search == 1)
    conn.execute(delete(e).where(e.c.place_id.in_(ids)))
    aliases: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for pid, name, kind in conn.execute(select(a.c.place_id, a.c.name, a.c.kind)
                                        .where(a.c.place_id.in_(ids))):
        aliases[pid].append((name, kind))
    rows = [r for c in todo
            for r in entry_rows(c.id, c.name, c.reading, aliases.get(c.id, []), c.status or "")]
    spatial.bulk_insert_rows(conn, e, rows)


def _publish(session: Session, target: Target, tmp: Table, published: Sequence[Change],
             now: datetime) -> None:
    """History rows (the record as it now is) and change-feed rows for published changes."""
    conn = session.connection()
    p = target.table
    if target.history:
        ids = select(tmp.c.id).where(tmp.c.bump == 1)
        records = [dict(r._mapping) for r in conn.execute(select(p).where(p.c.id.in_(ids)))]
        spatial.bulk_insert_rows(conn, HistoryRow.__table__,  # type: ignore[arg-type]
                                 history_rows(target.history, records, now, action="update"))
    record_bulk(session, target.entity, ((c.id, "update", c.version + 1) for c in published))


# ---- the run -------------------------------------------------------------------------------

_worker_engine: Engine | None = None


def _worker_init(url: str, settings: dict[str, Any]) -> None:
    """Open the database and load the office's lexicons as the app does (``LEXICON_DIR``)."""
    global _worker_engine
    from ...db import make_engine, office_lexicons

    office_lexicons(settings.get("LEXICON_DIR"))
    _worker_engine = make_engine(url, settings)


def _worker_task(task: tuple[str, Bound, Bound, bool, bool]) -> BatchResult:
    entity, lo, hi, dry_run, check_index = task
    assert _worker_engine is not None
    return run_batch(_worker_engine, _target(entity), lo, hi, dry_run=dry_run,
                     check_index=check_index)


def _target(entity: str) -> Target:
    return next(t for t in TARGETS if t.entity == entity)


def reindex(engine: Engine, *, workers: int = 2, batch: int = DEFAULT_BATCH,
            dry_run: bool = False, check_index: bool = False,
            engine_settings: dict[str, Any] | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> Report:
    """Recompute the derived fields of every place name (and division), writing the changed
    rows batch by batch; ``workers`` processes (1: this one) each open their own connection
    to ``engine``'s database with ``engine_settings`` (the app's settings, as
    :func:`placenames.db.make_engine` takes them, and ``LEXICON_DIR``: the office's lexicons,
    which the workers load as the app does). ``check_index``: compare every name's
    syllable-index rows too, not only those of names whose keys changed.
    ``progress(entity, rows done, rows in all)`` after each batch."""
    if workers < 1 or batch < 1:
        raise ValueError("workers and batch must be at least 1")
    started = time.perf_counter()
    report = Report({}, [], 0, dry_run, 0.0)
    totals = {t.entity: _count(engine, t.table) for t in TARGETS}
    workers = min(workers, max(-(-n // batch) for n in totals.values()))  # batches to share
    pool = None
    if workers > 1:
        url = engine.url.render_as_string(hide_password=False)
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init,
            initargs=(url, engine_settings or {}))
    try:
        for target in TARGETS:
            t0 = time.perf_counter()
            total = totals[target.entity]
            counts = report.counts[target.entity] = Counts()
            ranges = plan_ranges(engine, target.table, batch)
            results: Iterator[BatchResult]
            if pool is None:
                results = (run_batch(engine, target, lo, hi, dry_run=dry_run,
                                     check_index=check_index) for lo, hi in ranges)
            else:
                results = _parallel(pool, workers * 2, (
                    (target.entity, lo, hi, dry_run, check_index) for lo, hi in ranges))
            for i, result in enumerate(results, 1):
                if i % CHECKPOINT_EVERY == 0:
                    spatial.checkpoint_wal(engine)
                counts.add(result.counts)
                room = MAX_FAILURES_KEPT - len(report.failures)
                report.failures.extend(result.failures[:max(room, 0)])
                if progress:
                    progress(target.entity, counts.read, total)
            spatial.checkpoint_wal(engine)
            counts.seconds = time.perf_counter() - t0
            report.failed_total += counts.failed
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    report.seconds = time.perf_counter() - started
    return report


def _parallel(pool: ProcessPoolExecutor, depth: int,
              tasks: Iterator[tuple[str, Bound, Bound, bool, bool]]) -> Iterator[BatchResult]:
    """Results of ``tasks`` in the order they finish, with at most ``depth`` in flight (the
    ranges are planned as the work goes)."""
    running: set[Future[BatchResult]] = set()
    for task in tasks:
        running.add(pool.submit(_worker_task, task))
        if len(running) >= depth:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)
    while running:
        done, running = wait(running, return_when=FIRST_COMPLETED)
        yield from (f.result() for f in done)


def _count(engine: Engine, table: Table) -> int:
    with spatial.read_only(engine).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
