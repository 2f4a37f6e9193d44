"""The administrators' first sign-in in chromium: the second factor's QR code shows under the
CSP and a real decoder reads the authenticator URI from it; the code from that secret signs
the security administrator in, and the accounts page works in the browser."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest
import zxingcpp
from account_builders import totp_now
from PIL import Image

from placenames.ops.accounts.users import ensure_user

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture
def served(app, session):
    ensure_user(session, "secadmin", "安全管理员", "demo1234", ["secadmin"])
    ensure_user(session, "wangwu", "王五", "demo1234", ["clerk"])
    session.commit()
    session.close()
    with bb.served(app) as base:
        yield base


def test_a_security_administrator_sets_up_the_second_factor_and_gives_a_role(served):
    from playwright.sync_api import expect

    with bb.chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(bb.TIMEOUT)
        violations = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(f"{served}/login")
        page.fill("input[name=username]", "secadmin")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url("**/account/second-factor")
        expect(page.locator("body")).to_contain_text("必须使用第二重验证")
        page.click("#begin")
        qr = page.locator("img.totp-qr")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        shot = Image.open(io.BytesIO(qr.screenshot()))
        found = zxingcpp.read_barcodes(shot)
        assert found, "the QR code of the second factor does not decode"
        uri = urlsplit(found[0].text)
        assert uri.scheme == "otpauth" and uri.netloc == "totp"
        secret = parse_qs(uri.query)["secret"][0]
        assert secret == page.inner_text("#totp-secret")
        page.fill("#f-code", totp_now(secret))
        page.click("form.form button[type=submit]")
        assert page.locator("#recovery-codes li").count() == 10
        page.click("#continue")
        page.goto(f"{served}/admin/accounts/wangwu")
        page.check("input[name=roles][value=surveyor]")
        page.click("#save-roles")
        expect(page.locator("body")).to_contain_text("角色已保存")
        assert "踏勘人员" in page.inner_text("dl.fields")
        page.screenshot(path=str(bb.artifacts("accounts") / "account.png"), full_page=True)
        assert violations == []
