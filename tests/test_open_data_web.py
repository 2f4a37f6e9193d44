"""The public /open-data page: nothing published says so and how to publish; after a publish it
lists every file of the manifest with its facts, in Chinese and in English, and serves exactly
those files, with their type, name and hash; anything else is a 404."""

import hashlib
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from placenames import config
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import export

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LICENCE = export.Licence("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json",
         "gpkg": "application/geopackage+sqlite3",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def text_of(resp):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))))


@pytest.fixture
def published(app, session, engine):
    """The demo, published in every format; yields the manifest."""
    demo.load(session, now=NOW)
    session.commit()
    folder = config.open_data_dir(app.config, app.instance_path)
    return export.publish(engine, folder, [], now=NOW, licence=LICENCE)


def test_nothing_published_says_so_and_how(client):
    resp = client.get("/open-data")
    assert resp.status_code == 200
    page = text_of(resp)
    assert "尚未发布任何开放数据" in page and "placenames export --publish" in page
    assert 'id="open-data-files"' not in resp.get_data(as_text=True)
    assert "Nothing has been published yet." in text_of(client.get("/open-data?lang=en"))
    for url in ("/open-data/files/names.csv", "/open-data/manifest.json"):
        resp = client.get(url, headers={"Accept": "application/json"})
        assert resp.status_code == 404
        assert "尚未发布" in resp.get_json()["error"] or "没有这个文件" in resp.get_json()["error"]


def test_the_page_lists_every_published_file_and_serves_it(client, published, app):
    resp = client.get("/open-data")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    page = text_of(resp)
    assert "2026-11-30 10:00" in page  # China time
    assert f'href="{LICENCE.url}"' in html and "CC BY 4.0" in page
    assert len(published.files) == 7
    for f in published.files:
        row = re.search(rf'<tr data-file="{re.escape(f.name)}">(.*?)</tr>', html, re.S)
        assert row, f.name
        cells = unescape(re.sub(r"<[^>]+>", " ", row.group(1)))
        assert f.sha256 in cells and f"{f.records:,}" in cells
        assert f'href="/open-data/files/{f.name}"' in row.group(1)

        download = client.get(f"/open-data/files/{f.name}")
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == f.sha256
        assert len(download.data) == f.bytes
        assert download.headers["Content-Type"] == TYPES[f.format]
        assert download.headers["Content-Disposition"] == f"attachment; filename={f.name}"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        download.close()
        with client.get(f"/open-data/files/{f.name}",
                        headers={"If-None-Match": download.headers["ETag"]}) as again:
            assert again.status_code == 304
    assert "标准地名" in page and "GeoPackage 地理数据库" in page and "图层 addresses" in page

    english = text_of(client.get("/open-data?lang=en"))
    assert "Open data" in english and "standard place names" in english
    assert "CSV table (opens in Excel)" in english and "开放数据" not in english.split("·")[0]

    with client.get("/open-data/manifest.json") as manifest:
        assert manifest.status_code == 200 and manifest.get_json() == published.as_json()


@pytest.mark.parametrize("name", ["manifest.json", "extra.csv", "..%2Fpii_key", "names.gpkg",
                                  "names.shp", "%2e%2e", ".lock"])
def test_only_files_in_the_manifest_are_served(client, published, app, name):
    folder = config.open_data_dir(app.config, app.instance_path)
    (folder / "extra.csv").write_text("a file beside the published ones")
    assert (Path(app.instance_path) / "pii_key").exists()
    resp = client.get(f"/open-data/files/{name}")
    assert resp.status_code == 404
    assert "没有这个文件" in text_of(resp) or name.startswith(".."), name  # (no route)


def test_a_listed_file_gone_from_disk_is_a_404(client, published, app):
    folder = config.open_data_dir(app.config, app.instance_path)
    (folder / "names.csv").unlink()
    resp = client.get("/open-data/files/names.csv", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.get_json()["error"].startswith("没有这个文件")


def test_the_start_page_and_every_footer_link_to_it(client):
    start = client.get("/").get_data(as_text=True)
    assert 'id="start-open-data"' in start and 'href="/open-data"' in start
    for url in ("/notices", "/search", "/open-data"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'<footer>.*href="/open-data".*</footer>', html, re.S), url
