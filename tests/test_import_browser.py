"""In chromium: a clerk uploads a real XLSX with Chinese headers, reads the report, confirms the
import, and finds an imported name on its record page."""

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import import_builders as ib
import pytest
from sqlalchemy import select

from placenames.models import Place
from placenames.ops.demo import loader as demo

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    demo.load(session)
    session.commit()
    session.close()
    with bb.served(app) as base:
        yield base


def test_a_clerk_imports_an_xlsx_and_finds_the_name_on_its_record_page(served, session,
                                                                        tmp_path):
    rows = [list(r) for r in ib.NEW_NAMES] + [
        ["建樟路", "", "路", "610112008", "108.8460", "34.3040", "", "", "", ""]]  # a homophone
    path = ib.xlsx(tmp_path / "地名普查成果.xlsx", ib.NAME_HEADER, rows)
    with bb.chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(bb.TIMEOUT)
        page.goto(f"{served}/login")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.click("#menu-data > summary")
        page.click("#nav-imports")
        assert page.inner_text("h1") == "导入登记数据"
        page.check("input[name=kind][value=names]")
        page.set_input_files("#f-file", str(path))
        with page.expect_navigation():
            page.click("#check-file")
        assert page.inner_text("h1") == "地名普查成果.xlsx"
        assert page.inner_text("[data-count=new]") == "5"
        assert page.inner_text("[data-count=errors]") == "0"
        warnings = page.locator("#import-problems tbody tr")
        text = warnings.first.inner_text()
        assert "6" in text and "标准名称" in text and "警告" in text and "建章路" in text
        session.rollback()
        assert session.scalar(select(Place).where(Place.name == "凤鸣路")) is None
        session.rollback()
        page.screenshot(path=str(bb.artifacts("imports") / "checked.png"), full_page=True)
        with page.expect_navigation():
            page.click("#lang-switch")  # the same report in English
        english = page.locator("#import-problems tbody tr").first.inner_text()
        assert "warning" in english and "Sounds the same as '建章路'" in english
        with page.expect_navigation():
            page.click("#lang-switch")
        with page.expect_navigation():
            page.click("#confirm-button")
        assert page.get_attribute("#import-verdict", "data-imported") == "yes"
        assert "已导入" in page.inner_text("#import-verdict")
        with page.expect_navigation():
            page.click("#import-samples a:text('凤鸣路')")
        assert "凤鸣路" in page.inner_text("h1")
        assert "Fengming Lu" in page.content() and "取凤鸣岐山之意" in page.content()
        page.screenshot(path=str(bb.artifacts("imports") / "record.png"), full_page=True)
    session.expire_all()
    feng = session.scalar(select(Place).where(Place.name == "凤鸣路"))
    assert feng.romanization == "Fengming Lu" and feng.division_code == "610112002"
