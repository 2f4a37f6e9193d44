"""The duplicate and homophone screen against the database, on both backends."""

import csv
import json
from collections import defaultdict

import pytest
from cli_builders import run_cli
from pypinyin import lazy_pinyin
from sqlalchemy import select

from placenames.errors import BadInput, NotFound
from placenames.models import Jurisdiction, Place, PlaceSyllable
from placenames.ops.demo import loader as demo
from placenames.ops.names.screen import screen
from placenames.ops.registry.places import PlaceInput, create_place


@pytest.fixture
def demo_session(session):
    demo.load(session)
    session.commit()
    return session


def township(session, code):
    return session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def kinds(result):
    return {(h.name, h.kind) for h in result.hits}


def test_built_up_area_scope_crosses_the_xian_xianyang_line(demo_session):
    # 钓台街道 is in Xianyang (秦都区); 建章路 lies in 建章路街道 of Xi'an (未央区)
    result = screen(demo_session, "建章街", "street", area_code="610402008")
    assert ("建章路", "same_specific") in kinds(result)
    assert result.scope.label_zh == "西咸新区建成区" and result.verdict == "block"


def test_outside_the_scope_only_names_within_the_radius_count(demo_session):
    s = demo_session
    shaanxi = township(s, "610112002").parent.parent.parent
    baoji = Jurisdiction(code="6103", name="宝鸡市", level="city", parent=shaanxi)
    county = Jurisdiction(code="610302", name="渭滨区", level="county", parent=baoji)
    town = Jurisdiction(code="610302001", name="经二路街道", level="township", parent=county)
    s.add_all([baoji, county, town])
    s.commit()
    far = screen(s, "建章路", "road", area_code="610302001", near=(107.14, 34.36))
    assert "建章路" not in {h.name for h in far.hits}  # another city, no built-up area shared
    assert far.scope.label_en == "the city"
    # a point by the scope's border: names within the radius count across it
    close = screen(s, "建章路", "road", area_code="610302001", near=(108.845, 34.27))
    hit = next(h for h in close.hits if h.name == "建章路")
    assert hit.kind == "exact" and 0 < hit.distance_m < 2000


def test_homophone_near_homophone_and_reuse_of_a_cancelled_name(demo_session):
    s = demo_session
    area = township(s, "610112002")
    create_place(s, PlaceInput(name="兴隆路", cls="road", status="cancelled", jurisdiction=area))
    s.commit()
    assert ("兴隆路", "reuse") in kinds(screen(s, "兴隆路", "road", area_code="610112002"))
    assert ("建章路", "homophone") in kinds(screen(s, "剑章路", "road", area_code="610112002"))
    # z/zh and an/ang folded: 见赞 jian zan ~ 建章 jian zhang
    assert ("建章路", "near_homophone") in kinds(screen(s, "见赞路", "road",
                                                          area_code="610112002"))


def test_a_renamed_name_gets_new_keys_and_syllables(demo_session):
    s = demo_session
    road = s.scalar(select(Place).where(Place.name == "康定路"))
    road.name = "泰和路"
    s.commit()
    assert road.match_keys.key_specific_pinyin == "taihe" and road.romanization == "Taihe Lu"
    syllables = set(s.scalars(select(PlaceSyllable.syllable)
                              .where(PlaceSyllable.place_id == road.id)))
    assert syllables == {"tai", "fe", "^t5"}  # folded h → f; head term: t + 5 letters
    assert ("泰和路", "exact") in kinds(screen(s, "泰和路", "road", area_code="610402009"))
    assert "康定路" not in {h.name for h in screen(s, "康定路", "road",
                                                   area_code="610402009").hits}


def _shaanxi_townships(shared_data):
    path = shared_data / "admin_divisions" / "nbs2022_streets.csv"
    with path.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["provinceCode"] == "61"]


def test_real_shaanxi_townships_duplicates_and_homophones_within_the_province(session,
                                                                             shared_data):
    rows = _shaanxi_townships(shared_data)
    province = Jurisdiction(code="61", name="陕西省", level="province")
    session.add(province)
    counties = {}
    for r in rows:
        if r["areaCode"] not in counties:
            counties[r["areaCode"]] = Jurisdiction(code=r["areaCode"], name=r["areaCode"],
                                                   level="county", parent=province)
    session.add_all(counties.values())
    for r in rows:
        create_place(session, PlaceInput(name=r["name"], cls="township",
                                         jurisdiction=counties[r["areaCode"]]))
    session.commit()
    by_name = defaultdict(set)
    by_sound = defaultdict(set)
    for r in rows:
        by_name[r["name"]].add(r["areaCode"])
        by_sound["".join(lazy_pinyin(r["name"]))].add(r["name"])
    duplicated = sorted(n for n, areas in by_name.items() if len(areas) > 1)
    homophones = sorted(names for names in by_sound.values() if len(names) > 1)
    assert len(duplicated) > 20 and homophones  # the real list has both
    for name in duplicated[:25]:
        area = sorted(by_name[name])[0]
        result = screen(session, name, "township", area_code=area)
        exact = {h.jurisdiction_code for h in result.hits if h.kind == "exact"}
        assert exact == by_name[name], name  # every same-named township in the province
    for names in homophones[:15]:
        first, *others = sorted(names)
        area = next(r["areaCode"] for r in rows if r["name"] == first)
        found = {h.name for h in screen(session, first, "township", area_code=area).hits}
        assert set(others) <= found, (first, others)


@pytest.mark.parametrize("name", ["", "x" * 500, "abc", "长安路😀", "长安\x00路", "长安 ＬＵ",
                                  "\u202e路"])
def test_bad_names_get_a_clear_error_not_a_crash(demo_session, name):
    with pytest.raises(BadInput):
        screen(demo_session, name, "road", area_code="610112002")


def test_unknown_class_and_area_are_clear_errors(demo_session):
    with pytest.raises(BadInput, match="unknown class"):
        screen(demo_session, "长安路", "spaceport", area_code="610112002")
    with pytest.raises(NotFound, match="unknown division code"):
        screen(demo_session, "长安路", "road", area_code="999999")


def test_api_check_returns_romanization_findings_and_hits(client, demo_session):
    body = client.get("/api/v1/names/check",
                      query_string={"name": "剑章路", "class": "road", "area": "610112002",
                                    "near": "108.836,34.27"}).get_json()
    assert body["romanization"] == "Jianzhang Lu" and body["verdict"] == "warn"
    hit = next(h for h in body["hits"] if h["name"] == "建章路")
    assert hit["kind"] == "homophone" and hit["jurisdiction"] == "建章路街道"
    assert hit["distance_m"] < 200 and hit["reason_en"]
    for bad in ({"name": "剑章路"}, {"name": "😀", "class": "road"},
                {"name": "剑章路", "class": "road", "near": "east"},
                {"name": "剑章路", "class": "road", "area": "nowhere"}):
        r = client.get("/api/v1/names/check", query_string=bad)
        assert 400 <= r.status_code < 500 and r.get_json()["error"]


def test_cli_check_name_exit_codes(demo_session, cli_env):
    demo_session.rollback()

    def run(*args):
        return run_cli(cli_env, "check-name", *args)

    assert run("秦岭路", "--class", "road", "--area", "610112002").returncode == 0
    assert run("剑章路", "--class", "road", "--area", "610112002").returncode == 1
    blocked = run("建章路", "--class", "road", "--area", "610112002", "--json")
    assert blocked.returncode == 2
    assert json.loads(blocked.stdout)["hits"][0]["kind"] == "exact"
    bad = run("建章路", "--class", "road", "--near", "north")
    assert bad.returncode == 64 and "LON,LAT" in bad.stderr
    assert run("建章路").returncode != 0  # --class missing: click's usage error


def test_a_stored_reading_override_drives_romanization_keys_and_the_screen(demo_session,
                                                                           cli_env):
    s = demo_session
    area = township(s, "610404007")
    create_place(s, PlaceInput(name="栎阳路", cls="road", jurisdiction=area))
    s.commit()
    s.rollback()

    def run(*args):
        return run_cli(cli_env, *args)

    bad = run("set-reading", "栎阳路", "yue yang")  # two syllables for three characters
    assert bad.returncode == 64 and bad.stderr
    ok = run("set-reading", "栎阳路", "li yang lu")
    assert ok.returncode == 0 and "Liyang Lu" in ok.stdout
    s.expire_all()
    place = s.scalar(select(Place).where(Place.name == "栎阳路"))
    assert place.reading == "li yang lu" and place.match_keys.key_specific_pinyin == "liyang"
    s.rollback()
    assert ("栎阳路", "homophone") in kinds(screen(s, "立阳路", "road", area_code="610404007"))


def test_an_ambiguous_split_still_finds_the_same_name_body(demo_session):
    s = demo_session
    create_place(s, PlaceInput(name="庆大路", cls="road", jurisdiction=township(s, "610112002")))
    s.commit()
    # 庆大街 splits as 庆 + 大街, 庆大路 as 庆大 + 路: the same body all the same
    assert ("庆大路", "same_specific") in kinds(screen(s, "庆大街", "street",
                                                          area_code="610112002"))


def test_directional_variants_of_names_that_begin_with_a_direction(demo_session):
    s = demo_session
    create_place(s, PlaceInput(name="西大福小区", cls="residential",
                               jurisdiction=township(s, "610112002")))
    s.commit()
    assert ("西大福小区", "directional") in kinds(screen(s, "新西大福小区", "residential",
                                                            area_code="610112002"))


def test_the_office_lexicon_folder_is_used_by_the_screen(db_url, tmp_path):
    from placenames import create_app

    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "lexicon_enterprises.txt").write_text("# office additions\n沣华\n", encoding="utf-8")
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "LEXICON_DIR": str(folder),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    body = app.test_client().get("/api/v1/names/check",
                                 query_string={"name": "沣华路", "class": "road"}).get_json()
    app.extensions["placenames.engine"].dispose()
    assert body["verdict"] == "block"
    assert any("沣华" in f["message_zh"] for f in body["findings"] if f["severity"] == "block")


def test_a_division_name_is_compared_with_division_names_not_with_roads(demo_session):
    """建章路街道 is named after 建章路: a proposed township name is screened against the
    townships of the province (divisions, and township names kept as places, such as a
    plan's reserved ones), not against every road or building sharing its 专名."""
    s = demo_session
    town = township(s, "610112012")
    assert "建章路" in {h.name for h in screen(s, "建章路东街", "street",
                                            area_code="610112012").hits}
    result = screen(s, "建章街道", "township", area_code="610112012")
    assert not {h.name for h in result.hits} & {"建章路", "建章路东街"}
    create_place(s, PlaceInput("建章镇", "township", jurisdiction=town))  # kept as a place
    s.flush()
    found = {(h.name, h.record) for h in screen(s, "建章街道", "township",
                                                area_code="610112012").hits}
    assert ("建章镇", "place") in found
    # and a similar spelling among them (the classes' names are scored, not the index)
    assert "建章镇" in {h.name for h in screen(s, "剑章街道", "township",
                                            area_code="610112012").hits}
