"""The scan page and its JSON, the report form, and the staff plate pages (both backends)."""

import re
import statistics
import time
from datetime import date

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import func, select

from placenames.models import AuditEvent, Place
from placenames.models.plates import BatchStatus, Plate, PlateReport, PlateStatus
from placenames.ops.plates import batches as plate_ops
from placenames.ops.plates.lifecycle import Change, transition
from placenames.ops.registry.places import PlaceInput, create_place

NOW = b.NOW


@pytest.fixture
def plate(session):
    """An installed plate on 建章路 (the first address)."""
    j, built = b.registry(session, per_road=4, roads=("建章路",))
    p = plate_ops.issue_plate(session, built["建章路"][1][0], size="small", actor_id=None,
                              now=NOW)
    transition(session, p, Change(PlateStatus.PRINTED), actor_id=None, now=NOW)
    transition(session, p, Change(PlateStatus.INSTALLED, installed_on=date(2026, 11, 1),
                                  installer="王"), actor_id=None, now=NOW)
    session.commit()
    return p


# --- the scan page ---------------------------------------------------------------------------

def test_scan_page_shows_the_standard_address_and_asks_for_nothing(client, plate):
    r = client.get(f"/p/{plate.plate_id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert plate.address.full_text in html
    assert "Jianzhang Lu" in html and "Shaanxi Sheng" in html  # pinyin address
    assert re.search(r'<ol class="path" id="jurisdiction"><li>陕西省</li><li>西咸新区</li>'
                     r'<li>沣东新城</li><li>建章路街道</li></ol>', html)
    assert "因汉代建章宫遗址在其附近而得名" in html and "建章路的来历" in html
    assert "<svg" in html and "<polyline" in html and "uri.amap.com" in html
    assert "<script" not in html
    assert "不收费、不需登录" in html  # the anti-phishing notice
    assert "/login" not in html and 'type="password"' not in html and "<form" not in html
    assert "已作废" not in html and "已更名" not in html
    assert r.headers["Cache-Control"] == "public, max-age=300" and r.headers["ETag"]
    assert "Set-Cookie" not in r.headers


def test_json_by_accept_header_and_at_the_api_path(client, plate):
    via_accept = client.get(f"/p/{plate.plate_id}", headers={"Accept": "application/json"})
    api = client.get(f"/api/v1/plates/{plate.plate_id}")
    assert via_accept.get_json() == api.get_json()
    body = api.get_json()
    assert body["plate_id"] == plate.plate_id and body["status"] == "installed"
    assert body["address"]["zh"] == plate.address.full_text
    assert body["address"]["jurisdiction"] == ["陕西省", "西咸新区", "沣东新城", "建章路街道"]
    assert body["road"]["romanization"] == "Jianzhang Lu" and body["revoked"] is False
    assert 108 < body["location"]["lon"] < 109 and 34 < body["location"]["lat"] < 35
    assert via_accept.headers["Vary"] and "Accept" in via_accept.headers["Vary"]


def test_etag_gives_304_and_changes_with_the_record(client, session, plate):
    first = client.get(f"/p/{plate.plate_id}")
    etag = first.headers["ETag"]
    again = client.get(f"/p/{plate.plate_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    en = client.get(f"/p/{plate.plate_id}?lang=en")
    assert en.headers["ETag"] != etag and "This official page only shows" in en.get_data(True)
    client.get("/p/x?lang=zh")  # back to Chinese for the rest
    transition(session, session.get(Plate, plate.id), Change(PlateStatus.DAMAGED),
               actor_id=None, now=NOW)
    session.commit()
    changed = client.get(f"/p/{plate.plate_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_renamed_road_and_revoked_plate(client, session, plate):
    road = session.get(Place, plate.address.road_id)
    new = create_place(session, PlaceInput(name="建章大道", cls="avenue",
                                           jurisdiction=road.jurisdiction))
    road.status, road.renamed_to_id = "renamed", new.id
    road.status_changed_on = date(2026, 10, 1)
    session.commit()
    html = client.get(f"/p/{plate.plate_id}").get_data(as_text=True)
    assert "已更名为 建章大道" in html and "2026-10-01" in html
    assert client.get(f"/api/v1/plates/{plate.plate_id}").get_json()["road"]["renamed_to"] == \
        "建章大道"
    transition(session, session.get(Plate, plate.id), Change(PlateStatus.REVOKED),
               actor_id=None, now=NOW)
    session.commit()
    html = client.get(f"/p/{plate.plate_id}").get_data(as_text=True)
    assert "此门牌已作废" in html and "西咸新区地名委员会办公室" in html
    assert f"/p/{plate.plate_id}/report" in html
    assert client.get(f"/api/v1/plates/{plate.plate_id}").get_json()["revoked"] is True


def test_typed_forms_of_an_id_redirect_to_the_canonical_page(client, plate):
    from placenames.plates.ids import display_plate_id

    r = client.get(f"/p/{display_plate_id(plate.plate_id).lower()}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/p/{plate.plate_id}")


def test_unknown_and_malformed_ids_are_404_in_html_and_json(client, plate):
    unknown = plate.plate_id[:-1] + ("0" if plate.plate_id[-1] != "0" else "1")
    for pid in (unknown, "0" * 17, "nonsense", "x" * 300):
        html = client.get(f"/p/{pid}")
        assert html.status_code == 404 and b"Traceback" not in html.data
        api = client.get(f"/api/v1/plates/{pid}")
        assert api.status_code == 404 and api.get_json()["status"] == 404


def _median_ms(client, paths, n=40):
    """Median time of each path, the paths measured in turn (interleaved), so that a burst of
    load from other processes falls on all of them alike."""
    times = {p: [] for p in paths}
    for _ in range(n):
        for path in paths:
            t = time.perf_counter()
            client.get(path)
            times[path].append((time.perf_counter() - t) * 1000)
    return [statistics.median(times[p]) for p in paths]


def test_a_miss_takes_about_as_long_as_a_hit(client, plate):
    hit, miss, bad = (f"/p/{plate.plate_id}", f"/p/{'0' * 17}", "/p/not-a-plate")
    _median_ms(client, (hit, miss, bad), 5)  # warm up
    h, m, x = _median_ms(client, (hit, miss, bad), 60)
    assert 1 / 3 < m / h < 3 and 1 / 3 < x / h < 3, (h, m, x)


def test_scan_pages_are_not_rate_limited_by_the_default_limit(app, client, plate):
    app.extensions["placenames.limiter"]  # noqa: B018 - the limiter is installed
    codes = {client.get(f"/api/v1/plates/{plate.plate_id}").status_code for _ in range(320)}
    assert codes == {200}


# --- the report form -------------------------------------------------------------------------

def _token(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_report_form_is_csrf_protected_stores_no_personal_data_and_is_rate_limited(
        client, session, plate):
    form = client.get(f"/p/{plate.plate_id}/report")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "姓名" in html and 'name="phone"' not in html and 'name="name"' not in html
    no_token = client.post(f"/p/{plate.plate_id}/report", data={"kind": "damaged"})
    assert no_token.status_code == 400
    token = _token(html)
    codes = []
    for i in range(6):
        r = client.post(f"/p/{plate.plate_id}/report",
                        data={"kind": "missing", "note": f"第{i}次", "csrf_token": token})
        codes.append(r.status_code)
    assert codes == [200] * 5 + [429]  # 5 per minute
    assert int(r.headers["Retry-After"]) > 0  # says when to try again
    reports = session.scalars(select(PlateReport)).all()
    assert len(reports) == 5 and {r.kind for r in reports} == {"missing"}
    bad_kind = client.post(f"/p/{plate.plate_id}/report", data={"kind": "x", "csrf_token": token})
    assert bad_kind.status_code in (400, 429)
    assert client.get("/p/nonsense/report").status_code == 400
    assert client.get(f"/p/{'0' * 17}/report").status_code == 404


# --- staff pages -----------------------------------------------------------------------------

STAFF_GETS = ["/staff/plates/batches", "/staff/plates/reports", "/staff/roads/numbering"]


@pytest.mark.parametrize("roles,expected", [((), 302), (("applicant",), 403),
                                            (("expert",), 403), (("auditor",), 403),
                                            (("clerk",), 200), (("sysadmin",), 403)])
@pytest.mark.parametrize("path", STAFF_GETS)
def test_staff_pages_are_the_clerks(client, session, roles, expected, path):
    if roles:
        b.login(client, b.clerk(session, "u1", roles))
        session.commit()
    r = client.get(path)
    assert r.status_code == expected
    if expected == 302:
        assert "/login" in r.headers["Location"]


def _wait_rendered(client, batch_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p = client.get(f"/staff/plates/batches/{batch_id}/progress").get_json()
        if p["ready"] and not p["running"] and p["status"] == "rendered":
            return p
        time.sleep(0.2)
    raise AssertionError(f"batch not rendered: {p}")


def test_staff_issue_render_download_and_mark_printed(app, client, session):
    app.config["WTF_CSRF_ENABLED"] = False
    j, built = b.registry(session, per_road=5)
    user = b.clerk(session)
    session.commit()
    b.login(client, user)
    r = client.post("/staff/plates/batches", data={"kind": "road", "value": "世纪大道",
                                                   "size": "small", "sheet": "A4"})
    assert r.status_code == 302
    batch_id = r.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/staff/plates/batches/{batch_id}").get_data(as_text=True)
    assert page.count("<code>") >= 6 and "世纪大道1号" in page
    assert client.get(f"/staff/plates/batches/{batch_id}/pdf").status_code == 404
    assert client.post(f"/staff/plates/batches/{batch_id}/render").status_code == 302
    progress = _wait_rendered(client, batch_id)
    assert progress["rendered"] == progress["total"] == 5
    with client.get(f"/staff/plates/batches/{batch_id}/pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with client.get(f"/staff/plates/batches/{batch_id}/manifest.csv") as r:
        manifest = r.get_data(True)
    assert manifest.count("\n") == 6 and "/p/" in manifest
    assert client.post(f"/staff/plates/batches/{batch_id}/printed").status_code == 302
    session.expire_all()
    assert {p.status for p in session.scalars(select(Plate))} == {PlateStatus.PRINTED}
    batch = plate_ops.find_batch(session, batch_id)
    assert batch.status == BatchStatus.PRINTED and batch.created_by_id == user.id
    session.rollback()  # release SQLite's write lock before the next request
    bad = client.post("/staff/plates/batches", data={"kind": "road", "value": "无此路"})
    assert bad.status_code == 404
    again = client.post("/staff/plates/batches", data={"kind": "road", "value": "世纪大道"})
    assert again.status_code == 400  # every address has a plate now
    csv_bad = client.post("/staff/plates/batches", data={"kind": "csv"})
    assert csv_bad.status_code == 400


def test_a_refused_batch_keeps_every_choice_of_the_form(app, client, session):
    """The batch form sent back with its error shows what the clerk chose: the selection, the
    road, the size, the sheet and the name (the sheet reverted to A4 before)."""
    app.config["WTF_CSRF_ENABLED"] = False
    b.login(client, b.clerk(session))
    session.commit()
    r = client.post("/staff/plates/batches", data={
        "kind": "road", "value": "无此路", "size": "large", "sheet": "A3", "name": "第二批"})
    assert r.status_code == 404
    page = r.get_data(as_text=True)
    assert 'id="error-summary"' in page
    for name, value in (("kind", "road"), ("size", "large"), ("sheet", "A3")):
        select = re.search(rf'<select id="f-{name}" name="{name}">(.*?)</select>', page, re.S)
        assert re.findall(r'<option value="([^"]+)" selected', select.group(1)) == [value], name
    assert 'value="无此路"' in page and 'value="第二批"' in page


def test_a_refused_status_change_shows_the_plate_again_with_what_was_typed(app, client,
                                                                          session):
    """Installing without an installer is refused on the plate's own page, with the reason at
    the top and the status, date and note as typed, not on a bare error page."""
    app.config["WTF_CSRF_ENABLED"] = False
    j, built = b.registry(session, per_road=2, roads=("建章路",))
    p = plate_ops.issue_plate(session, built["建章路"][1][0], size="small", actor_id=None,
                              now=NOW)
    transition(session, p, Change(PlateStatus.PRINTED), actor_id=None, now=NOW)
    b.login(client, b.clerk(session))
    session.commit()
    r = client.post(f"/staff/plates/{p.plate_id}/status", data={
        "status": "installed", "installed_on": "2026-11-20", "installer": "",
        "note": "东侧门柱", "version": str(p.version)})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'id="error-summary"' in page and "安装人" in page and p.plate_id in page
    status = re.search(r'<select id="f-status" name="status">(.*?)</select>', page, re.S)
    assert re.findall(r'<option value="([^"]+)" selected', status.group(1)) == ["installed"]
    assert 'value="2026-11-20"' in page and 'value="东侧门柱"' in page
    session.expire_all()
    assert session.get(Plate, p.id).status == PlateStatus.PRINTED


def test_staff_plate_lifecycle_and_numbering_pages(app, client, session, plate):
    app.config["WTF_CSRF_ENABLED"] = False
    user = b.clerk(session)
    session.commit()
    pid = plate.plate_id  # read before any rollback (a refresh would begin a transaction)
    b.login(client, user)
    page = client.get(f"/staff/plates/{pid}").get_data(as_text=True)
    assert 'value="damaged"' in page and 'value="replaced"' in page
    r = client.post(f"/staff/plates/{pid}/status",
                    data={"status": "replaced", "version": str(plate.version), "note": "换新"})
    assert r.status_code == 302
    session.expire_all()
    old = session.get(Plate, plate.id)
    assert old.status == "replaced" and old.replaced_by is not None
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity_id == str(plate.id),
                                                    AuditEvent.to_state == "replaced"))
    assert event.actor_id == user.id and "换新" in event.note
    replacement = old.replaced_by.plate_id
    session.rollback()
    stale = client.post(f"/staff/plates/{replacement}/status",
                        data={"status": "printed", "version": "99"})
    assert stale.status_code == 409
    illegal = client.post(f"/staff/plates/{pid}/status", data={"status": "installed"})
    assert illegal.status_code == 409
    unknown = client.post(f"/staff/plates/{pid}/status", data={"status": "lost"})
    assert unknown.status_code == 400
    numbering = client.get("/staff/roads/numbering?road=建章路").get_data(as_text=True)
    assert 'id="findings"' in numbering and "未发现问题" in numbering
    applied = client.post("/staff/roads/numbering", data={"road": "建章路", "action": "apply"})
    assert applied.status_code == 200
    assert client.get("/staff/roads/numbering?road=无此路").status_code == 404
    assert client.get("/staff/roads/numbering?road=建章路&origin=up").status_code == 400
    assert session.scalar(select(func.count()).select_from(Plate)) == 2
