"""Staff pages of road-name signs on both backends: the dashboard, a road's proposed signs
accepted in the browser's form, a sign added with bad input (kept and explained), actions on a
sign, a unit's page and its notice letter as a PDF, and who may see and do what."""

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames.models import Sign
from placenames.ops.signs import register

TODAY = date(2026, 11, 28)


@pytest.fixture
def road(app, client, session):
    app.config["CLOCK"] = lambda: b.NOW
    j, built = b.registry(session, per_road=1, roads=("建章路", "世纪大道", "红光大道"))
    place = built["建章路"][0]
    b.signed_in_clerk(app, client, session)
    session.commit()
    return place.id


def test_a_clerk_accepts_the_proposed_signs_and_sees_them_late_on_the_dashboard(
        app, client, session, road, tmp_path):
    page = client.get(f"/staff/signs/road/{road}?lang=zh")
    assert page.status_code == 200
    html = page.get_data(True)
    assert html.count('name="site"') == 4 and "与世纪大道交叉口" in html
    done = client.post(f"/staff/signs/road/{road}/accept",
                       data={"site": ["1", "2", "3"], "unit": "沣东新城城建局", "kind": "qr",
                             "size": "small"})
    assert done.status_code == 302
    session.rollback()
    signs = session.scalars(select(Sign).where(Sign.place_id == road)).all()
    assert len(signs) == 3 and {s.kind for s in signs} == {"qr"}
    assert {s.unit.name for s in signs} == {"沣东新城城建局"}
    unit_id = signs[0].unit_id
    session.rollback()
    html = client.get(f"/staff/signs/road/{road}?lang=zh").get_data(True)
    assert html.count('name="site"') == 1  # the fourth site is still proposed
    # 61 days later the signs are late: the dashboard says so and the letter lists them
    app.config["CLOCK"] = lambda: b.NOW + timedelta(days=61)
    board = client.get("/staff/signs?lang=zh").get_data(True)
    bare = re.search(r'<ul id="bare-roads".*?</ul>', board, re.S).group(0)
    assert "世纪大道" in bare and "红光大道" in bare and "建章路" not in bare
    row = re.search(r'<tr class="late" data-unit="沣东新城城建局">(.*?)</tr>', board, re.S)
    assert row and '<td class="num" data-label="逾期">3</td>' in row.group(1)
    pdf = client.get(f"/staff/signs/units/{unit_id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "l.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "督办通知" in text and text.count("建章路") >= 3
    # the unit's signs are drawn by a job; its page gives the PDF and the manifest
    unit_page = client.get(f"/staff/signs/units/{unit_id}?lang=zh").get_data(True)
    assert 'id="print-signs-form"' in unit_page
    started = client.post(f"/staff/signs/units/{unit_id}/print", data={"sheet": "A4", "qr": "1"})
    assert started.status_code == 303
    job_page = client.get(started.headers["Location"] + "?lang=en").get_data(True)
    assert 'data-status="done"' in job_page and "3 signs drawn" in job_page
    with client.get(started.headers["Location"] + "/signs.pdf") as batch:
        assert batch.status_code == 200 and batch.data.startswith(b"%PDF")
        (tmp_path / "batch.pdf").write_bytes(batch.data)
    drawn = subprocess.run(["pdftotext", str(tmp_path / "batch.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert drawn.count("JIANZHANG LU") == 3
    with client.get(started.headers["Location"] + "/manifest.csv") as manifest:
        rows = manifest.get_data(True)
    assert rows.count("\n") == 4 and "/s/" in rows  # a header and three signs with their QR
    assert client.post(f"/staff/signs/units/{unit_id}/print",
                       data={"sheet": "A0"}).status_code == 400


def test_a_sign_added_with_bad_input_keeps_what_was_typed(client, session, road):
    bad = client.post(f"/staff/signs/road/{road}/add",
                      data={"lon": "108.83", "lat": "north", "description": "小学门口",
                            "unit": "某物业公司"})
    assert bad.status_code == 400
    html = bad.get_data(True)
    assert 'value="小学门口"' in html and 'value="某物业公司"' in html and "error-summary" in html
    session.rollback()
    assert session.scalar(select(Sign.id)) is None
    session.rollback()  # no read transaction left open while the app writes (SQLite)
    ok = client.post(f"/staff/signs/road/{road}/add",
                     data={"lon": "108.8365", "lat": "34.27", "bearing": "0", "kind": "directional",
                           "arrow": "right", "near_number": "1", "far_number": "99",
                           "description": "小学门口"})
    assert ok.status_code == 302
    sign_page = client.get(ok.headers["Location"] + "?lang=zh").get_data(True)
    assert "指位牌" in sign_page and "1→99" in sign_page


def test_actions_on_a_sign_go_through_the_guard(app, client, session, road):
    place = session.get(register.Place, road)
    sign = register.add(session, place, register.NewSign(108.836, 34.26), unit=None, actor=None,
                        now=b.NOW, today=TODAY)
    session.commit()
    sid, version = sign.sign_id, sign.version
    url = f"/staff/signs/{sid}"
    missing = client.post(url + "/act", data={"action": "install", "on": TODAY.isoformat(),
                                              "version": version})
    assert missing.status_code == 400 and 'id="do-install" open' in missing.get_data(True)
    wrong = client.post(url + "/act", data={"action": "repair", "on": TODAY.isoformat(),
                                            "version": version})
    assert wrong.status_code == 409
    done = client.post(url + "/act", data={"action": "install", "on": TODAY.isoformat(),
                                           "installer": "西咸标牌厂", "version": version})
    assert done.status_code == 302
    stale = client.post(url + "/act", data={"action": "report_damaged", "version": version})
    assert stale.status_code == 409
    session.rollback()
    assert session.scalar(select(Sign.status).where(Sign.sign_id == sid)) == "installed"
    session.rollback()
    moved = client.post(url + "/act", data={"action": "report_damaged",
                                            "version": version + 1})
    assert moved.status_code == 302
    page = client.get(url + "?lang=en").get_data(True)
    assert ">damaged<" in page and "Install" in page  # state and history in English
    assert "sign_add" not in page and "sign recorded" in page  # events by their labels


def test_staff_outside_the_office_see_but_cannot_act_and_the_public_cannot_see(
        app, client, session, road):
    member = b.clerk(session, "member", roles=("committee",))
    place = session.get(register.Place, road)
    sign = register.add(session, place, register.NewSign(108.836, 34.26), unit=None, actor=None,
                        now=b.NOW, today=TODAY)
    session.commit()
    sid, version = sign.sign_id, sign.version
    b.login(client, member)
    assert client.get(f"/staff/signs/{sid}").status_code == 200
    refused = client.post(f"/staff/signs/{sid}/act", data={"action": "order",
                                                           "on": TODAY.isoformat(),
                                                           "version": version})
    assert refused.status_code == 403
    client.post("/logout")
    with client.session_transaction() as s:
        s.clear()
    anonymous = client.get("/staff/signs")
    assert anonymous.status_code in (302, 401)
    assert client.get(f"/staff/signs/units/{'0' * 8}/letter.pdf").status_code in (302, 401)


def test_a_scanned_sign_shows_its_road_and_takes_a_report_to_the_staff_queue(
        app, client, session, road):
    place = session.get(register.Place, road)
    sign = register.add(session, place, register.NewSign(108.836, 34.26, 0.0,
                                                         description="起点"),
                        unit=None, actor=None, now=b.NOW, today=TODAY)
    session.commit()
    sid = sign.sign_id
    client.post("/logout")
    with client.session_transaction() as s:
        s.clear()
    page = client.get(f"/s/{sid}?lang=zh")
    assert page.status_code == 200
    html = page.get_data(True)
    assert "建章路" in html and 'id="road-meaning"' in html and 'id="report-link"' in html
    assert client.get(f"/s/{sid.lower()}").status_code == 301  # typed form: canonical URL
    assert client.get("/s/NOT-A-SIGN").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False
    bad = client.post(f"/s/{sid}/report", data={"kind": "wrong_address"})
    assert bad.status_code == 400  # a sign has no address to be wrong
    done = client.post(f"/s/{sid}/report", data={"kind": "wrong_sign",
                                                 "note": "拼音拼错了"})
    assert done.status_code == 200 and 'id="report-done"' in done.get_data(True)
    b.signed_in_clerk(app, client, session)
    queue = client.get("/staff/plates/reports?lang=zh").get_data(True)
    assert "拼音拼错了" in queue and f"/staff/signs/{sid}" in queue and "起点" in queue


def test_a_printed_qr_sign_decodes_to_its_public_page(app, client, session, road, tmp_path):
    """The print-ready PDF of a road's signs (smallest size, full-size artwork) carries a QR
    code that a real decoder reads back to the sign's page, which names the road."""
    import zxingcpp
    from PIL import Image

    app.config["PUBLIC_BASE_URL"] = "https://dmb.xixian.example.cn"
    place = session.get(register.Place, road)
    sign = register.add(session, place, register.NewSign(108.836, 34.26, 0.0, kind="qr",
                                                         size="small"),
                        unit=None, actor=None, now=b.NOW, today=TODAY)
    session.commit()
    sid = sign.sign_id
    session.rollback()
    pdf = client.get(f"/staff/signs/road/{road}/signs.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "signs.pdf"
    path.write_bytes(pdf.data)
    size = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    width_pt = float(re.search(r"Page size:\s+([\d.]+) x", size).group(1))
    assert abs(width_pt * 25.4 / 72 - (600 + 12)) < 1  # the small sign at full size + margins
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [r.text for r in found] == [f"https://dmb.xixian.example.cn/s/{sid}"]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "建章路" in text and "JIANZHANG LU" in text
    public = client.get(f"/s/{sid}?lang=zh").get_data(True)
    assert "建章路" in public
    bad = client.get(f"/staff/signs/road/{road}/signs.pdf?sheet=A0")
    assert bad.status_code == 400
    manifest = client.get(f"/staff/signs/road/{road}/signs.pdf?manifest=1")
    assert manifest.mimetype == "text/csv"
    lines = manifest.get_data(True).strip().splitlines()
    assert lines[0].startswith("sign_id,") and len(lines) == 2 and sid in lines[1]
    assert f"https://dmb.xixian.example.cn/s/{sid}" in lines[1]


def test_a_photo_of_a_sign_is_kept_with_it_and_shown_to_staff_only(app, client, session, road,
                                                                   tmp_path):
    import io

    from PIL import Image

    place = session.get(register.Place, road)
    sign = register.add(session, place, register.NewSign(108.836, 34.26), unit=None, actor=None,
                        now=b.NOW, today=TODAY)
    session.commit()
    sid = sign.sign_id
    session.rollback()
    raw = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 51, 160)).save(raw, "JPEG")
    bad = client.post(f"/staff/signs/{sid}/photos", data={"caption": "装好了"},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and 'value="装好了"' in bad.get_data(True)
    ok = client.post(f"/staff/signs/{sid}/photos",
                     data={"caption": "装好了", "photo": (io.BytesIO(raw.getvalue()), "a.jpg")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    page = client.get(f"/staff/signs/{sid}").get_data(True)
    src = re.search(r'src="(/staff/signs/photos/[^"]+)"', page).group(1)
    got = client.get(src)
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(got.data)).size == (40, 30)
    kept = Path(app.instance_path) / "signs" / sid
    assert list(kept.iterdir())  # in the instance folder the backup archives
    client.post("/logout")
    with client.session_transaction() as s:
        s.clear()
    assert client.get(src).status_code in (302, 401)


def test_the_offices_own_sign_sizes_are_printed_and_a_bad_table_is_explained(app, client,
                                                                             session, road):
    place = session.get(register.Place, road)
    register.add(session, place, register.NewSign(108.836, 34.26, kind="qr", size="small"),
                 unit=None, actor=None, now=b.NOW, today=TODAY)
    session.commit()
    session.rollback()
    app.config["SIGN_SIZES"] = '{"qr": {"small": [800, 250, 120]}}'
    pdf = client.get(f"/staff/signs/road/{road}/signs.pdf")
    assert pdf.status_code == 200
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", pdf.data)
    assert abs(float(box.group(1)) * 25.4 / 72 - 812) < 1  # 800 mm and the margins
    assert abs(float(box.group(2)) * 25.4 / 72 - 262) < 1
    app.config["SIGN_SIZES"] = '{"qr": {"tiny": [1, 2, 3]}}'
    bad = client.get(f"/staff/signs/road/{road}/signs.pdf?lang=zh")
    assert bad.status_code == 422 and "未知规格" in bad.get_data(True)
