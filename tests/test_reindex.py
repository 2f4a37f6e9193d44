"""`placenames reindex`: stale derived fields of names and divisions are recomputed and only
changed rows written; a published change (romanization; a name's 专名, 通名) gets a version, a
feed row and (names) a history row; a second run writes nothing; a dry run writes nothing; a
row edited meanwhile is left to the hooks."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update

from placenames.cli import main
from placenames.models import Change, HistoryRow, Jurisdiction, Place, PlaceKeys, PlaceSyllable
from placenames.models.audit import snapshot
from placenames.models.name_keys import derived
from placenames.models.search import SearchEntry, entry_rows
from placenames.ops.names import reindex as rx
from placenames.ops.registry.places import PlaceInput, PlaceRow, bulk_insert, create_place

NAMES = [("碑林路", "road"), ("长安大道", "avenue"), ("太华路", "road"), ("凤鸣苑", "residential"),
         ("秦汉大道", "avenue")]


def run_cli(env, *args):
    return subprocess.run([sys.executable, "-m", "placenames.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def register(session):
    return make_register(session)


def make_register(session):
    """Five names in one township, 长安大道 with a location (its history snapshot has one);
    their ids by name."""
    town = Jurisdiction(code="610113001", name="小寨街道", level="township")
    session.add(town)
    for name, cls in NAMES:
        geom = "POINT (108.94 34.22)" if name == "长安大道" else None
        create_place(session, PlaceInput(name, cls, jurisdiction=town, geom_wkt=geom))
    session.commit()
    return {n: session.scalar(select(Place.id).where(Place.name == n)) for n, _c in NAMES}


def state(session):
    """Everything the reindex may write, as comparable values (not ``updated_at``, which the
    test's own Core UPDATEs set)."""
    session.expire_all()
    places = sorted(tuple(r) for r in session.execute(select(Place.__table__).with_only_columns(
        *(c for c in Place.__table__.c if c.key not in ("geom", "updated_at")))))
    places += sorted(tuple(r) for r in session.execute(select(PlaceKeys.__table__)))
    syllables = sorted(tuple(r) for r in session.execute(select(PlaceSyllable.__table__)))
    entries = sorted(tuple(r)[1:] for r in session.execute(select(SearchEntry.__table__)))
    counts = (session.scalar(select(func.count()).select_from(HistoryRow)),
              session.scalar(select(func.count()).select_from(Change)))
    session.rollback()
    return places, syllables, entries, counts


def make_stale(session, ids):
    """What an older engine would have left: wrong keys (carried by the syllable rows too), a
    wrong romanization, missing syllable rows, a syllable row too many, a wrong reading with
    its search entry."""
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id == ids["碑林路"])
                    .values(key_fuzzy="bin", key_specific_pinyin="bei"))
    session.execute(update(PlaceSyllable).where(PlaceSyllable.place_id == ids["碑林路"])
                    .values(specific_pinyin="bei"))
    session.execute(update(Place).where(Place.id == ids["长安大道"])
                    .values(romanization="Zhang'an Dadao"))
    session.execute(delete(PlaceSyllable).where(PlaceSyllable.place_id == ids["太华路"]))
    session.add(PlaceSyllable(place_id=ids["秦汉大道"], syllable="zz", division_code="610113001",
                              specific_pinyin="qinhan"))
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id == ids["凤鸣苑"])
                    .values(key_pinyin="fengmin"))
    session.execute(update(SearchEntry).where(SearchEntry.place_id == ids["凤鸣苑"])
                    .values(pinyin="fengminyuan"))
    session.commit()


def test_stale_rows_are_repaired_and_a_second_run_writes_nothing(register, session, engine):
    ids = register
    fresh = state(session)
    make_stale(session, ids)
    stale = state(session)

    # by default the index rows are compared for names whose keys changed: 太华路's missing
    # rows and 秦汉大道's extra one (keys right, index rows touched by hand) are not seen
    dry = rx.reindex(engine, workers=1, batch=2, dry_run=True)
    assert (dry.counts["name"].read, dry.counts["name"].changed) == (5, 3)
    dry = rx.reindex(engine, workers=1, batch=2, dry_run=True, check_index=True)
    assert (dry.counts["name"].read, dry.counts["name"].changed) == (5, 5)
    assert dry.counts["name"].written == 0 and state(session) == stale

    # three batches, both ends open
    report = rx.reindex(engine, workers=1, batch=2, check_index=True)
    c = report.counts["name"]
    assert (c.read, c.changed, c.written, c.published, c.syllables, c.search, c.failed) == \
        (5, 5, 5, 1, 3, 1, 0)  # syllables: 碑林路 (its 专名 pinyin), 太华路, 秦汉大道
    places, syllables, entries, (history, feed) = state(session)
    assert syllables == fresh[1] and entries == fresh[2]
    # only 长安大道 is a new version of the record, with its history and feed rows
    assert history == fresh[3][0] + 1 and feed == fresh[3][1] + 1
    changed = [(a, b) for a, b in zip(fresh[0], places, strict=True) if a != b]
    assert len(changed) == 1
    road = session.get(Place, ids["长安大道"])
    assert (road.romanization, road.version) == ("Chang'an Dadao", 2)
    assert road.updated_at > road.created_at
    values, _terms = derived("碑林路", "road", None)
    beilin = session.get(Place, ids["碑林路"])
    assert (beilin.match_keys.key_fuzzy, beilin.match_keys.key_specific_pinyin,
            beilin.version) == \
        (values["key_fuzzy"], values["key_specific_pinyin"], 1)
    row = session.scalars(select(HistoryRow).where(HistoryRow.entity_id == road.id)
                          .order_by(HistoryRow.version.desc())).first()
    assert (row.action, row.version) == ("update", 2)
    assert json.loads(row.snapshot) == json.loads(snapshot(road))  # as the hook would write
    feed_row = session.scalars(select(Change).order_by(Change.seq.desc())).first()
    assert (feed_row.entity, feed_row.entity_id, feed_row.action, feed_row.version) == \
        ("name", road.id, "update", 2)
    session.rollback()

    for check_index in (False, True):
        again = rx.reindex(engine, workers=1, batch=2, check_index=check_index)
        assert (again.counts["name"].read, again.counts["name"].changed,
                again.counts["name"].written) == (5, 0, 0)
    assert state(session) == (places, syllables, entries, (history, feed))


def test_stale_divisions_are_repaired_and_a_published_change_goes_to_the_feed(session, engine):
    county = Jurisdiction(code="610113", name="雁塔区", level="county")
    town = Jurisdiction(code="610113001", name="小寨街道", level="township", parent=county)
    session.add_all([county, town])
    session.commit()
    right = (town.romanization, county.key_fuzzy)
    assert right[0] and right[1]  # the write hook filled them
    session.execute(update(Jurisdiction).where(Jurisdiction.id == town.id)
                    .values(romanization="Xiaozhai Jie Dao"))
    session.execute(update(Jurisdiction).where(Jurisdiction.id == county.id)
                    .values(key_fuzzy="yanda"))
    session.commit()
    feed = session.scalar(select(func.count()).select_from(Change))
    history = session.scalar(select(func.count()).select_from(HistoryRow))
    session.rollback()

    dry = rx.reindex(engine, workers=1, batch=1, dry_run=True).counts["jurisdiction"]
    assert (dry.read, dry.changed, dry.written) == (2, 2, 0)
    c = rx.reindex(engine, workers=1, batch=1).counts["jurisdiction"]
    assert (c.read, c.changed, c.written, c.published, c.failed) == (2, 2, 2, 1, 0)
    session.expire_all()
    assert (town.romanization, county.key_fuzzy) == right
    assert (town.version, county.version) == (2, 1)  # the key alone is not a new version
    last = session.scalars(select(Change).order_by(Change.seq.desc())).first()
    assert (last.entity, last.entity_id, last.action, last.version) == \
        ("jurisdiction", town.id, "update", 2)
    assert session.scalar(select(func.count()).select_from(Change)) == feed + 1
    assert session.scalar(select(func.count()).select_from(HistoryRow)) == history
    session.rollback()
    assert rx.reindex(engine, workers=1, batch=1).counts["jurisdiction"].changed == 0


def test_a_row_edited_meanwhile_is_left_to_the_write_hooks(register, session, engine):
    ids = register
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id == ids["太华路"])
                    .values(key_core="x"))
    session.commit()
    result, changes = rx.compare_batch(engine, rx.PLACES, None, None)
    assert [c.id for c in changes] == [ids["太华路"]]
    place = session.get(Place, ids["太华路"])
    place.name = "太白路"  # an editor renames it before the reindex writes
    session.commit()
    rx.write_changes(engine, rx.PLACES, changes, result.counts)
    assert (result.counts.written, result.counts.skipped) == (0, 1)
    session.expire_all()
    place = session.get(Place, ids["太华路"])
    values, terms = derived("太白路", "road", None)
    assert {k: getattr(place.match_keys if k.startswith("key_") else place, k)
            for k in values} == values
    assert sorted(s.syllable for s in place.syllables) == sorted(terms)
    assert sorted(e.pinyin for e in session.scalars(
        select(SearchEntry).where(SearchEntry.place_id == place.id, SearchEntry.kind == "name"))
    ) == [r["pinyin"] for r in entry_rows(place.id, "太白路", None, [], "in_force")
          if r["kind"] == "name"]


def cli(app, *args):
    result = CliRunner().invoke(main, list(args), obj=app)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result


def test_a_name_the_engine_cannot_read_is_listed_and_the_cli_exits_65(register, session, app):
    ids = register
    session.execute(update(Place).where(Place.id == ids["秦汉大道"]).values(reading="qin"))
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id == ids["碑林路"])
                    .values(key_core="x"))
    session.commit()
    dry = cli(app, "reindex", "--dry-run")
    assert dry.exit_code == 65, dry.output
    assert "names 地名: 5 read, 1 changed, 0 written" in dry.stdout
    assert "dry run" in dry.stdout and "秦汉大道" in dry.stderr and "1 failed" in dry.stdout
    session.expire_all()
    assert session.get(Place, ids["碑林路"]).match_keys.key_core == "x"
    session.rollback()
    done = cli(app, "reindex")
    assert done.exit_code == 65, done.output
    assert "1 changed, 1 written" in done.stdout and "could not be read" in done.stderr
    session.expire_all()
    assert session.get(Place, ids["碑林路"]).match_keys.key_core == "碑林"
    assert session.get(Place, ids["秦汉大道"]).reading == "qin"  # left as it was


@pytest.mark.parametrize("args", [["--workers", "0"], ["--batch", "10"]])
def test_bad_options_exit_64(app, args):
    result = cli(app, "reindex", *args)
    assert result.exit_code == 64 and args[0] in result.stderr


def test_the_command_runs_on_two_workers_with_the_office_lexicon(session, cli_env, tmp_path):
    """The real command (``python -m placenames.cli``): the batches run on spawned worker
    processes, which read names with the office's lexicon as the app does: after the office
    adds a reading, the names it changes get their new romanization."""
    town = Jurisdiction(code="610113001", name="小寨街道", level="township")
    session.add(town)
    session.flush()
    seconds = "安宁康泰和平兴隆光明华夏丰庆吉祥瑞福昌盛荣丽"
    bulk_insert(session, (PlaceRow(f"{a}{b}路", "road", town.id, town.code)
                          for a in "东西南北中" for b in seconds))
    create_place(session, PlaceInput("大王路", "road", jurisdiction=town))
    session.commit()
    assert session.scalar(select(Place.romanization).where(Place.name == "大王路")) == \
        "Dawang Lu"
    session.execute(update(PlaceKeys).values(key_fuzzy=None))
    session.commit()
    office = tmp_path / "lexicon"
    office.mkdir()
    (office / "readings.tsv").write_text("大王\tdai4 wang5\t鄠邑区地名志 (office)\n", "utf-8")
    env = {**cli_env, "PLACENAMES_LEXICON_DIR": str(office)}
    done = run_cli(env, "reindex", "--workers", "2", "--batch", "100", "--check-index")
    assert done.returncode == 0, done.stderr
    assert "names 地名: 111 read, 111 changed, 111 written" in done.stdout
    assert "(1 published changes" in done.stdout
    session.expire_all()
    assert session.scalar(select(func.count()).where(PlaceKeys.key_fuzzy.is_(None))) == 0
    assert session.scalar(select(Place.romanization).where(Place.name == "大王路")) == \
        "Daiwang Lu"


def test_a_few_changed_names_in_a_batch_have_their_own_index_rows_read(register, session,
                                                                       engine):
    """One stale name among ten in one batch: its syllable rows are read by its id (not the
    batch's range) and repaired like the others."""
    town = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "610113001"))
    for name in ("东风路", "西风路", "南风路", "北风路", "中和路"):
        create_place(session, PlaceInput(name, "road", jurisdiction=town))
    session.commit()
    fresh = state(session)
    beilin = register["碑林路"]
    session.execute(update(PlaceKeys).where(PlaceKeys.place_id == beilin)
                    .values(key_fuzzy="bin", key_specific_pinyin="bei"))
    session.execute(update(PlaceSyllable).where(PlaceSyllable.place_id == beilin)
                    .values(specific_pinyin="bei"))
    session.commit()
    c = rx.reindex(engine, workers=1, batch=100).counts["name"]
    assert (c.read, c.changed, c.written, c.syllables) == (10, 1, 1, 1)
    assert state(session) == fresh
