"""The printed naming plan on both backends: every reserved name and its romanization is text
in the PDF (poppler's pdftotext), the only font is the CJK TrueType embedded as a subset
(pdffonts), nothing on the page is an image (pdfimages); the staff download and the
``plan print`` command."""

import shutil
import subprocess
from datetime import date

import planout_builders as pb  # tests/ is on sys.path (pyproject.toml)
import pytest
from click.testing import CliRunner
from plate_builders import clerk, login

from placenames.cli import main
from placenames.ops.plans import report

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture
def world(session):
    return pb.plan_world(session)


def _poppler(tool, path, *args):
    return subprocess.run([tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True, check=True).stdout


def _flat(text):
    return "".join(text.split())


def test_the_plan_pdf_is_searchable_vector_text_with_an_embedded_subset_font(session, world,
                                                                             tmp_path):
    rep = report.build(session, pb.APPROVED_CODE, today=date(2026, 5, 1), office="西咸新区地名办")
    path = tmp_path / "plan.pdf"
    path.write_bytes(report.render_pdf(rep))

    text = _flat(_poppler("pdftotext", path, "-enc", "UTF-8"))
    rows = {r.name: r for r in rep.rows}
    assert set(rows) == {n for n, *_ in pb.APPROVED_NAMES}
    for name, row in rows.items():
        assert row.romanization, name
        assert _flat(name) in text and _flat(row.romanization) in text, name
    for word in ("沣东新城核心区地名规划", pb.APPROVED_CODE, "秦汉文化", "周文化",
                 "西咸管发〔2026〕12号", "一、备用地名（按区域）", "二、备用地名（按主题）",
                 "三、规划图", "CGCS2000", "北N", "建章路街道（610112012）", "已释放", "已启用",
                 "备用", "申报中"):
        assert _flat(word) in text, word
    assert "阿房宫路" not in text  # the draft plan's name is not in this plan

    # the map page: the reserved names and the roads in force labelled, the scale bar
    last = _flat(_poppler("pdftotext", path, "-enc", "UTF-8", "-f", "4", "-l", "4"))
    for label in ("章台路", "丰京广场", "灵台桥", "太液路", "建章路", "世纪大道", "千米"):
        assert label in last, label
    assert "未央宫路" not in last  # released: in the tables, not on the map

    fonts = [ln for ln in _poppler("pdffonts", path).splitlines()[2:] if ln.strip()]
    assert fonts and all("TrueType" in ln and ln.split()[-5:-2] == ["yes", "yes", "yes"]
                         for ln in fonts), fonts  # embedded, subset, with a Unicode map
    assert all("+" in ln.split()[0] for ln in fonts)  # subset names: ABCDEF+Font
    images = _poppler("pdfimages", path, "-list").splitlines()[2:]
    assert images == []  # no raster at all, let alone of the whole page


def test_a_plan_without_geometry_prints_without_a_map(session, world, tmp_path):
    for place in world.places.values():
        place.geom = None
    session.commit()
    path = tmp_path / "plan.pdf"
    path.write_bytes(report.render_pdf(report.build(session, pb.APPROVED_CODE,
                                                    today=date(2026, 5, 1))))
    text = _flat(_poppler("pdftotext", path, "-enc", "UTF-8"))
    assert "暂无规划图" in text and "章台路" in text and "CGCS2000" not in text


def test_staff_download_the_plan_and_others_cannot(app, client, session, world):
    url = f"/staff/plans/{pb.DRAFT_CODE}/plan.pdf"
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    login(client, clerk(session, "applicant1", roles=("applicant",)))
    assert client.get(url).status_code == 403
    login(client, clerk(session))
    r = client.get(url)  # a draft prints for staff
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == f'attachment; filename="plan-{pb.DRAFT_CODE}.pdf"'
    assert r.data.startswith(b"%PDF") and b"/Subtype /Image" not in r.data
    r = client.get("/staff/plans/NO-SUCH/plan.pdf", headers={"Accept": "application/json"})
    assert r.status_code == 404 and "NO-SUCH" in r.json["error"]


def test_the_plan_print_command_writes_the_pdf_or_says_why_not(app, world, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out" / "plan.pdf"
    out.parent.mkdir()
    result = runner.invoke(main, ["plan", "print", pb.APPROVED_CODE, "--out", str(out)],
                           obj=app)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "5 reserved names" in result.output
    assert [p.name for p in out.parent.iterdir()] == ["plan.pdf"]  # no temporary file left

    result = runner.invoke(main, ["plan", "print", "NO-SUCH", "--out",
                                  str(tmp_path / "x.pdf")], obj=app)
    assert result.exit_code == 66 and "NO-SUCH" in result.output
    assert not (tmp_path / "x.pdf").exists()

    result = runner.invoke(main, ["plan", "print", pb.APPROVED_CODE, "--out",
                                        str(tmp_path / "missing" / "plan.pdf")], obj=app)
    assert result.exit_code == 73 and "Cannot write" in result.output
