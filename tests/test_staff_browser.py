"""Staff pages in chromium: destructive actions ask first (revoking a plate is sent only when
the clerk agrees to the question), and the header's menus, on a phone and by role."""

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from account_builders import totp_now
from sqlalchemy import select
from test_draw_browser import login

from placenames.models import Plate, User
from placenames.ops.accounts import second_factor
from placenames.ops.demo import loader as demo
from placenames.ops.procedure.applications import Settings

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    demo.load(session)
    session.commit()
    session.close()
    with bb.served(app) as base:
        yield base


def test_revoking_a_plate_asks_first(served, session):
    plate_id = session.scalar(select(Plate.plate_id).where(Plate.status == "installed").limit(1))
    session.rollback()
    with bb.chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(bb.TIMEOUT)
        page.goto(f"{served}/login")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.goto(f"{served}/staff/plates/{plate_id}")
        page.select_option("select[name=status]", "revoked")
        questions = []

        def answer(dialog, accept):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda d: answer(d, False))
        page.click("form.form button[type=submit]")
        page.wait_for_timeout(300)
        assert questions and "扫码将不再显示" in questions[0]
        assert page.get_attribute("#plate-status", "data-status") == "installed"
        assert session.scalar(select(Plate.status).where(Plate.plate_id == plate_id)) == \
            "installed"
        session.rollback()
        page.once("dialog", lambda d: answer(d, True))
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.get_attribute("#plate-status", "data-status") == "revoked"
        page.screenshot(path=str(bb.artifacts("staff") / "plate-revoked.png"), full_page=True)


def _lines(page, selector: str) -> int:
    """How many rows the visible children of ``selector`` are laid out on."""
    return page.evaluate("""(sel) => new Set([...document.querySelector(sel).children]
        .filter((e) => e.offsetParent !== null)
        .map((e) => Math.round(e.getBoundingClientRect().top))).size""", selector)


def test_the_clerks_menus_on_a_phone(served):
    """Staff links sit in three menus: on a phone the clerk's header links take two lines, a
    menu opens under them at full width, one at a time, and Escape or a tap elsewhere closes it."""
    with bb.chromium() as browser:
        page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                   has_touch=True, is_mobile=True).new_page()
        page.set_default_timeout(bb.TIMEOUT)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, served, "clerk")
        assert page.locator("#nav-imports").is_hidden()
        tab = page.locator("#nav-dashboard")  # the procedure's tabs: the current one marked
        assert tab.get_attribute("aria-current") == "page"
        assert tab.bounding_box()["height"] >= 43 and _lines(page, "nav.subnav") <= 2
        page.screenshot(path=str(bb.artifacts("staff") / "menu-phone-closed.png"))
        assert _lines(page, "header.top nav") <= 2

        page.click("#menu-data > summary")
        assert page.locator("#nav-imports").is_visible()
        panel = page.locator("#menu-data .menu-panel").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 390
        assert page.locator("#menu-data .menu-panel a").evaluate_all(
            "(links) => links.map((a) => a.getBoundingClientRect().height)") == \
            [pytest.approx(44, abs=1)] * 5  # tap targets of 2.75rem
        page.screenshot(path=str(bb.artifacts("staff") / "menu-phone-open.png"))

        page.click("#menu-names > summary")  # one menu open at a time
        assert page.locator("#nav-plans").is_visible() and page.locator("#nav-imports").is_hidden()
        page.keyboard.press("Escape")
        assert page.locator("#nav-plans").is_hidden()
        page.click("#menu-data > summary")
        page.click("main")  # a tap elsewhere
        assert page.locator("#nav-imports").is_hidden()

        page.click("#menu-data > summary")
        with page.expect_navigation():
            page.click("#nav-imports")
        assert page.inner_text("h1") == "导入登记数据"
        assert page.get_attribute("#menu-data", "class") == "menu current"
        page.click("#menu-data > summary")
        assert page.get_attribute("#nav-imports", "aria-current") == "page"
        assert page.get_attribute("#nav-signs", "aria-current") is None
        assert not errors


def test_menus_follow_the_roles(served, session):
    """Each account sees the menus its roles use, in English too: the system administrator the
    administration menu only, a committee member the names work only."""
    admin = session.scalar(select(User).where(User.username == "sysadmin"))
    secret = second_factor.start(session, admin)
    second_factor.confirm(session, admin, totp_now(secret))
    session.commit()
    with bb.chromium() as browser:
        page = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900}) \
            .new_page()
        page.set_default_timeout(bb.TIMEOUT)
        page.goto(f"{served}/login")  # an administrator: password, then the second factor
        page.fill("input[name=username]", "sysadmin")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.fill("#f-code", totp_now(secret, 1))
        page.click("form.form button[type=submit]")
        page.goto(f"{served}/?lang=en")
        assert page.locator("details.menu > summary").all_inner_texts() == \
            ["Administration", "系统管理员（演示）"]  # the account's menu: its display name
        page.click("#menu-admin > summary")
        panel = page.locator("#menu-admin .menu-panel").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 1366
        assert page.locator("#menu-admin .menu-panel a").all_inner_texts() == \
            ["Accounts", "Department tokens", "Names' keys"]
        page.screenshot(path=str(bb.artifacts("staff") / "menu-admin-desktop.png"))

        login(page, served, "committee")
        page.goto(f"{served}/?lang=en")
        assert page.locator("details.menu > summary").all_inner_texts() == \
            ["Names work", "地名委员会委员（演示）"]
        page.click("#menu-names > summary")
        assert page.locator("#menu-names .menu-panel a").all_inner_texts() == \
            ["Naming procedure", "Naming plans", "Stories of names", "Gazetteer"]


@pytest.fixture
def served_procedure(app, session, tmp_path):
    """The demo with its applications, one at each stage of the procedure."""
    demo.load(session, procedure=Settings(upload_dir=tmp_path / "uploads"))
    session.commit()
    session.close()
    with bb.served(app) as base:
        yield base


def test_the_application_list_on_a_phone(served_procedure):
    """On a phone the procedure's list stacks each application as a card whose every value
    says which column it is, and its filters are controls a finger can use, inside the screen."""
    served = served_procedure
    with bb.chromium() as browser:
        page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                   has_touch=True, is_mobile=True).new_page()
        page.set_default_timeout(bb.TIMEOUT)
        login(page, served, "clerk")
        page.goto(f"{served}/committee/applications")
        cells = page.locator("#applications tbody tr:first-child td")
        labels = cells.evaluate_all("""(tds) => tds.map((td) =>
            getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))""")
        assert labels == ["名称", "类别", "类型", "申请人", "状态", "更新时间"]
        assert page.locator("#applications tbody tr").count() >= 2
        for control in page.locator("form.filters select, form.filters input").all():
            box = control.bounding_box()
            assert box["height"] >= 43 and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(bb.artifacts("staff") / "applications-phone.png"))
