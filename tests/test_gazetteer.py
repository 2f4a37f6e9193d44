"""The gazetteer (地名录·地名图册) on both backends: the demo New Area's book holds every name in
force with its romanization as text (pdftotext) and no other, in the CJK font embedded as a
subset (pdffonts), with vector maps (pdfimages), the index's page numbers pointing at the
chapters; an edition as of an earlier date holds the names the register showed in force then;
the command and the staff download, and what they say to bad input."""

import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from plate_builders import clerk, login
from sqlalchemy import select, update

from placenames.cli import main
from placenames.gazetteer.book import Entry, location_text, ordered, pinyin_key
from placenames.gazetteer.pdf import render_pdf
from placenames.models import (
    AuditEvent,
    HistoryRow,
    Jurisdiction,
    ManagementMembership,
    Place,
    PlaceStatus,
)
from placenames.ops import stories
from placenames.ops.demo import loader as demo
from placenames.ops.gazetteer.build import build
from placenames.ops.registry.places import PlaceInput, create_place
from placenames.workflow import CHINA_TZ

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

OFFICE = "西咸新区地名办"
BEFORE = date(2025, 6, 1)  # the earlier edition's date
ENTERED = datetime(2025, 1, 10, 2, 0, tzinfo=UTC)  # when the older names entered the register


def _today():
    return datetime.now(CHINA_TZ).date()


def _poppler(tool, path, *args):
    return subprocess.run([tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True, check=True).stdout


def _flat(text):
    return "".join(text.split())


def _in_force_in_xixian(session):
    """(name, romanization) of every name in force whose township the New Area manages."""
    area = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "xixian"))
    townships = select(ManagementMembership.member_id).where(
        ManagementMembership.area_id == area)
    return set(session.execute(select(Place.name, Place.romanization).where(
        Place.status == PlaceStatus.IN_FORCE, Place.jurisdiction_id.in_(townships))).all())


def _township(session, code):
    return session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def test_the_demo_gazetteer_holds_every_name_in_force_as_vector_text_in_a_subset_font(
        session, tmp_path):
    demo.load(session)
    township = _township(session, "610112002")
    for name, status in (("旧渠路", PlaceStatus.CANCELLED), ("拟名路", PlaceStatus.PROPOSED),
                         ("审中路", PlaceStatus.IN_PROCEDURE)):
        create_place(session, PlaceInput(name=name, cls="road", status=status,
                                         jurisdiction=township,
                                         geom_wkt="LINESTRING(108.85 34.27, 108.86 34.27)"))
    session.commit()
    expected = _in_force_in_xixian(session)
    assert len(expected) >= 40 and all(r for _, r in expected)

    book = build(session, "xixian", as_of=_today(), today=_today(), office=OFFICE)
    assert {(e.name, e.romanization) for c in book.chapters for e in c.entries} == expected
    path = tmp_path / "gazetteer.pdf"
    path.write_bytes(render_pdf(book))

    text = _flat(_poppler("pdftotext", path, "-enc", "UTF-8"))
    for name, romanization in expected:
        assert _flat(name) in text and _flat(romanization) in text, name
    absent = set(session.scalars(select(Place.name).where(Place.status != PlaceStatus.IN_FORCE)))
    assert {"旧渠路", "拟名路", "审中路", "长陵路", "望夷路"} <= absent  # with the plan's names
    for name in absent:
        if not any(name in n for n, _ in expected):
            assert name not in text, name
    for word in ("西咸新区地名录", "目录", "编制说明", "沣东新城", "第1章", "三桥街道（610112002）",
                 "拼音索引", "CGCS2000", "北N", "比例尺", "来历与沿革", OFFICE):
        assert _flat(word) in text, word

    fonts = [ln for ln in _poppler("pdffonts", path).splitlines()[2:] if ln.strip()]
    assert fonts and all("TrueType" in ln and ln.split()[-5:-2] == ["yes", "yes", "yes"]
                         for ln in fonts), fonts  # embedded, subset, with a Unicode map
    assert all(re.match(r"[A-Z]{6}\+", ln.split()[0]) for ln in fonts), fonts
    images = _poppler("pdfimages", path, "-list").splitlines()[2:]
    assert images == []  # the maps are paths and text, not a raster

    # the index's page numbers are the pages the chapters start on
    pages = _poppler("pdftotext", path, "-layout", "-enc", "UTF-8").split("\f")
    starts = {}
    for number, page in enumerate(pages, start=1):
        for found in re.findall(r"第\d+章\s+\S+（(\d{9}|[a-z-]+)）\s*\n", page):
            starts.setdefault(found, number)
    index_page = next(i for i, p in enumerate(pages, 1) if "按罗马字母拼写排序" in p)
    assert {c.code for c in book.chapters} <= set(starts)
    chapter_of = {e.name: c.code for c in book.chapters for e in c.entries}
    checked = 0
    for line in "\n".join(pages[index_page - 1:]).splitlines():
        m = re.match(r"\s*(\S.*?)\s{2,}(\S+)\s{2,}\S+\s{2,}\S+（(\S+)）\s+(\d+)\s*$", line)
        if m and m.group(2) in chapter_of:
            assert int(m.group(4)) == starts[m.group(3)] == starts[chapter_of[m.group(2)]], line
            checked += 1
    assert checked == len(expected)
    romanizations = [pinyin_key(r) for r in re.findall(
        r"^\s*([A-Z][A-Za-z0-9' ]+?)\s{2,}\S", "\n".join(pages[index_page - 1:]), re.M)]
    assert romanizations == sorted(romanizations) and len(romanizations) == len(expected)


def _backdate(session, place, when):
    """The register held ``place`` from ``when`` (its history rows are moved back)."""
    session.execute(update(HistoryRow).where(HistoryRow.entity_id == place.id)
                    .values(changed_at=when))


def _road(session, name, *, approved=None, meaning=None):
    return create_place(session, PlaceInput(
        name=name, cls="road", jurisdiction=_township(session, "610112012"),
        geom_wkt="LINESTRING(108.836 34.255, 108.837 34.278)", meaning=meaning,
        approving_body="西咸新区管委会", approval_date=approved))


def _names(book):
    return {e.name: e for c in book.chapters for e in c.entries}


@pytest.fixture
def history(session):
    """A register over time: names entered on 2025-01-10, one cancelled and one renamed
    today, one entered after the earlier edition's date, one approved after it, one whose
    meaning was corrected today."""
    demo.load_frame(session)
    cancelled = _road(session, "旧渠路")
    renamed = _road(session, "老街路")
    corrected = _road(session, "含光路", meaning="旧的含义")
    early_record = _road(session, "早录路", approved=date(2025, 8, 1))
    for place in (cancelled, renamed, corrected, early_record):
        _backdate(session, place, ENTERED)
    late = _road(session, "后来路", approved=date(2025, 9, 1))
    _backdate(session, late, ENTERED + timedelta(days=240))
    session.commit()

    today = _today()
    cancelled.status, cancelled.status_changed_on = PlaceStatus.CANCELLED, today
    new = _road(session, "新街路")
    new.renamed_from_id = renamed.id
    renamed.status, renamed.status_changed_on = PlaceStatus.RENAMED, today
    renamed.renamed_to_id = new.id
    corrected.meaning = "新的含义"
    session.commit()


def test_an_edition_as_of_a_date_holds_the_names_in_force_then(session, history):
    earlier = _names(build(session, "xixian", as_of=BEFORE, today=_today()))
    now = _names(build(session, "xixian", as_of=_today(), today=_today()))
    assert set(earlier) == {"旧渠路", "老街路", "含光路"}
    assert set(now) == {"新街路", "含光路", "早录路", "后来路"}
    assert earlier["含光路"].meaning == "旧的含义" and now["含光路"].meaning == "新的含义"
    assert earlier["老街路"].romanization == "Laojie Lu"
    assert earlier["含光路"].geometry["type"] == now["含光路"].geometry["type"] == "LineString"
    assert now["含光路"].geometry["coordinates"][0] == pytest.approx((108.836, 34.255))
    # the day after the earlier names entered: the renamed and cancelled ones are still in
    assert set(_names(build(session, "xixian", as_of=date(2025, 1, 10), today=_today()))) \
        == {"旧渠路", "老街路", "含光路"}
    assert _names(build(session, "xixian", as_of=date(2025, 1, 9), today=_today())) == {}


def test_the_command_prints_an_edition_or_says_why_not(app, session, history, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out" / "book.pdf"
    out.parent.mkdir()
    result = runner.invoke(main, ["gazetteer", "--area", "xixian", "--out", str(out),
                                  "--as-of", BEFORE.isoformat()], obj=app)
    assert result.exit_code == 0, result.output
    assert "3 names" in result.output and [p.name for p in out.parent.iterdir()] == ["book.pdf"]
    text = _flat(_poppler("pdftotext", out, "-enc", "UTF-8"))
    assert "旧渠路" in text and "老街路" in text and "LaojieLu" in text
    assert "新街路" not in text and "后来路" not in text and "早录路" not in text
    assert "2025年6月1日" in text

    result = runner.invoke(main, ["gazetteer", "--area", "xixian-fengdong", "--out", str(out)],
                           obj=app)
    assert result.exit_code == 0 and "4 names" in result.output, result.output
    text = _flat(_poppler("pdftotext", out, "-enc", "UTF-8"))
    assert "新街路" in text and "旧渠路" not in text and "沣东新城地名录" in text

    for args, code, said in (
            (["--area", "nowhere"], 66, "nowhere"),
            (["--area", "610112012"], 66, "xixian-fengdong"),  # a township is no area
            (["--area", "xixian", "--as-of", "2025-13-01"], 64, "YYYY-MM-DD"),
            (["--area", "xixian", "--as-of", "2999-01-01"], 64, "after today")):
        result = runner.invoke(main, ["gazetteer", *args, "--out", str(tmp_path / "x.pdf")],
                               obj=app)
        assert result.exit_code == code and said in result.output, (args, result.output)
        assert "Traceback" not in result.output and not (tmp_path / "x.pdf").exists()
    result = runner.invoke(main, ["gazetteer", "--area", "xixian", "--out",
                                  str(tmp_path / "missing" / "book.pdf")], obj=app)
    assert result.exit_code == 73 and "Cannot write" in result.output


def test_staff_download_the_gazetteer_and_others_cannot(app, client, session, history):
    url = f"/staff/gazetteer.pdf?area=xixian&as_of={BEFORE.isoformat()}"
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/staff/gazetteer").status_code == 302
    login(client, clerk(session, "applicant1", roles=("applicant",)))
    assert client.get(url).status_code == 403
    login(client, clerk(session, "surveyor1", roles=("surveyor",)))
    page = client.get("/staff/gazetteer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="nav-gazetteer"' in html and 'value="xixian-fengdong"' in html
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == \
        'attachment; filename="gazetteer-xixian-2025-06-01.pdf"'
    assert r.data.startswith(b"%PDF") and b"/Subtype /Image" not in r.data
    session.expire_all()
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "gazetteer"))
    assert event.action == "download" and event.entity_id == "xixian" and "2025-06-01" in event.note
    r = client.get("/staff/gazetteer.pdf?area=nowhere", headers={"Accept": "application/json"})
    assert r.status_code == 404 and "nowhere" in r.json["error"]
    r = client.get("/staff/gazetteer.pdf?area=xixian&as_of=01/06/2025")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_data(as_text=True)


def test_a_published_story_gives_the_meaning_and_origin_from_its_publication_on(
        session, history):
    writer, reviewer = clerk(session, "writer"), clerk(session, "reviewer")
    by_name = {p.name: p for p in session.scalars(select(Place))}
    for name, published in (("含光路", datetime(2025, 3, 1, 2, tzinfo=UTC)),
                            ("老街路", datetime.now(UTC))):
        text = stories.StoryInput(meaning=f"{name}的故事含义", origin=f"{name}的故事来历",
                                  sources="《西咸新区地名志》")
        story = stories.start(session, by_name[name].id, text, actor=writer, now=published)
        stories.act(session, story, "submit", actor=writer, now=published)
        stories.act(session, story, "publish", actor=reviewer, now=published)
    session.commit()
    earlier = _names(build(session, "xixian", as_of=BEFORE, today=_today()))
    assert earlier["含光路"].meaning == "含光路的故事含义"
    assert earlier["含光路"].origin == "含光路的故事来历"
    assert earlier["老街路"].meaning == "" and "故事" not in earlier["老街路"].origin
    assert _names(build(session, "xixian", as_of=_today(), today=_today()))[
        "含光路"].meaning == "含光路的故事含义"


def _entry(name, romanization, cls):
    return Entry(name, name, romanization, cls, cls, "", "", "")


def test_a_chapter_lists_roads_first_then_by_romanization():
    got = ordered([_entry("长安小区", "Chang'an Xiaoqu", "residential"),
                   _entry("经五路", "Jing 5 Lu", "road"), _entry("昌明路", "Changming Lu", "road"),
                   _entry("长安路", "Chang'an Lu", "road"), _entry("安远大道", "Anyuan Dadao",
                                                                  "avenue"),
                   _entry("灞桥", "Ba Qiao", "bridge"), _entry("无拼写路", "", "road")])
    assert [e.name for e in got] == ["安远大道", "无拼写路", "长安路", "昌明路", "经五路", "灞桥",
                                     "长安小区"]
    assert pinyin_key("Chang'an Lu") == "changanlu" and pinyin_key("Jing 5 Lu") == "jing5lu"
    assert location_text("位于三桥街道", "红光大道", "世纪大道") \
        == "位于三桥街道；起于红光大道，止于世纪大道"
    assert location_text(None, "", "世纪大道") == "止于世纪大道"
    assert location_text("", None, None) == ""


def test_staff_make_the_gazetteer_as_a_job_and_download_the_book(app, client, session):
    """The form starts a job (run in the request here: the test app's queue is immediate);
    the job's page offers the stored book; a bad area is refused before any job."""
    app.config["WTF_CSRF_ENABLED"] = False
    demo.load(session)
    session.commit()
    login(client, clerk(session, "surveyor2", roles=("surveyor",)))
    session.rollback()
    assert client.post("/staff/gazetteer", data={"area": "nowhere"}).status_code == 404
    r = client.post("/staff/gazetteer", data={"area": "xixian-fengdong",
                                              "as_of": _today().isoformat()})
    assert r.status_code == 302 and "/staff/gazetteer/jobs/" in r.headers["Location"]
    page = client.get(r.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert 'data-status="done"' in page and 'id="download-gazetteer"' in page
    with client.get(r.headers["Location"] + "/book.pdf") as book:  # a file sent: closed after
        assert book.status_code == 200 and book.data.startswith(b"%PDF")
        assert "xixian-fengdong" in book.headers["Content-Disposition"]
    job_id = r.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/staff/gazetteer/jobs/{job_id[:-1]}x").status_code == 404
