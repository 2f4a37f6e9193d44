"""The open-data page in headless chromium: reached from the start page, it fits a phone
(390×844: the files become cards, nothing wider than the screen, download links big enough to
tap) and a desktop; a file downloaded by clicking its link has the SHA-256 the page shows.
Screenshots go under ``test-artifacts/open-data/<backend>/``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import pytest

from placenames import config
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import export

ARTIFACTS = bb.artifacts("open-data")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)

pytestmark = bb.NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def browser():
    with bb.chromium() as b:
        yield b


@pytest.fixture
def new_page(browser):
    with bb.page_maker(browser, csp_reports=True) as make:
        yield make


def publish(app, session, engine):
    demo.load(session, now=NOW)
    session.commit()
    folder = config.open_data_dir(app.config, app.instance_path)
    return export.publish(engine, folder, [], now=NOW, licence=export.Licence(
        "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"))


def overflowing(page):
    """Elements reaching past the right edge of the window."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")


def test_on_a_phone_a_downloaded_file_has_the_hash_the_page_shows(
        app, session, engine, new_page, tmp_path):
    from playwright.sync_api import expect

    manifest = publish(app, session, engine)
    session.close()
    with bb.served(app) as base:
        page = new_page(accept_downloads=True, **PHONE)
        page.goto(f"{base}/")
        page.locator("#start-open-data").click()
        expect(page).to_have_url(f"{base}/open-data")
        expect(page.locator("h1")).to_have_text("开放数据")
        table = page.locator("#open-data-files")
        expect(table.locator("tbody tr")).to_have_count(len(manifest.files))
        expect(table.locator("thead")).to_be_hidden()  # cards on a phone
        assert overflowing(page) == []
        for link in table.locator("a.download").all():
            assert link.bounding_box()["height"] >= 44
        page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)

        for name in ("names.csv", "placenames.gpkg"):
            row = table.locator(f'tr[data-file="{name}"]')
            shown = row.locator("code.sha256").inner_text().strip()
            with page.expect_download() as info:
                row.locator("a.download").click()
            download = info.value
            assert download.suggested_filename == name
            saved = tmp_path / name
            download.save_as(saved)
            assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown
            assert shown == manifest.file(name).sha256
        assert page.errors == []


def test_on_a_desktop_the_files_are_a_table(app, session, engine, new_page):
    from playwright.sync_api import expect

    manifest = publish(app, session, engine)
    session.close()
    with bb.served(app) as base:
        page = new_page(**DESKTOP)
        page.goto(f"{base}/open-data?lang=en")
        table = page.locator("#open-data-files")
        expect(table.locator("thead")).to_be_visible()
        expect(table.locator("thead th")).to_have_count(6)
        first = manifest.files[0]
        expect(table.locator(f'tr[data-file="{first.name}"] td.records')).to_have_text(
            f"{first.records:,}")
        expect(page.locator("#licence a")).to_have_attribute(
            "href", "https://creativecommons.org/licenses/by/4.0/")
        assert overflowing(page) == []
        page.screenshot(path=str(ARTIFACTS / "desktop.png"), full_page=True)
        assert page.errors == []


def test_nothing_published_on_a_phone(app, new_page):
    from playwright.sync_api import expect

    with bb.served(app) as base:
        page = new_page(**PHONE)
        page.goto(f"{base}/notices")
        page.locator("#footer-open-data").click()
        banner = page.locator("#nothing-published")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("placenames export --publish")
        assert overflowing(page) == []
        page.screenshot(path=str(ARTIFACTS / "nothing-published.png"), full_page=True)
