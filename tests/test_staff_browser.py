"""Destructive actions ask first, in chromium: revoking a plate is sent only when the clerk
agrees to the question."""

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames.models import Plate
from placenames.ops.demo import loader as demo

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
