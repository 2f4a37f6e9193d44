"""The names engine's lexicon: sources, word-level readings, the office's additions."""

from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from placenames.naming import lexicon
from placenames.naming.errors import NameInputError
from placenames.naming.generics import split_name
from placenames.naming.readings import reading_of, segments
from placenames.naming.romanize import romanize
from placenames.naming.rules import check_name


def _data_lines(fname: str) -> list[list[str]]:
    text = resources.files("placenames.naming").joinpath("data", fname).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(("fname", "columns"), [
    ("readings.tsv", 3), ("generics.tsv", 4), ("words.tsv", 3),
    ("romanization_exceptions.tsv", 4),
])
def test_every_entry_has_a_source(fname: str, columns: int) -> None:
    rows = _data_lines(fname)
    assert rows
    missing = [row[0] for row in rows if len(row) < columns or not row[columns - 1].strip()]
    assert not missing, f"entries of {fname} without a source: {missing}"
    keys = [row[0] for row in rows]
    assert len(keys) == len(set(keys)), "an entry is listed twice"


def test_packaged_lexicon_loads() -> None:
    lx = lexicon.default()
    assert lx.readings["长安"] == ("chang2", "an1")
    assert lx.own_names["六合"] == ("lu4", "he2")
    assert lx.generics["回族区"].breaks == (2,)
    assert "碑林" in lx.words and "秦汉新城" in lx.areas
    assert lx.exceptions["陕西"].scope == "everywhere"
    assert lx.source_of("readings", "长") and lx.source_of("generics", "林区")


@pytest.mark.parametrize(("name", "syllables"), [
    ("六合区", "lu he qu"), ("六合窑巷", "liu he yao xiang"),      # a place's own name
    ("华山路", "hua shan lu"), ("中华山路", "zhong hua shan lu"),
    ("长沣路", "chang feng lu"), ("成长路", "cheng zhang lu"),      # 长 by the word
    ("成都路", "cheng du lu"), ("全都路", "quan dou lu"),          # 都 by the word
    ("单县", "shan xian"), ("单村", "dan cun"),                    # 单县 is the county's own
    ("江西乐平工业园", "jiang xi le ping gong ye yuan"),            # 江西|乐平, not 西乐
    ("林甸县长青林场", "lin dian xian chang qing lin chang"),      # no 县长 across 林甸县|长青
])
def test_readings_do_not_leak(name: str, syllables: str) -> None:
    """One name's reading never leaks into another: each stretch is read as the word it is in
    this name."""
    assert " ".join(reading_of(name)) == syllables


def test_segments_name_their_evidence() -> None:
    kinds = {seg.text: seg.kind for seg in segments("六合区")}
    assert kinds == {"六合": "own_name", "区": "generic"}
    kinds = {seg.text: seg.kind for seg in segments("长沣路")}
    assert kinds["长"] == "char_lexicon" and kinds["沣"] == "char"
    assert {seg.text: seg.kind for seg in segments("张家堡")}["家堡"] == "lexicon"


def test_split_only_where_the_rest_is_a_word() -> None:
    assert split_name("碑林区") == ("碑林", "区")
    assert split_name("北林区") == ("北林", "区")       # one character before 林区: a word
    assert split_name("神农架林区") == ("神农架", "林区")
    assert split_name("矿区") == ("矿", "区")
    assert split_name("宁夏回族自治区") == ("宁夏", "回族自治区")
    assert split_name("修文西小巷") == ("修文", "西小巷")


def _office(tmp_path: Path) -> Path:
    (tmp_path / "readings.tsv").write_text(
        "# office readings\n"
        "大王\tdai4 wang5\t鄠邑区地名志 (office)\n"
        "!家堡\n", "utf-8")
    (tmp_path / "generics.tsv").write_text(
        "港务区\tcounty\tgang3 wu4 qu1\t西安国际港务区 (office)\n", "utf-8")
    (tmp_path / "words.tsv").write_text(
        "沣惠\tword\t沣惠南路 (office)\n"
        "能源金贸区\tarea\t西咸新区能源金贸区 (office)\n", "utf-8")
    (tmp_path / "romanization_exceptions.tsv").write_text(
        "西咸\tXixian\tplace\toffice decision\n", "utf-8")
    return tmp_path


def test_office_lexicon_folder(tmp_path: Path) -> None:
    folder = _office(tmp_path)
    assert reading_of("大王街道") == ["da", "wang", "jie", "dao"]
    assert romanize("张家堡") == "Zhangjiabu"
    assert romanize("国际港务区") == "Guojigangwu Qu"
    with lexicon.using(folder) as lx:
        assert lx.directory == folder
        assert lx.source_of("readings", "大王") == "鄠邑区地名志 (office)"
        assert reading_of("大王街道") == ["dai", "wang", "jie", "dao"]
        assert romanize("张家堡") == "Zhangjiabao"          # the office dropped 家堡 bǔ
        assert romanize("国际港务区") == "Guoji Gangwuqu"    # the office's compound generic
        assert romanize("能源金贸区管委会") == "Nengyuanjinmao Qu Guanweihui"
    # back to the packaged lexicon, caches included
    assert reading_of("大王街道") == ["da", "wang", "jie", "dao"]
    assert romanize("张家堡") == "Zhangjiabu"


@pytest.mark.parametrize(("fname", "line"), [
    ("readings.tsv", "大王\tdai4 wang5\n"),                # no source
    ("readings.tsv", "大王\tdai wang\toffice\n"),          # no tones
    ("readings.tsv", "大王\tdai4\toffice\n"),              # one syllable for two characters
    ("generics.tsv", "港务区\tharbour\tgang3 wu4 qu1\toffice\n"),   # unknown class
    ("words.tsv", "沣惠\tplace\toffice\n"),                # unknown kind
    ("romanization_exceptions.tsv", "西咸\tXixian\tsomewhere\toffice\n"),
])
def test_office_lexicon_errors(tmp_path: Path, fname: str, line: str) -> None:
    (tmp_path / fname).write_text(line, "utf-8")
    with pytest.raises(NameInputError) as err:
        lexicon.load(tmp_path)
    assert err.value.code == "bad_lexicon_entry"
    assert fname in err.value.message_en and err.value.message_zh


def test_app_installs_the_office_lexicon(tmp_path: Path) -> None:
    from placenames.db import office_lexicons
    from placenames.errors import BadInput

    try:
        office_lexicons(str(_office(tmp_path)))
        assert lexicon.active().directory == tmp_path
        assert reading_of("大王街道")[0] == "dai"
        (tmp_path / "words.tsv").write_text("沣惠\n", "utf-8")
        with pytest.raises(BadInput, match="words.tsv"):
            office_lexicons(str(tmp_path))
    finally:
        office_lexicons(None)
    assert lexicon.active() is lexicon.default()


def test_cli_romanize_styles_and_office_folder(tmp_path: Path) -> None:
    from placenames.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["romanize", "--style", "pinyin", "呼和浩特市", "陕西省"])
    assert result.exit_code == 0, result.output
    assert result.output.split("\n")[:2] == ["Huhehaote Shi", "Shanxi Sheng"]
    try:
        result = runner.invoke(main, ["romanize", "大王街道"],
                               env={"PLACENAMES_LEXICON_DIR": str(_office(tmp_path))})
        assert result.exit_code == 0 and result.output.strip() == "Daiwang Jiedao"
        result = runner.invoke(main, ["romanize", "大王街道"],
                               env={"PLACENAMES_LEXICON_DIR": str(tmp_path / "missing")})
        assert result.exit_code != 0 and "PLACENAMES_LEXICON_DIR" in result.output
    finally:
        lexicon.install(None)


def test_polyphone_notice_evidence() -> None:
    found = [f for f in check_name("六合窑巷", "lane") if f.code == "polyphone"]
    assert len(found) == 1
    detail = found[0].detail
    assert detail["char"] == "六" and detail["readings"] == ["liu", "lu"]
    assert detail["word"] == "六合" and detail["reason"] == "own_name"
    assert "六合" in found[0].message_zh and "Confirm" in found[0].message_en
