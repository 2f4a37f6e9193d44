"""A department token's life in chromium: the security administrator issues it on the page
(the secret shown once), a department's program reads the change feed with it, the
administrator revokes it (after saying yes to the question) and the program's next call is
refused."""

from __future__ import annotations

import urllib.error
import urllib.request

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
from account_builders import totp_now

from placenames.ops.accounts import second_factor
from placenames.ops.accounts.users import ensure_user

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    """The app in a thread, with a security administrator whose second factor is set up."""
    user = ensure_user(session, "secadmin", "安全管理员", "demo1234", ["secadmin"])
    secret = second_factor.start(session, user)
    second_factor.confirm(session, user, totp_now(secret))
    session.commit()
    session.close()
    with bb.served(app) as base:
        yield base, secret


def feed_status(base: str, secret: str) -> int:
    """What the department's program gets from ``GET /api/v1/changes``."""
    request = urllib.request.Request(f"{base}/api/v1/changes",
                                     headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_issue_use_and_revoke_a_token_in_the_browser(served):
    base, totp = served
    with bb.chromium() as browser, bb.page_maker(browser, csp_reports=True) as make:
        page = make()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "secadmin")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.fill("#f-code", totp_now(totp, 1))
        page.click("form.form button[type=submit]")
        page.click("#menu-admin > summary")
        page.click("#nav-tokens")
        assert page.inner_text("h1") == "部门令牌"

        page.fill("#f-holder", "公安西咸分局")
        page.check("input[name=scopes][value='read:addresses']")
        page.fill("#f-expires", "明年")  # not understood: the form comes back as typed
        page.click("#issue")
        assert "有效期" in page.inner_text("#error-summary")
        assert page.input_value("#f-holder") == "公安西咸分局"
        assert page.is_checked("input[name=scopes][value='read:addresses']")
        page.fill("#f-expires", "90d")
        page.check("input[name=scopes][value='read:names']")
        page.click("#issue")
        secret = page.inner_text("#token-secret").strip()
        assert secret.startswith("pnd_") and "只在此显示一次" in page.content()
        page.screenshot(path=str(bb.artifacts("tokens") / "issued.png"), full_page=True)

        assert feed_status(base, secret) == 200

        page.click("text=← 部门令牌")
        row = page.locator("tr.token", has_text="公安西咸分局")
        assert row.get_attribute("data-state") == "active"
        assert secret not in page.content()
        questions = []

        def answer(dialog, accept):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda d: answer(d, False))
        row.locator("form.revoke button").click()
        page.wait_for_timeout(300)
        assert questions and "吊销公安西咸分局的令牌" in questions[0]
        assert feed_status(base, secret) == 200  # said no: nothing happened
        page.once("dialog", lambda d: answer(d, True))
        with page.expect_navigation():
            row.locator("form.revoke button").click()
        assert "已吊销" in page.inner_text("p.flash")
        assert page.locator("tr.token").first.get_attribute("data-state") == "revoked"
        page.screenshot(path=str(bb.artifacts("tokens") / "revoked.png"), full_page=True)

        assert feed_status(base, secret) == 401
        page.goto(f"{base}/admin/tokens/?lang=en")
        assert "Department tokens" in page.inner_text("h1")
        assert "read addresses" in page.inner_text("#tokens")
        assert page.errors == []
