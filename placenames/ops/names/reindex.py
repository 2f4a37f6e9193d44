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

How the keys are written (``mode``): ``rows`` writes the changed names' keys rows
(``place_keys``) and syllable-index rows one by one, each only if it still holds what was read;
``rebuild`` writes every name's into shadow tables and swaps them in at the end
(:mod:`.rebuild`), several times less work for the database when most names change; ``auto``
(the default) chooses from a random sample of the register. Either way, a change of a record's
own fields is written row by row, as follows.

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

import gc
import multiprocessing
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
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

from ... import spatial
from ...models import Alias, HistoryRow, Jurisdiction, Place, PlaceKeys, PlaceSyllable
from ...models.audit import history_rows
from ...models.base import utcnow
from ...models.changes import record_bulk
from ...models.name_keys import DIVISION_COLUMNS, KEY_COLUMNS, jurisdiction_derived
from ...models.search import SearchEntry, entry_rows
from ...naming.derived import COLUMNS, derived_row
from ...naming.errors import NamingError
from . import rebuild
from .batch_tables import fill as _fill
from .batch_tables import temp as _temp

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
    keys: Table | None = None  # where its matching keys are kept, when not in ``table``
    key_columns: tuple[str, ...] = ()  # the derived columns kept in ``keys``

    @property
    def own(self) -> tuple[str, ...]:
        """The derived columns kept in the record's own row."""
        return tuple(c for c in self.derived if c not in self.key_columns)

    def stored(self, column: str) -> Column[Any]:
        """The stored column of a derived value."""
        table = self.keys if column in self.key_columns and self.keys is not None else self.table
        return table.c[column]


PLACE_DERIVED = COLUMNS  # 专名, 通名, romanization, then the keys
assert PLACE_DERIVED[3:] == KEY_COLUMNS
PLACES = Target("name", "names 地名", Place.__table__, "cls",  # type: ignore[arg-type]
                PLACE_DERIVED, ("specific", "generic", "romanization"), "place", True, True,
                PlaceKeys.__table__, KEY_COLUMNS)  # type: ignore[arg-type]
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
    rebuilt: rebuild.SwapReport | None = None  # the names' keys and index were rebuilt


# ---- the engine --------------------------------------------------------------------------

Derived = tuple[tuple[str | None, ...], tuple[str, ...]]
Computed = list[tuple[Any, Derived]]


ENGINE_SETTINGS = ("SPATIALITE_LIBRARY", "SQLITE_BUSY_TIMEOUT_MS", "DB_POOL_PRE_PING",
                   "LEXICON_DIR")
"""The app settings a worker process needs to open the database and read names as the app
does."""


def _place_values(name: str, cls: str, reading: str | None) -> Derived:
    row, terms, _keys = derived_row(name, cls, reading)
    return row, terms


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

def _temp_rows(target: Target) -> Table:
    """Where a batch's changed rows are copied, for one UPDATE … FROM."""
    return _temp(f"reindex_{target.table.name}",
                 Column("id", Uuid, primary_key=True), Column("version", Integer),
                 Column("name", String), Column("kind", String), Column("reading", String),
                 Column("bump", Integer), Column("syl", Integer), Column("search", Integer),
                 Column("code", String), Column("rec", Integer), Column("keyed", Integer),
                 *(Column(c, String) for c in target.derived),
                 *(Column(f"old_{c}", String) for c in (*target.key_columns, "division_code")
                   if target.keys is not None))


def _temp_dropped() -> Table:
    """Where a batch's syllable-index rows to delete are copied."""
    return _temp("reindex_dropped_syllables", Column("place_id", Uuid),
                 Column("syllable", String))


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
    record: bool  # derived values kept in the record's own row changed
    keys: tuple[str | None, ...] | None  # the stored keys and their division code, as read,
    # when the keys (kept apart) are to be written; () when the record has no keys row yet
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
              dry_run: bool = False, check_index: bool = False,
              shadows: rebuild.Shadows | None = None) -> BatchResult:
    """Recompute the rows of ``target`` in ``(lo, hi]`` and write the changed ones; with
    ``shadows`` (a rebuild), every row's keys and syllable rows go to the shadow tables and
    only changes of the records' own fields are written to the live tables."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with cycles_paused():
                return _run_batch(engine, target, lo, hi, dry_run, check_index, shadows)
        except OperationalError:  # a lock timeout or deadlock: the batch wrote nothing
            if attempt == ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _run_batch(engine: Engine, target: Target, lo: Bound, hi: Bound,
               dry_run: bool, check_index: bool, shadows: rebuild.Shadows | None
               ) -> BatchResult:
    in_range = _in_range(target.table.c.name, lo, hi)
    if shadows is None:
        result, changes = _compare(engine, target, in_range, check_index)
        if changes and not dry_run:
            write_changes(engine, target, changes, result.counts)
        return result
    result, changes, every, failed = _compare_shadowed(engine, target, in_range)
    done = write_changes(engine, target, changes, result.counts, index=False) if changes \
        else []
    _load_shadows(engine, shadows, every, {c.id for c in done if c.published},
                  {c.id for c in changes}, failed)
    return result


def _load_shadows(engine: Engine, shadows: rebuild.Shadows, every: Computed,
                  bumped: set[uuid.UUID], own_changed: set[uuid.UUID],
                  failed: list[uuid.UUID]) -> None:
    """Copy the keys and syllable rows of every computed name into the shadows, each keys row
    with the version of the name it was computed from (``bumped``: names this batch gave a
    new version) and whether its own fields changed (``own_changed``); and the live rows of
    the names the engine could not read (``failed``), which keep their stored keys."""
    i_sp = PLACE_DERIVED.index("key_specific_pinyin")
    first_key = PLACE_DERIVED.index(KEY_COLUMNS[0])
    assert PLACE_DERIVED[first_key:] == KEY_COLUMNS  # (the order of ``place_keys``)
    text_ids = engine.dialect.name == "postgresql"  # COPY takes the id as it was read
    keys, syllables = [], []
    for row, (values, terms) in every:
        pid = row[0] if text_ids else uuid.UUID(row[0])
        code, sp = row[6], values[i_sp]
        # (ids are read as text, in the backend's spelling: a few are compared as UUIDs)
        me = (pid if not text_ids else uuid.UUID(pid)) if own_changed else None
        keys.append((pid, code, *values[first_key:], row[1] + (me in bumped),
                     me in own_changed))
        syllables.extend((pid, term, code, sp) for term in terms)
    with engine.begin() as conn:
        rebuild.load(conn, shadows, keys, syllables)
        rebuild.keep_live(conn, shadows, failed)


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


@contextmanager
def cycles_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a batch runs. A batch makes a few hundred
    thousand small objects (rows, the engine's values, the rows copied into the shadows),
    none in a cycle (reference counting frees them), while the process holds millions (the
    engine's lexicons and caches) that each full collection would walk again: the collector
    took a quarter of a worker's time. What a batch leaves in a cycle is collected after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _computed(target: Target, rows: Sequence[Any], counts: Counts, failures: list[Failure]
              ) -> Computed:
    """Each row (id, version, name, kind, reading, …) with the engine's values for it; a name
    that recurs in the batch is computed once; rows the engine cannot read are counted in
    ``counts`` (the first of them kept in ``failures``) and left out."""
    engine_fn = _ENGINES[target.entity]
    memo: dict[tuple[str, str, str | None], Derived | NamingError] = {}
    out: Computed = []
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
        out.append((row, got))
    return out


def compare_batch(engine: Engine, target: Target, lo: Bound, hi: Bound, *,
                  check_index: bool = False) -> tuple[BatchResult, list[Change]]:
    """Read the rows in ``(lo, hi]``, recompute them, and say which differ (writes nothing).

    The syllable-index rows are read when a row's derived values changed, or for every row
    with ``check_index``."""
    with cycles_paused():
        return _compare(engine, target, _in_range(target.table.c.name, lo, hi), check_index)


def _compare(engine: Engine, target: Target, in_range: Any, check_index: bool
             ) -> tuple[BatchResult, list[Change]]:
    """:func:`compare_batch` of the rows ``in_range``."""
    t, k = target.table, target.keys
    extra = [t.c.status, t.c.division_code] if target.syllables else []
    # ids read as text: a driver's UUID object costs more to make than the rest of the row
    cols = [sql_cast(t.c.id, String), t.c.version, t.c.name, t.c[target.kind_column], t.c.reading,
            *extra, *(target.stored(c) for c in target.derived)]
    first = 5 + len(extra)
    last = first + len(target.derived)
    source: Any = t
    if k is not None:  # and whether it has a keys row, with the division code that row carries
        cols += [k.c.place_id.is_not(None), k.c.division_code]
        source = t.outerjoin(k, k.c.place_id == t.c.id)
    with _reading(engine) as conn:
        rows = conn.execute(select(*cols).select_from(source).where(in_range)).all()
    counts = Counts(read=len(rows))
    failures: list[Failure] = []
    computed = [(row, got) for row, got in _computed(target, rows, counts, failures)
                if check_index or tuple(row[first:last]) != got[0] or (
                    k is not None and (not row[last] or row[last + 1] != row[6]))]
    i_own = [target.derived.index(c) for c in target.own]
    i_pinyin = target.derived.index("key_pinyin")
    i_sp = target.derived.index("key_specific_pinyin")
    i_spec = target.derived.index("specific")
    stored: dict[str, tuple[set[str], tuple[str, str] | None]] = {}
    if target.syllables and computed:
        # a few changed rows: theirs by id; many: the range's, in one join
        few = len(computed) * 4 < len(rows)
        stored = _stored_syllables(engine, t, in_range, [uuid.UUID(r[0]) for r, _g in computed]
                                   if few else None)
    changes: list[Change] = []
    pub = [target.derived.index(c) for c in target.published]
    i_keys = [target.derived.index(c) for c in target.key_columns]
    for row, (values, terms) in computed:
        pid, version, name, kind, reading = row[:5]
        old = tuple(row[first:last])
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
        record = any(old[i] != values[i] for i in i_own)
        keys: tuple[str | None, ...] | None = None
        if k is not None:
            if not row[last]:
                keys = ()
            elif row[last + 1] != row[6] or any(old[i] != values[i] for i in i_keys) or (
                    not record and (drop or add or respell)):
                # (index rows alone: the keys row is rewritten as it is, the guard that the
                # name is still as it was read)
                keys = (*(old[i] for i in i_keys), row[last + 1])
        if not record and keys is None and not drop and not add and not respell:
            continue
        published = any(old[i] != values[i] for i in pub)
        # its reading changed: its search entries are rebuilt (keys never computed: no)
        search = target.search and old[i_pinyin] is not None and (
            old[i_pinyin] != values[i_pinyin] or old[i_spec] != values[i_spec])
        changes.append(Change(uuid.UUID(pid), version, name, kind, reading, status, code,
                              values, record, keys, drop, add, respell, published, search))
    counts.changed = len(changes)
    return BatchResult(target.entity, counts, failures), changes


def _compare_shadowed(engine: Engine, target: Target, in_range: Any
                      ) -> tuple[BatchResult, list[Change], Computed, list[uuid.UUID]]:
    """A rebuild's batch: the rows ``in_range`` of the record's own table only (their keys
    and index rows are all written anew, into the shadows), each with the engine's values,
    and as changes the rows whose own fields changed. Those are written to the live record
    with their search entries, not to the live keys, which the shadows replace; whether the
    other names' readings changed is known when the shadows are compared with the live keys
    (:func:`rebuild.finish`). Last, the ids of the rows the engine could not read."""
    t = target.table
    own = target.own
    cols = [sql_cast(t.c.id, String), t.c.version, t.c.name, t.c[target.kind_column], t.c.reading,
            t.c.status, t.c.division_code, *(t.c[c] for c in own)]
    with _reading(engine) as conn:
        rows = conn.execute(select(*cols).where(in_range)).all()
    counts = Counts(read=len(rows))
    failures: list[Failure] = []
    every = _computed(target, rows, counts, failures)
    i_own = [target.derived.index(c) for c in own]
    pub = {target.derived.index(c) for c in target.published}
    changes = []
    for row, (values, _terms) in every:
        differ = [i for n, i in enumerate(i_own) if row[7 + n] != values[i]]
        if differ:
            changes.append(Change(uuid.UUID(row[0]), row[1], row[2], row[3], row[4], row[5],
                                  row[6], values, True, None, (), (), False,
                                  any(i in pub for i in differ), target.search))
    counts.changed = len(changes)
    failed: list[uuid.UUID] = []
    if counts.failed:
        computed = {row[0] for row, _got in every}
        failed = [uuid.UUID(row[0]) for row in rows if row[0] not in computed]
    return BatchResult(target.entity, counts, failures), changes, every, failed


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


def write_changes(engine: Engine, target: Target, changes: list[Change], counts: Counts, *,
                  index: bool = True) -> list[Change]:
    """Write ``changes`` in one transaction, each only if its row is still as it was read:
    the record's own row by its version, name, class and reading; a keys row kept apart by
    the keys it held when read (a row an editor rewrote meanwhile is left as the write hooks
    made it). Without ``index`` (a rebuild, whose shadows replace them), not the keys and
    syllable-index rows. Returns the changes written."""
    p, k, tmp = target.table, target.keys, _temp_rows(target)
    now = utcnow()
    with Session(engine) as session:
        conn = session.connection()
        _fill(conn, tmp, [
            {"id": c.id, "version": c.version, "name": c.name, "kind": c.kind,
             "reading": c.reading, "bump": int(c.published), "syl": int(c.respell),
             "search": int(c.search), "code": c.division_code, "rec": int(c.record),
             "keyed": int(bool(c.keys)),
             **dict(zip(target.derived, c.values, strict=True)),
             **(dict(zip((f"old_{n}" for n in (*target.key_columns, "division_code")),
                         c.keys or (None,) * (len(target.key_columns) + 1), strict=True))
                if k is not None else {})}
            for c in changes])
        gone: set[uuid.UUID] = set()
        if any(c.record for c in changes):
            set_values: dict[str, Any] = {c: tmp.c[c] for c in target.own}
            set_values["version"] = p.c.version + tmp.c.bump
            set_values["updated_at"] = case(
                (tmp.c.bump == 1, bindparam("now", now, type_=p.c.updated_at.type)),
                else_=p.c.updated_at)
            stmt = (update(p).values(set_values)
                    .where(p.c.id == tmp.c.id, tmp.c.rec == 1, p.c.version == tmp.c.version,
                           p.c.name == tmp.c.name, p.c[target.kind_column] == tmp.c.kind,
                           p.c.reading.is_not_distinct_from(tmp.c.reading))
                    .returning(p.c.id))
            written = set(conn.execute(stmt).scalars())
            gone |= {c.id for c in changes if c.record and c.id not in written}
            _forget(conn, tmp, gone)
        if k is not None and index:
            gone |= _write_keys(conn, target, tmp, [c for c in changes if c.id not in gone])
        done = [c for c in changes if c.id not in gone]
        if target.syllables and index:
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
    return done


def _forget(conn: Any, tmp: Table, ids: Collection[uuid.UUID]) -> None:
    """Take rows an editor wrote meanwhile out of the batch's table (the hooks kept them)."""
    ordered = list(ids)
    for start in range(0, len(ordered), 500):
        conn.execute(delete(tmp).where(tmp.c.id.in_(ordered[start:start + 500])))


def _write_keys(conn: Any, target: Target, tmp: Table, changes: Sequence[Change]
                ) -> set[uuid.UUID]:
    """Write the keys rows of ``changes``: each row still holding the keys read (and its
    division code) gets the engine's and the record's; a missing row is inserted. Returns
    the ids of rows that held other keys (rewritten meanwhile by the write hooks)."""
    k = target.keys
    assert k is not None
    keyed = [c for c in changes if c.keys]
    gone: set[uuid.UUID] = set()
    if keyed:
        same = [k.c[n].is_not_distinct_from(tmp.c[f"old_{n}"])
                for n in (*target.key_columns, "division_code")]
        stmt = (update(k).values({**{n: tmp.c[n] for n in target.key_columns},
                                  "division_code": tmp.c.code})
                .where(k.c.place_id == tmp.c.id, tmp.c.keyed == 1, *same)
                .returning(k.c.place_id))
        written = set(conn.execute(stmt).scalars())
        gone = {c.id for c in keyed if c.id not in written}
        _forget(conn, tmp, gone)
    spatial.bulk_insert_rows(conn, k, [
        {"place_id": c.id, "division_code": c.division_code,
         **{n: c.values[target.derived.index(n)] for n in target.key_columns}}
        for c in changes if c.keys == ()])
    return gone


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
    if todo:
        _replace_entries(conn, select(tmp.c.id).where(tmp.c.search == 1),
                         [(c.id, c.name, c.reading, c.status) for c in todo])


def _replace_entries(conn: Any, ids: Any, names: Sequence[tuple[Any, str, Any, Any]]) -> None:
    """Replace the search entries of ``names`` (id, name, reading, status), whose ids ``ids``
    gives (a list or a select), by those their name, reading, aliases and status give."""
    e, a = cast(Table, SearchEntry.__table__), cast(Table, Alias.__table__)
    conn.execute(delete(e).where(e.c.place_id.in_(ids)))
    aliases: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for pid, name, kind in conn.execute(select(a.c.place_id, a.c.name, a.c.kind)
                                        .where(a.c.place_id.in_(ids))):
        aliases[pid].append((name, kind))
    spatial.bulk_insert_rows(conn, e, [
        r for pid, name, reading, status in names
        for r in entry_rows(pid, name, reading, aliases.get(pid, []), status or "")])


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
    # the lexicons and readings loaded, then set aside: the cycle collector walks them no more
    _place_values("长安路", "road", None)
    _division_values("长安区", "county", None)
    gc.collect()
    gc.freeze()


Task = tuple[str, Bound, Bound, bool, bool, bool]
"""One batch for a worker: entity, range, dry run, check index, into the rebuild's shadows."""


def _worker_task(task: Task) -> BatchResult:
    entity, lo, hi, dry_run, check_index, shadowed = task
    assert _worker_engine is not None
    shadows = rebuild.shadows_of(_worker_engine) if shadowed else None
    return run_batch(_worker_engine, _target(entity), lo, hi, dry_run=dry_run,
                     check_index=check_index, shadows=shadows)


def _target(entity: str) -> Target:
    return next(t for t in TARGETS if t.entity == entity)


def reindex(engine: Engine, *, workers: int = 2, batch: int = DEFAULT_BATCH,
            dry_run: bool = False, check_index: bool = False, mode: str = "auto",
            engine_settings: dict[str, Any] | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> Report:
    """Recompute the derived fields of every place name (and division), writing the changed
    rows batch by batch; ``workers`` processes (1: this one) each open their own connection
    to ``engine``'s database with ``engine_settings`` (the app's settings, as
    :func:`placenames.db.make_engine` takes them, and ``LEXICON_DIR``: the office's lexicons,
    which the workers load as the app does). ``check_index``: compare every name's
    syllable-index rows too, not only those of names whose keys changed.
    ``mode``: how the names' keys and syllable rows are written: ``rows`` (the changed ones,
    row by row), ``rebuild`` (all of them into shadow tables swapped in at the end, see
    :mod:`.rebuild`), or ``auto``: a rebuild when a sample of the register says that
    most names' keys change (:func:`choose_mode`); a dry run writes nothing either way.
    ``progress(entity, rows done, rows in all)`` after each batch."""
    if workers < 1 or batch < 1:
        raise ValueError("workers and batch must be at least 1")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
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
            shadows = None
            if target.keys is not None and not dry_run and \
                    choose_mode(engine, target, mode, total) == "rebuild":
                shadows = rebuild.begin(engine)
            try:
                _run_target(engine, pool, workers, target, total, batch, dry_run, check_index,
                            shadows, report, progress)
                if shadows is not None:
                    report.rebuilt = rebuild.finish(engine, shadows, workers)
                    _rebuilt_counts(engine, counts, report.rebuilt)
            except BaseException:
                if shadows is not None:
                    rebuild.give_up(engine)
                raise
            counts.seconds = time.perf_counter() - t0
            report.failed_total += counts.failed
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    report.seconds = time.perf_counter() - started
    return report


def _rebuilt_counts(engine: Engine, counts: Counts, rebuilt: rebuild.SwapReport) -> None:
    """A rebuild's counts: the names whose keys or own fields changed are changed and written
    (less those edited meanwhile, whose live rows were kept); every name computed has its
    syllable-index rows rewritten; the search entries of names whose reading changed are
    rebuilt."""
    counts.changed = rebuilt.changed
    counts.written = max(rebuilt.changed - counts.skipped, 0)
    counts.syllables = counts.read - counts.failed
    counts.search += refresh_search(engine, rebuilt.search)


def refresh_search(engine: Engine, ids: Sequence[Any]) -> int:
    """Rebuild the search entries of the names ``ids`` from their stored name, reading,
    aliases and status, a thousand at a time; how many names."""
    p = cast(Table, Place.__table__)
    for start in range(0, len(ids), 1000):
        part = list(ids[start:start + 1000])
        with engine.begin() as conn:
            names = conn.execute(select(p.c.id, p.c.name, p.c.reading, p.c.status)
                                 .where(p.c.id.in_(part))).all()
            _replace_entries(conn, part, [tuple(n) for n in names])
    return len(ids)


def _run_target(engine: Engine, pool: ProcessPoolExecutor | None, workers: int, target: Target,
                total: int, batch: int, dry_run: bool, check_index: bool,
                shadows: rebuild.Shadows | None, report: Report,
                progress: Callable[[str, int, int], None] | None) -> None:
    """Every batch of ``target`` (``total`` rows), on the pool's workers or here; counts into
    ``report``."""
    counts = report.counts[target.entity]
    ranges = plan_ranges(engine, target.table, batch)
    results: Iterator[BatchResult]
    if pool is None:
        results = (run_batch(engine, target, lo, hi, dry_run=dry_run, check_index=check_index,
                             shadows=shadows) for lo, hi in ranges)
    else:
        results = _parallel(pool, workers * 2, (
            (target.entity, lo, hi, dry_run, check_index, shadows is not None)
            for lo, hi in ranges))
    for i, result in enumerate(results, 1):
        if i % CHECKPOINT_EVERY == 0:
            spatial.checkpoint_wal(engine)
        counts.add(result.counts)
        room = MAX_FAILURES_KEPT - len(report.failures)
        report.failures.extend(result.failures[:max(room, 0)])
        if progress:
            progress(target.entity, counts.read, total)
    spatial.checkpoint_wal(engine)


MODES = ("auto", "rows", "rebuild")
REBUILD_MIN_ROWS = 100_000
"""Below this many names ``auto`` always writes row by row (a rebuild gains little)."""
REBUILD_SHARE = 0.2
"""``auto`` rebuilds when at least this share of a sample of names has keys to change."""
SAMPLE_ROWS = 2000


def choose_mode(engine: Engine, target: Target, mode: str, total: int) -> str:
    """``rows`` or ``rebuild`` for ``mode``; ``auto``: a rebuild for a register of at least
    ``REBUILD_MIN_ROWS`` names where at least ``REBUILD_SHARE`` of a random sample of them
    (``SAMPLE_ROWS``, read from random points of the id index) has stored values that are not
    the engine's: a row-by-row reindex of 1M names whose keys all change costs about three
    times a rebuild's writing (measured in ``scripts/bench names --reindex``)."""
    if mode != "auto":
        return mode
    if total < REBUILD_MIN_ROWS:
        return "rows"
    return "rebuild" if sample_share(engine, target) >= REBUILD_SHARE else "rows"


def sample_share(engine: Engine, target: Target, size: int = SAMPLE_ROWS) -> float:
    """The share of a random sample of ``target``'s rows whose stored derived values differ
    from the engine's (ids are random: the rows after a random id are a random sample)."""
    t = target.table
    seen = changed = 0
    for _ in range(max(size // 250, 1)):
        start = uuid.uuid4()
        with _reading(engine) as conn:  # the 250 ids from ``start`` on, round the end
            ids = list(conn.execute(select(t.c.id).where(t.c.id >= start).order_by(t.c.id)
                                    .limit(250)).scalars())
            ids += conn.execute(select(t.c.id).where(t.c.id < start).order_by(t.c.id)
                                .limit(250 - len(ids))).scalars()
        result, _changes = _compare(engine, target, t.c.id.in_(ids), False)
        seen += result.counts.read
        changed += result.counts.changed
    return changed / seen if seen else 0.0


def _parallel(pool: ProcessPoolExecutor, depth: int,
              tasks: Iterator[Task]) -> Iterator[BatchResult]:
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
