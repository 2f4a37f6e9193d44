"""`placenames reindex --mode rebuild`: every name's keys and syllable rows are written into
shadow tables and swapped in; the result is what a row-by-row reindex leaves, names written
meanwhile keep what the write hooks gave them, a failed run leaves the live tables as they
were, and the schema is the migrations' after the swap."""

import uuid

import pytest
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from test_reindex import NAMES, cli, make_register, make_stale, state

from placenames import migrate, spatial
from placenames.models import Jurisdiction, Place, PlaceKeys, PlaceSyllable
from placenames.models.name_keys import derived
from placenames.ops.names import rebuild
from placenames.ops.names import reindex as rx
from placenames.ops.registry.places import PlaceInput, create_place


@pytest.fixture
def register(session):
    return make_register(session)


def shadow_tables(engine):
    return {t for t in inspect(engine).get_table_names() if t.endswith("_rebuild")}


def live_keys(session, place_id):
    session.expire_all()
    place = session.get(Place, place_id)
    keys = place.match_keys
    row = ({c: getattr(keys, c) for c in rx.KEY_COLUMNS}, keys.division_code,
           sorted((s.syllable, s.specific_pinyin, s.division_code) for s in place.syllables))
    session.rollback()
    return row


def when_indexing(monkeypatch, edit):
    """Run ``edit`` once, when the rebuild starts indexing its shadows (after the batches)."""
    shadow_indexing = spatial.shadow_indexing
    pending = [edit]

    def edit_first(*args):
        while pending:
            pending.pop()()
        return shadow_indexing(*args)

    monkeypatch.setattr(spatial, "shadow_indexing", edit_first)


def engine_keys(name, cls, code):
    values, terms = derived(name, cls, None)
    return ({c: values[c] for c in rx.KEY_COLUMNS}, code,
            sorted((t, values["key_specific_pinyin"], code) for t in terms))


def test_a_rebuild_leaves_what_a_row_by_row_reindex_leaves(register, session, engine):
    fresh = state(session)
    make_stale(session, register)
    report = rx.reindex(engine, workers=1, batch=2, mode="rebuild")
    c = report.counts["name"]
    # every name recomputed; 碑林路's and 凤鸣苑's keys and 长安大道's romanization were stale
    # (太华路's and 秦汉大道's index rows, touched by hand, are rewritten whole as well)
    assert (c.read, c.changed, c.written, c.published, c.failed) == (5, 3, 3, 1, 0)
    # 长安大道's new version, written by the batch itself, is the one its shadow row has; 凤鸣苑's
    # new reading rebuilt its search entries
    assert report.rebuilt is not None and c.search == 2
    assert (report.rebuilt.settled, report.rebuilt.taken) == (0, 0)
    places, syllables, entries, (history, feed) = state(session)
    assert syllables == fresh[1] and entries == fresh[2]
    assert (history, feed) == (fresh[3][0] + 1, fresh[3][1] + 1)
    changed = [a for a, b in zip(fresh[0], places, strict=True) if a != b]
    assert len(changed) == 1 and "长安大道" in changed[0]  # its new version alone
    assert shadow_tables(engine) == set()
    assert migrate.drift(engine) == []  # keys and indexes under the migrations' names
    if engine.dialect.name == "postgresql":  # analyzed before the swap, not under its lock
        with engine.connect() as conn:
            analyzed = conn.exec_driver_sql(
                "SELECT DISTINCT tablename FROM pg_stats WHERE tablename IN "
                "('place_keys', 'place_syllables')").scalars()
            assert sorted(analyzed) == ["place_keys", "place_syllables"]
    again = rx.reindex(engine, workers=1, batch=2, mode="rows", check_index=True)
    assert again.counts["name"].changed == 0


def test_names_written_during_a_rebuild_keep_what_the_write_hooks_gave_them(register,
                                                                            session, engine,
                                                                            monkeypatch):
    session.execute(update(PlaceKeys).values(key_fuzzy=None))  # every name's keys stale
    session.commit()
    town = session.scalar(select(Jurisdiction))
    code = town.code
    session.rollback()  # no transaction open (on SQLite, each holds the write lock)
    done = []

    def edit(_entity, _read, _total):
        if done:
            return
        # after the first batch (by name: 凤鸣苑, 太华路): one of them renamed, and a new name
        # in that batch's range
        done.append(True)
        place = session.get(Place, register["太华路"])
        place.name = "太白路"
        create_place(session, PlaceInput("丰庆路", "road", jurisdiction=town))
        session.commit()

    def rename():  # after the batches, before the swap's lock
        session.get(Place, register["碑林路"]).name = "碑石路"
        session.commit()

    when_indexing(monkeypatch, rename)
    report = rx.reindex(engine, workers=1, batch=2, mode="rebuild", progress=edit)
    assert report.rebuilt is not None
    # taken before the shadows were indexed: the new name (its range was read before it was
    # made) and the renamed one (its first reading, of an older version, is there); at the
    # swap, the name renamed while the shadows were indexed
    assert (report.rebuilt.settled, report.rebuilt.taken) == (2, 1)
    new_id = session.scalar(select(Place.id).where(Place.name == "丰庆路"))
    assert live_keys(session, register["太华路"]) == engine_keys("太白路", "road", code)
    assert live_keys(session, new_id) == engine_keys("丰庆路", "road", code)
    assert live_keys(session, register["碑林路"]) == engine_keys("碑石路", "road", code)
    for name, cls in NAMES:
        if name in ("太华路", "碑林路"):
            continue
        assert live_keys(session, register[name]) == engine_keys(name, cls, code)
    assert session.scalar(select(func.count()).select_from(PlaceKeys)) == \
        session.scalar(select(func.count()).select_from(Place)) == 6
    assert rx.reindex(engine, workers=1, batch=2, mode="rows").counts["name"].changed == 0


def test_a_name_the_engine_cannot_read_keeps_its_keys_through_a_rebuild(register, session,
                                                                        engine):
    qin = register["秦汉大道"]
    before = live_keys(session, qin)
    assert before[2]  # with its syllable-index rows
    session.execute(update(Place).where(Place.id == qin).values(reading="qin"))
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id != qin).values(key_core="x"))
    session.commit()
    report = rx.reindex(engine, workers=1, batch=2, mode="rebuild")
    assert report.failed_total == 1 and report.rebuilt is not None
    # its batch copied its live rows into the shadows: nothing was left to take
    assert (report.rebuilt.settled, report.rebuilt.taken) == (0, 0)
    assert live_keys(session, qin) == before
    assert session.scalar(select(func.count()).where(PlaceKeys.key_core == "x")) == 0


def test_a_failed_rebuild_leaves_the_live_tables_and_no_shadow(register, session, engine):
    session.execute(update(PlaceKeys).values(key_fuzzy="stale"))
    session.commit()
    before = state(session)

    def fail(_entity, _read, _total):
        raise RuntimeError("the machine went down")

    with pytest.raises(RuntimeError):
        rx.reindex(engine, workers=1, batch=2, mode="rebuild", progress=fail)
    assert state(session) == before
    assert shadow_tables(engine) == set()


def test_a_shadow_that_breaks_a_key_fails_the_rebuild_and_leaves_the_live_tables(
        register, session, engine):
    """PostgreSQL builds the shadows' indexes side by side: one that cannot be built fails
    the rebuild once the statements under way have ended; the live tables are as they were."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's shadows have their keys from the start: nothing is built")
    before = state(session)
    session.rollback()
    ids = list(register.values())
    shadows = rebuild.begin(engine)
    with engine.begin() as conn:
        rebuild.keep_live(conn, shadows, ids)
        rebuild.keep_live(conn, shadows, ids[:1])  # one name's rows twice: not unique
    with pytest.raises(IntegrityError, match="could not create unique index"):
        rebuild.finish(engine, shadows, workers=2)
    with engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND strpos(query, '_rebuild') > 0 AND pid <> pg_backend_pid()").scalar() == 0
    rebuild.give_up(engine)
    assert state(session) == before
    assert shadow_tables(engine) == set()


def test_a_shadow_row_of_no_name_fails_the_key_check_and_leaves_the_live_tables(
        register, session, engine):
    """The shadows' foreign keys are checked before the swap (with memory to hash every
    name's id): a syllable row of a name that does not exist fails the rebuild."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's shadows have their keys from the start: nothing is checked")
    before = state(session)
    session.rollback()
    shadows = rebuild.begin(engine)
    with engine.begin() as conn:
        rebuild.keep_live(conn, shadows, list(register.values()))
        rebuild.load(conn, shadows, [], [(uuid.uuid4(), "tai", "610116", "taihua")])
    with pytest.raises(IntegrityError, match="violates foreign key constraint"):
        rebuild.finish(engine, shadows, workers=2)
    rebuild.give_up(engine)
    assert state(session) == before
    assert shadow_tables(engine) == set()


def test_whole_table_reads_hash_their_joins_in_a_transaction_of_their_own(register, engine):
    """The rebuild's count of changes joins two whole tables: PostgreSQL is told to hash
    them (its planner walks both primary keys otherwise), for that transaction only."""
    one = sa_create_engine(engine.url, pool_size=1, max_overflow=0) \
        if engine.dialect.name == "postgresql" else engine
    join = select(func.count()).select_from(
        PlaceKeys.__table__.join(Place.__table__, PlaceKeys.place_id == Place.id))
    with spatial.whole_table_reads(one) as conn:
        assert conn.execute(join).scalar() == len(register)
        if one.dialect.name == "postgresql":
            assert [conn.exec_driver_sql(f"SHOW {s}").scalar() for s in (
                "enable_mergejoin", "enable_nestloop", "work_mem")] == ["off", "off", "256MB"]
            plan = "\n".join(conn.exec_driver_sql(
                f"EXPLAIN {join.compile(one, compile_kwargs={'literal_binds': True})}").scalars())
            assert "Hash Join" in plan
    if one.dialect.name == "postgresql":
        with one.connect() as conn:  # the pool's only connection, as it was
            assert conn.exec_driver_sql("SHOW enable_mergejoin").scalar() == "on"
            assert conn.exec_driver_sql("SHOW work_mem").scalar() != "256MB"
        one.dispose()


def test_auto_rebuilds_only_when_a_sample_says_most_keys_change(register, session, engine,
                                                               monkeypatch):
    monkeypatch.setattr(rx, "REBUILD_MIN_ROWS", 1)
    assert rx.choose_mode(engine, rx.PLACES, "auto", 5) == "rows"  # nothing stale
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id == register["太华路"])
                    .values(key_core="x"))
    session.commit()
    assert rx.sample_share(engine, rx.PLACES) == pytest.approx(1 / 5)
    session.execute(update(PlaceKeys).values(key_core="x"))
    session.commit()
    assert rx.sample_share(engine, rx.PLACES) == 1.0
    assert rx.choose_mode(engine, rx.PLACES, "auto", 5) == "rebuild"
    monkeypatch.setattr(rx, "REBUILD_MIN_ROWS", 6)
    assert rx.choose_mode(engine, rx.PLACES, "auto", 5) == "rows"  # a small register
    report = rx.reindex(engine, workers=1, batch=2)
    assert report.rebuilt is None and report.counts["name"].written == 5


def test_the_command_rebuilds_on_two_workers(register, session, app):
    session.execute(update(PlaceKeys).values(key_fuzzy=None))
    session.execute(update(PlaceSyllable).values(specific_pinyin=None))
    session.commit()
    done = cli(app, "reindex", "--mode", "rebuild", "--workers", "2", "--batch", "100")
    assert done.exit_code == 0, done.output
    assert "names 地名: 5 read, 5 changed, 5 written" in done.stdout
    assert "rebuilt" in done.stdout
    assert session.scalar(select(func.count()).where(PlaceKeys.key_fuzzy.is_(None))) == 0
    assert session.scalar(select(func.count()).where(
        PlaceSyllable.specific_pinyin.is_(None))) == 0
    session.rollback()
    assert shadow_tables(session.get_bind()) == set()
    bad = cli(app, "reindex", "--mode", "fast")
    assert bad.exit_code != 0 and "fast" in bad.output


def test_rebuild_shadows_are_dropped_at_the_next_start(engine):
    """A run killed midway leaves its shadows; the next one starts from empty ones."""
    shadows = rebuild.begin(engine)
    with engine.begin() as conn:
        rebuild.load(conn, shadows, [], [])
    assert shadow_tables(engine) == {"place_keys_rebuild", "place_syllables_rebuild"}
    again = rebuild.begin(engine)
    rebuild.give_up(engine)
    assert again.tables[0].name == "place_keys_rebuild" and shadow_tables(engine) == set()


def test_shadow_rows_keep_every_value_as_it_was_given(register, session, engine):
    """Rows copied into the shadows come back as they were: plain text (joined into COPY's
    format in one go on PostgreSQL), and text COPY would read otherwise (a tab, a newline, a
    backslash), NULLs; numbers and booleans (spelled by ``str`` in one go on PostgreSQL, or
    by the driver next to a NULL), and the word None as a value."""
    ids = list(register.values())[:5]
    session.rollback()  # no transaction open (on SQLite, each holds the write lock)
    awkward = ["a\tb", "c\nd", "e\\f"]
    plain = [(str(i), f"s{n}", "610102001", "xi an") for n, i in enumerate(ids[:3])]
    odd = [(str(i), f"t{n}", text, None)
           for n, (i, text) in enumerate(zip(ids[:3], awkward, strict=True))]
    keys = [(str(ids[0]), "610102001", *awkward, "碑林", None, "x", 3, True)]
    flagged = [(str(ids[1]), "610102001", "beilinlu", "beilin", "beilin", "碑林", "bl", "碑林",
                12, False),
               (str(ids[2]), "610102002", "a", "b", "c", "d", "e", "f", 1, True)]
    worded = [(str(ids[3]), "610102001", "None", "b", "c", "d", "e", "f", 2, False),
              (str(ids[4]), "610102001", "a", None, "c", "d", "e", "f", 2, True)]
    if engine.dialect.name != "postgresql":  # SQLite's bind processors take UUIDs
        plain, odd, keys, flagged, worded = ([(uuid.UUID(r[0]), *r[1:]) for r in rows]
                                             for rows in (plain, odd, keys, flagged, worded))
    shadows = rebuild.begin(engine)
    try:
        with engine.begin() as conn:
            rebuild.load(conn, shadows, keys, plain)
            rebuild.load(conn, shadows, [], odd)
            rebuild.load(conn, shadows, flagged, [])
            rebuild.load(conn, shadows, worded, [])
        with engine.connect() as conn:
            got = {tuple(str(v) if isinstance(v, uuid.UUID) else v for v in row)
                   for row in conn.execute(select(shadows.syllables))}
            got_keys = [tuple(row) for row in conn.execute(select(
                *(c for c in shadows.keys.c if c.name != "place_id")))]
    finally:
        rebuild.give_up(engine)
    assert got == {tuple(str(v) if isinstance(v, uuid.UUID) else v for v in row)
                   for row in plain + odd}
    assert sorted(got_keys, key=str) == sorted((r[1:] for r in keys + flagged + worded), key=str)


def test_a_name_read_twice_keeps_its_first_shadow_rows_until_the_catch_up(register, session,
                                                                           engine):
    """A name read by one batch, then renamed into a later range that cannot read it, is in
    the shadows twice: its live rows copied beside its first reading is no error on either
    backend (the catch-up then replaces both, the name being in the change feed)."""
    pid = register["太华路"]
    session.rollback()
    shadows = rebuild.begin(engine)
    try:
        with engine.begin() as conn:
            rebuild.keep_live(conn, shadows, [pid])
            rebuild.keep_live(conn, shadows, [pid])
        with engine.connect() as conn:
            n_keys = conn.execute(select(func.count()).select_from(shadows.keys)).scalar()
            n_syllables = conn.execute(
                select(func.count()).select_from(shadows.syllables)).scalar()
    finally:
        rebuild.give_up(engine)
    live = live_keys(session, pid)
    copies = 1 if engine.dialect.name == "sqlite" else 2
    assert (n_keys, n_syllables) == (copies, copies * len(live[2])) and live[2]


def test_a_name_written_again_while_the_shadows_are_indexed_keeps_its_last_keys(
        register, session, engine, monkeypatch):
    """Renamed during the batches (its live rows taken before indexing), then renamed again
    while the shadows are indexed: the swap takes its live rows once more, so it ends with the
    keys of its last name, not those of the first rename."""
    town = session.scalar(select(Jurisdiction))
    code = town.code
    session.rollback()
    done = []

    def edit(_entity, _read, _total):
        if not done:
            done.append(True)
            session.get(Place, register["太华路"]).name = "太白路"
            session.commit()

    def rename_again():
        session.get(Place, register["太华路"]).name = "太乙路"
        session.commit()

    when_indexing(monkeypatch, rename_again)
    report = rx.reindex(engine, workers=1, batch=2, mode="rebuild", progress=edit)
    assert report.rebuilt is not None
    assert (report.rebuilt.settled, report.rebuilt.taken) == (1, 1)
    assert live_keys(session, register["太华路"]) == engine_keys("太乙路", "road", code)
    assert rx.reindex(engine, workers=1, batch=2, mode="rows").counts["name"].changed == 0


def test_index_tasks_start_only_after_those_they_come_after():
    """The shadows' statements run side by side, each after its prerequisites; a failure
    stops what has not started and is raised once what has started has ended."""
    import threading
    import time

    log = []
    lock = threading.Lock()

    def step(name, seconds, fail=False):
        def run():
            with lock:
                log.append(("start", name))
            time.sleep(seconds)
            with lock:
                log.append(("end", name))
            if fail:
                raise RuntimeError(name)
            return name
        return run

    tasks = [rebuild._Task(step("wide", 0.3), ()), rebuild._Task(step("pk", 0.05), ()),
             rebuild._Task(step("keys", 0.05), ()), rebuild._Task(step("check", 0.01), (0, 1)),
             rebuild._Task(step("count", 0.01), (2,))]
    assert rebuild._schedule(tasks, 2) == ["wide", "pk", "keys", "check", "count"]
    at = {entry: k for k, entry in enumerate(log)}
    assert at[("start", "check")] > max(at[("end", "wide")], at[("end", "pk")])
    assert at[("start", "count")] > at[("end", "keys")]
    assert at[("start", "keys")] < at[("end", "wide")]  # side by side with the widest
    log.clear()
    failing = [rebuild._Task(step("wide", 0.2), ()), rebuild._Task(step("bad", 0.01, True), ()),
               rebuild._Task(step("later", 0.01), ()), rebuild._Task(step("after", 0.01), (0,))]
    with pytest.raises(RuntimeError, match="bad"):
        rebuild._schedule(failing, 2)
    assert ("end", "wide") in log  # what had started ended first
    assert ("start", "later") not in log and ("start", "after") not in log
