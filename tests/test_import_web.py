"""The staff import pages: upload, report (in the page's language), report CSV, and a
confirmation that imports exactly the checked file and nothing when the check found errors."""

import io
import os
import signal
import time
from pathlib import Path

import import_builders as ib  # tests/ is on sys.path (pyproject.toml)
import job_builders as jb
import pytest
from account_builders import csrf, sign_in
from sqlalchemy import select

from placenames.jobs.handlers import IMPORT_CHECK, IMPORT_RUN
from placenames.models import AuditEvent, Job, Place
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import uploads


@pytest.fixture
def clerk(demo_clerk):
    return demo_clerk


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
    kept = Path(app.instance_path) / uploads.PREFIX / f"{sha}.xlsx"
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


def _import_job(session, kind, sha):
    session.expire_all()
    job = session.scalar(select(Job).where(Job.kind == kind, Job.subject == sha[:40])
                         .order_by(Job.created_at.desc()))
    if job is not None:
        session.expunge(job)
    session.rollback()  # no read transaction left open while the worker writes (SQLite)
    return job


def _wait_job(session, kind, sha, status, tmp_path, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _import_job(session, kind, sha)
        if job is not None and job.status == status:
            return job
        time.sleep(0.1)
    logs = "".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log"))
    raise AssertionError(f"{kind} not {status}: {job and job.status}\n{logs}")


def test_the_check_and_the_import_are_jobs_any_web_process_follows_and_can_stop(
        clerk, app, session, cli_env, tmp_path):
    """With a real queue and a real worker: the upload's page waits for the check; another
    web app on the same database stops it; checked again, the worker reports; the import runs
    as a job too, and the page the other app shows follows it to the end."""
    app.config["JOBS_QUEUE"] = "sqlite"
    path = ib.xlsx(tmp_path / "地名.xlsx", ib.NAME_HEADER, ib.NEW_NAMES)
    before = ib.counts(session)
    session.rollback()
    location = upload(clerk, path).headers["Location"]
    sha = location.rsplit("/", 1)[1]
    waiting = clerk.get(location).get_data(True)
    assert 'id="import-job"' in waiting and 'data-status="queued"' in waiting
    assert 'http-equiv="refresh"' in waiting and 'id="confirm-button"' not in waiting
    other = jb.second_app(app)
    other.config["WTF_CSRF_ENABLED"] = True
    try:
        watcher = other.test_client()
        sign_in(other, watcher, "clerk")
        token = csrf(watcher.get(location).get_data(True))
        assert watcher.post(f"{location}/cancel", data={"csrf_token": token}).status_code == 303
        worker = jb.worker(cli_env, tmp_path, "worker")
        try:
            _wait_job(session, IMPORT_CHECK, sha, "cancelled", tmp_path)
            stopped = watcher.get(location + "?lang=en").get_data(True)
            assert 'data-status="cancelled"' in stopped and 'id="check-again"' in stopped
            assert watcher.post(f"{location}/check", data={"csrf_token": token}
                                ).status_code == 303
            checked = _wait_job(session, IMPORT_CHECK, sha, "done", tmp_path)
            assert checked.attempts == 1 and "4 rows checked, 0 errors" in checked.message
            page = clerk.get(location).get_data(True)
            assert 'data-count="new">4<' in page and 'id="confirm-button"' in page
            assert 'http-equiv="refresh"' not in page
            session.expire_all()
            assert ib.counts(session) == before
            session.rollback()
            assert confirm(clerk, location).status_code == 303
            imported = _wait_job(session, IMPORT_RUN, sha, "done", tmp_path)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        assert imported.message == "新增 4，更新 0，未变 0 / 4 new, 0 updated, 0 unchanged"
        seen = watcher.get(location).get_data(True)
        assert 'data-imported="yes"' in seen and 'id="confirm-button"' not in seen
        session.expire_all()
        assert ib.counts(session)["places"] == before["places"] + 4
        session.rollback()
    finally:
        other.extensions["placenames.engine"].dispose()
