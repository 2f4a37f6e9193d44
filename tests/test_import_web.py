"""The staff import pages: upload, report (in the page's language), report CSV, and a
confirmation that imports exactly the checked file and nothing when the check found errors."""

import io

import import_builders as ib  # tests/ is on sys.path (pyproject.toml)
import pytest
from account_builders import csrf, sign_in
from sqlalchemy import select

from placenames.models import AuditEvent, Place
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import uploads


@pytest.fixture
def clerk(app, client, session):
    demo.load(session)
    session.commit()
    session.close()
    sign_in(app, client, "clerk")
    return client


def upload(client, path, kind="names", **extra):
    token = csrf(client.get("/staff/imports").get_data(True))
    data = {"csrf_token": token, "kind": kind, "file": (io.BytesIO(path.read_bytes()), path.name),
            **extra}
    return client.post("/staff/imports", data=data, content_type="multipart/form-data")


def confirm(client, location):
    token = csrf(client.get(location).get_data(True))
    return client.post(f"{location}/confirm", data={"csrf_token": token})


def test_upload_check_then_confirm_imports_the_checked_file(clerk, session, app, tmp_path):
    path = ib.xlsx(tmp_path / "地名.xlsx", ib.NAME_HEADER, ib.NEW_NAMES)
    before = ib.counts(session)
    session.rollback()
    r = upload(clerk, path)
    assert r.status_code == 303
    location = r.headers["Location"]
    sha = location.rsplit("/", 1)[1]
    page = clerk.get(location).get_data(True)
    assert 'data-count="new">4<' in page and 'data-count="errors">0<' in page
    assert "检查未发现错误" in page and 'id="confirm-button"' in page
    assert "地名.xlsx" in page and "地名" in page
    session.expire_all()
    assert ib.counts(session) == before  # the check wrote nothing
    session.rollback()
    done = confirm(clerk, location)
    assert done.status_code == 303
    page = clerk.get(location).get_data(True)
    assert 'data-imported="yes"' in page and "已导入" in page
    assert 'id="confirm-button"' not in page
    session.expire_all()
    feng = session.scalar(select(Place).where(Place.name == "凤鸣路"))
    assert feng is not None and f"/names/{feng.id}" in page
    assert ib.counts(session)["places"] == before["places"] + 4
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert event.entity_id == sha[:40] and event.actor_id is not None
    session.rollback()
    again = confirm(clerk, location)  # a second confirmation imports nothing again
    assert again.status_code == 303
    assert "已经导入" in clerk.get(location).get_data(True)
    session.expire_all()
    assert ib.counts(session)["places"] == before["places"] + 4


def test_a_file_with_errors_shows_the_rows_and_cannot_be_confirmed(clerk, session, tmp_path):
    rows = [list(r) for r in ib.NEW_ADDRESSES]
    rows[0][3] = "不存在路"
    path = ib.csv_file(tmp_path / "门牌.csv", ib.ADDRESS_HEADER, rows, "gbk")
    before = ib.counts(session)
    session.rollback()
    r = upload(clerk, path, kind="addresses")
    location = r.headers["Location"]
    page = clerk.get(location).get_data(True)
    assert 'data-count="errors">1<' in page and 'id="confirm-button"' not in page
    assert "道路“不存在路”不在登记中" in page and "<td>2</td><td>道路名称</td><td>错误</td>" in page
    english = clerk.get(location + "?lang=en").get_data(True)
    assert "the road &#39;不存在路&#39; is not in the register" in english
    assert "<td>2</td><td>道路名称</td><td>error</td>" in english
    refused = confirm(clerk, location)
    assert refused.status_code == 303
    assert "cannot be imported" in clerk.get(location).get_data(True)
    report = clerk.get(location + "/report.csv")
    assert report.status_code == 200 and report.data.startswith(b"\xef\xbb\xbf")
    assert "unknown_road" in report.data.decode("utf-8-sig")
    session.expire_all()
    assert ib.counts(session) == before


def test_confirming_imports_the_kept_file_only_if_it_is_still_the_one_checked(
        clerk, app, session, tmp_path):
    path = ib.xlsx(tmp_path / "地名.xlsx", ib.NAME_HEADER, ib.NEW_NAMES)
    location = upload(clerk, path).headers["Location"]
    sha = location.rsplit("/", 1)[1]
    kept = uploads.folder_of(app.instance_path) / f"{sha}.xlsx"
    kept.write_bytes(ib.xlsx(tmp_path / "other.xlsx", ib.NAME_HEADER, ib.NEW_NAMES[:1])
                     .read_bytes())
    before = ib.counts(session)
    session.rollback()
    confirm(clerk, location)
    assert "不是检查过的文件" in clerk.get(location).get_data(True)
    session.expire_all()
    assert ib.counts(session) == before
    assert clerk.get("/staff/imports/" + "0" * 64).status_code == 404
    assert clerk.get("/staff/imports/../../secret_key").status_code == 404


def test_refusals_keep_what_was_chosen(clerk, tmp_path):
    exe = tmp_path / "a.exe"
    exe.write_bytes(b"MZ")
    r = upload(clerk, exe, kind="addresses", layer="门牌")
    page = r.get_data(True)
    assert r.status_code == 400 and "不支持的文件类型" in page
    assert 'value="addresses" checked' in page and 'value="门牌"' in page
    body = b"--x\r\n" + b"a" * (uploads.MAX_UPLOAD_BYTES + 200_000)  # refused unread
    big = clerk.post("/staff/imports", data=body, content_type="multipart/form-data; boundary=x")
    assert big.status_code == 413
    no_token = clerk.post("/staff/imports", data={"kind": "names"})
    assert no_token.status_code == 400


def test_only_clerks_may_import(app, client, session, tmp_path):
    demo.load(session)
    session.commit()
    assert client.get("/staff/imports").status_code == 302  # to the sign-in page
    sign_in(app, client, "applicant")
    assert client.get("/staff/imports").status_code == 403
    token = csrf(client.get("/account/").get_data(True))
    r = client.post("/staff/imports", data={"csrf_token": token, "kind": "names"})
    assert r.status_code == 403
