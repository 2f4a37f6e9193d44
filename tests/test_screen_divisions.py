"""Division names are screened (条例 art. 9), on the real NBS 2022 lists.

Once per module: every province, city and county of China, and every township of Shaanxi
(1,335, through the command ``placenames import divisions``) are imported into one database;
each test reads it and rolls its own writes back. The expectations are computed here from the
CSV files, not by the product's code.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select, text

from placenames import create_app
from placenames.cli import main
from placenames.db import make_engine
from placenames.models import Base, Jurisdiction
from placenames.models.name_keys import jurisdiction_derived
from placenames.naming import name_keys
from placenames.naming.generics import division_class
from placenames.ops.names import screen as screen_ops
from placenames.ops.registry import divisions

pytestmark = pytest.mark.db  # the PostGIS pass runs it too

PROVINCE = "61"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _truncate(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="module")
def world(shared_data, _template, tmp_path_factory):
    """The imported register: its app, the CLI environment, the import's outputs and times."""
    admin = shared_data / "admin_divisions"
    tmp = tmp_path_factory.mktemp("divisions")
    if _template.startswith("postgresql"):
        url = _template
        _truncate(url)
    else:
        shutil.copyfile(_template, tmp / "register.db")
        url = f"sqlite:///{tmp / 'register.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True,
                      "INSTANCE_PATH": str(tmp / "instance")})
    streets = [r for r in _rows(admin / "nbs2022_streets.csv") if r["provinceCode"] == PROVINCE]
    streets_csv = tmp / "streets61.csv"
    with streets_csv.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(streets[0]))
        writer.writeheader()
        writer.writerows(streets)
    t0 = time.perf_counter()
    s = app.extensions["placenames.sessionmaker"]()
    upper = [divisions.import_csv(s, admin / f"nbs2022_{n}.csv")
             for n in ("provinces", "cities", "areas")]
    s.commit()
    s.close()
    t1 = time.perf_counter()
    cli = invoke(app, "import", "divisions", str(streets_csv), "--all-collisions")
    t2 = time.perf_counter()
    print(f"\nimport: provinces, cities, counties {t1 - t0:.1f} s; Shaanxi's townships "
          f"through the CLI {t2 - t1:.1f} s")
    yield SimpleNamespace(app=app, url=url, admin=admin, streets=streets,
                          areas=_rows(admin / "nbs2022_areas.csv"), counties_report=upper[2],
                          cli=cli)
    app.extensions["placenames.engine"].dispose()
    if url.startswith("postgresql"):
        _truncate(url)


@pytest.fixture
def s(world):
    session = world.app.extensions["placenames.sessionmaker"]()
    yield session
    session.rollback()
    session.close()


def _id(s, code):
    return str(s.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)))


def _division_hits(result):
    return {h.code: h for h in result.hits if h.record == "division"}


def invoke(app, *args):
    """``placenames ARGS`` in this process, on ``app``; no traceback allowed."""
    result = CliRunner().invoke(main, list(args), obj=app)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    return result


# --- the class of a division ------------------------------------------------------------------

@pytest.mark.parametrize(("level", "name", "cls"), [
    ("province", "陕西省", "province"), ("city", "西安市", "city"),
    ("city", "海北藏族自治州", "prefecture"), ("city", "阿克苏地区", "prefecture"),
    ("city", "锡林郭勒盟", "prefecture"), ("county", "长安区", "county"),
    ("township", "太华路街道", "township"), ("village", "王村", "village"),
    ("village", "建章社区", "community"), ("village", "东街居委会", "community"),
    ("management", "沣东新城", "county"), ("management", "西咸新区", "county"),
])
def test_the_class_of_a_division_comes_from_its_level_and_generic(level, name, cls):
    assert division_class(level, name) == cls


# --- keys --------------------------------------------------------------------------------------

def test_every_imported_division_carries_the_keys_a_place_would(world, s):
    rows = s.execute(select(Jurisdiction.name, Jurisdiction.level, Jurisdiction.key_specific,
                            Jurisdiction.key_specific_pinyin, Jurisdiction.romanization)
                     .where(Jurisdiction.code.startswith(PROVINCE))).all()
    assert len(rows) == 1 + 10 + 107 + 1335
    for name, level, specific, pinyin, spelled in rows:
        keys = name_keys(name, division_class(level, name))
        assert (specific, pinyin) == (keys.specific, keys.specific_pinyin), name
        assert spelled
    # a statistical grouping is no name: no keys, never screened
    grouping = s.scalar(select(Jurisdiction).where(Jurisdiction.code == "1101"))
    assert grouping.name == "市辖区" and grouping.key_specific is None


def test_a_division_written_through_the_orm_gets_the_same_keys_and_a_rename_renews_them(s):
    county = s.scalar(select(Jurisdiction).where(Jurisdiction.code == "610102"))
    new = Jurisdiction(code="610102999", name="太华路街道", level="township", parent=county)
    s.add(new)
    s.flush()
    imported = s.scalar(select(Jurisdiction).where(Jurisdiction.code == "610102007"))
    for column in ("specific", "generic", "romanization", "key_pinyin", "key_specific_pinyin",
                   "key_fuzzy", "key_specific", "key_initials", "key_core"):
        assert getattr(new, column) == getattr(imported, column), column
    assert jurisdiction_derived("太华路街道", "township", None)["key_specific"] == \
        new.key_specific
    new.name = "华清街道"
    s.flush()
    assert new.key_specific == "华清" and new.romanization != imported.romanization


# --- townships within the province ------------------------------------------------------------

def test_every_township_name_duplicated_in_shaanxi_is_found_by_the_screen(world, s):
    by_name = defaultdict(list)
    for r in world.streets:
        by_name[r["name"]].append(r)
    duplicated = {n: rs for n, rs in by_name.items() if len(rs) > 1}
    assert len(duplicated) >= 40  # the data hold 50 (城关街道 ×18…)
    t0 = time.perf_counter()
    for name, rows in duplicated.items():
        first, others = rows[0], rows[1:]
        result = screen_ops.screen(s, name, "township", area_code=first["areaCode"],
                                   exclude_id=_id(s, first["code"]))
        hits = _division_hits(result)
        assert first["code"] not in hits, name  # not its own duplicate
        for other in others:
            hit = hits.get(other["code"])
            assert hit is not None, (name, other["code"])
            assert (hit.kind, hit.severity, hit.level) == ("exact", "block", "township")
        assert result.verdict == "block"
    per_screen = (time.perf_counter() - t0) / len(duplicated)
    assert per_screen < 0.5


def test_taihualu_proposed_in_xincheng_is_blocked_by_both_through_the_cli(world):
    r = invoke(world.app, "check-name", "太华路街道", "--class", "township", "--area", "610102")
    assert r.exit_code == 2, r.output  # blocked
    line = next(x for x in r.stdout.splitlines() if "610582001" in x)
    assert "exact" in line and "township" in line and "华阴市" in line
    assert "610102007" in r.stdout
    r = invoke(world.app, "check-name", "太华路街道", "--class", "township", "--area", "610102",
               "--json")
    body = json.loads(r.stdout)
    hits = {h["code"]: h for h in body["hits"] if h["record"] == "division"}
    assert set(hits) == {"610582001", "610102007"}
    assert hits["610582001"]["level"] == "township" and hits["610582001"]["kind"] == "exact"
    assert hits["610582001"]["jurisdiction"] == "华阴市"  # where it lies
    assert body["verdict"] == "block"


def test_the_division_screened_as_itself_meets_only_the_other(world, s):
    result = screen_ops.screen(s, "太华路街道", "township", area_code="610102",
                               exclude_id=_id(s, "610102007"))
    assert set(_division_hits(result)) == {"610582001"}


def test_a_township_that_sounds_like_another_in_the_province_warns(world, s):
    assert "泰华路街道" not in {r["name"] for r in world.streets}
    result = screen_ops.screen(s, "泰华路街道", "township", area_code="610102")
    hits = _division_hits(result)
    assert {hits[c].kind for c in ("610582001", "610102007")} == {"homophone"}
    assert {hits[c].severity for c in ("610582001", "610102007")} == {"warn"}
    assert result.verdict == "warn"


def test_a_township_of_another_province_is_outside_the_scope(world, s):
    county = s.scalar(select(Jurisdiction).where(Jurisdiction.code == "140105"))  # 太原 小店区
    s.add(Jurisdiction(code="140105999", name="太华路街道", level="township", parent=county))
    s.flush()
    result = screen_ops.screen(s, "太华路街道", "township", area_code="610102")
    assert "140105999" not in _division_hits(result)
    result = screen_ops.screen(s, "太华路街道", "township", area_code="140105")
    assert set(_division_hits(result)) == {"140105999"}


def test_an_abolished_division_blocks_reuse_of_its_name(world, s):
    county = s.scalar(select(Jurisdiction).where(Jurisdiction.code == "610102"))
    s.add(Jurisdiction(code="610102998", name="旧城街道", level="township", parent=county,
                       status="abolished"))
    s.flush()
    hit = _division_hits(screen_ops.screen(s, "旧城街道", "township",
                                           area_code="610103"))["610102998"]
    assert (hit.kind, hit.severity, hit.status) == ("reuse", "block", "cancelled")


# --- villages within the county, county level and above nationwide ---------------------------

def test_villages_and_communities_are_screened_within_the_county(world, s):
    def village(code, name, parent):
        j = Jurisdiction(code=code, name=name, level="village",
                         parent=s.scalar(select(Jurisdiction).where(Jurisdiction.code == parent)))
        s.add(j)
        return j

    village("610102007001", "王家村", "610102007")
    village("610102007002", "建章社区", "610102007")
    village("610582001001", "王家村", "610582001")  # another county
    s.flush()
    result = screen_ops.screen(s, "王家村", "village", area_code="610102001")
    assert set(_division_hits(result)) == {"610102007001"}
    assert result.verdict == "block"
    result = screen_ops.screen(s, "建章社区", "community", area_code="610102")
    assert set(_division_hits(result)) == {"610102007002"}
    # a township is no village: the village scope does not look at townships
    assert not _division_hits(screen_ops.screen(s, "太华路街道", "village",
                                                area_code="610102"))


def test_every_county_name_held_twice_in_china_is_found_nationwide(world, s):
    by_name = defaultdict(list)
    for r in world.areas:
        by_name[r["name"]].append(r["code"])
    duplicated = {n: codes for n, codes in by_name.items() if len(codes) > 1}
    assert len(by_name["鼓楼区"]) == 4 and len(duplicated) >= 25
    for name, codes in duplicated.items():
        result = screen_ops.screen(s, name, "county", area_code=codes[0],
                                   exclude_id=_id(s, codes[0]))
        hits = _division_hits(result)
        assert set(codes[1:]) <= set(hits), name
        assert {hits[c].kind for c in codes[1:]} == {"exact"}
    # a new county named 鼓楼区 in Shaanxi meets all four, in four provinces
    result = screen_ops.screen(s, "鼓楼区", "county", area_code="6101")
    assert {c[:2] for c in _division_hits(result)} == {"32", "35", "41"}
    # county level and above: a city's name counts too (吉林省 / 吉林市)
    kinds = {h.code: h.kind for h in screen_ops.screen(s, "吉林区", "county").hits}
    assert kinds["2202"] == "same_specific" and kinds["22"] == "same_specific"


def test_a_road_proposal_runs_no_division_query_and_meets_no_division(world, s):
    statements = []
    engine = s.get_bind()

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = screen_ops.screen(s, "太华路", "road", area_code="610102")
        scope = screen_ops.resolve_scope(s, "road", None)
        keys = name_keys("太华路街道", "road")
        bulk = screen_ops.screen_many(s, [screen_ops.Proposal("太华路街道", "road", keys,
                                                              "610102", scope)])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not _division_hits(result) and bulk == [[]]
    # the division queries: divisions of some levels, with their parent's code
    assert statements and not [st for st in statements
                               if "jurisdictions.level IN" in st or "AS parent" in st]


def test_screen_many_sees_divisions_in_their_scope(world, s):
    province = screen_ops.resolve_scope(
        s, "township", s.scalar(select(Jurisdiction).where(Jurisdiction.code == "610102")))
    proposals = [
        screen_ops.Proposal("太华路街道", "township", name_keys("太华路街道", "township"),
                            "610102", province, frozenset({_id(s, "610102007")})),
        screen_ops.Proposal("鼓楼区", "county", name_keys("鼓楼区", "county"), None,
                            screen_ops.resolve_scope(s, "county", None)),
    ]
    township, county = screen_ops.screen_many(s, proposals)
    assert {h.code for h in township if h.record == "division"} == {"610582001"}
    assert {h.code for h in county if h.kind == "exact"} == \
        {"320106", "320302", "350102", "410204"}


# --- the import's report -----------------------------------------------------------------------

def test_the_import_completes_and_lists_the_collisions_among_its_names(world, s):
    out = world.cli.stdout
    assert world.cli.exit_code == 0, world.cli.output
    assert "township: 1335 inserted, 0 updated, 0 unchanged" in out
    count = s.scalar(select(func.count()).select_from(Jurisdiction)
                     .where(Jurisdiction.level == "township"))
    assert count == 1335
    names = defaultdict(int)
    for r in world.streets:
        names[r["name"]] += 1
    exact = sum(n > 1 for n in names.values())
    assert f"{exact} exact," in out  # one group per name held by several townships
    line = next(x for x in out.splitlines() if "太华路街道 ×2" in x)
    assert "exact" in line and "610102007" in line and "610582001" in line
    city = next(x for x in out.splitlines() if "城关街道 ×" in x)
    assert f"城关街道 ×{names['城关街道']}" in city
    assert any("homophone" in x for x in out.splitlines())


def test_the_counties_report_names_the_nationwide_duplicates(world):
    report = world.counties_report.collisions
    gulou = next(c for c in report.collisions if c.label == "鼓楼区 ×4")
    assert gulou.kind == "exact" and gulou.scope_en == "nationwide"
    assert report.count("exact") >= 25


def test_a_rename_by_reimport_is_reported_against_the_province(world, s, tmp_path):
    path = tmp_path / "rename.csv"
    path.write_text("code,name,areaCode,provinceCode,cityCode\n"
                    "610102007,青年路街道,610102,61,6101\n", encoding="utf-8")
    result = divisions.import_csv(s, path)
    assert (result.inserted, result.updated) == (0, 1)
    group = next(c for c in result.collisions.collisions if c.label.startswith("青年路街道"))
    assert "610102007" in {code for code, _n in group.members} and group.kind == "exact"
