"""The staff page that matches a list of written addresses as a job: a GBK CSV comes back as
UTF-8 CSV with every input column and the standard address of each row, in order; the audit
log has it; a file without the address column, or of another type, is refused at once with the
form kept and nothing stored; only clerks use it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from account_builders import csrf, sign_in
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from placenames.jobs.handlers import GEOCODE
from placenames.models import Address, AuditEvent, Job
from placenames.ops.demo import loader as demo
from placenames.ops.search.batch import OUT_COLUMNS


@pytest.fixture
def clerk(demo_clerk):
    return demo_clerk


def _post(client, data: bytes, name: str, **form):
    """The form posted as a browser does; the body encoded here, in memory (the test client
    spools a large one to a temporary file it never closes)."""
    token = csrf(client.get("/staff/geocode").get_data(True))
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(data), name), **form})
    return client.post("/staff/geocode", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_list_is_matched_by_a_job_and_comes_back_row_by_row(clerk, session, app):
    known = session.scalar(select(Address.full_text).where(Address.number.is_not(None))
                           .order_by(Address.code).limit(1))
    session.rollback()
    rows = [["编号", "地址"], ["1", known], ["2", "   "], ["3", "火星路9号"]]
    text = "\n".join(",".join(r) for r in rows) + "\n"
    r = _post(clerk, text.encode("gbk"), "人口名单.csv")
    assert r.status_code == 303
    location = r.headers["Location"]
    page = clerk.get(location).get_data(True)
    assert 'data-status="done"' in page and "人口名单.csv" in page
    assert "3 rows: exact 1, partial 0, none 2" in page
    with clerk.get(location + "/result.csv") as answer:
        assert answer.status_code == 200 and answer.data.startswith(b"\xef\xbb\xbf")
        out = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert out[0] == ["编号", "地址", *OUT_COLUMNS]
    assert [row[0] for row in out[1:]] == ["1", "2", "3"]  # every row, in order
    assert out[1][2] == known and out[1][6].startswith("完全匹配")
    assert out[2][6].startswith("未匹配") and "地址为空" in out[2][8]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "geocode_batch"))
    assert event is not None and event.actor_id is not None and "exact 1" in event.note
    listed = clerk.get("/staff/geocode").get_data(True)
    assert "人口名单.csv" in listed and location.rsplit("/", 1)[1] in listed


def test_a_list_of_several_megabytes_is_taken(clerk, session):
    """Larger than the 1 MB every other form takes: 60,000 rows (one address repeated, as a
    list of residents repeats its building's)."""
    known = session.scalar(select(Address.full_text).where(Address.number.is_not(None))
                           .order_by(Address.code).limit(1))
    session.rollback()
    data = ("编号,地址\n" + "".join(f"{n},{known}\n" for n in range(60_000))).encode()
    assert len(data) > 2_000_000
    r = _post(clerk, data, "名单.csv")
    assert r.status_code == 303
    assert "60000 rows: exact 60000" in clerk.get(r.headers["Location"]).get_data(True)


def test_a_file_it_cannot_use_is_refused_at_once_with_the_form_kept(clerk, session, app):
    r = _post(clerk, "编号,住址\n1,世纪大道1号\n".encode(), "list.csv", column="地址",
              sheet="")
    page = r.get_data(True)
    assert r.status_code == 400 and "找不到列“地址”" in page and "住址" in page
    assert 'value="地址"' in page
    other = _post(clerk, b"PK\x03\x04", "list.xls", column="住址")
    assert other.status_code == 400 and 'value="住址"' in other.get_data(True)
    empty = _post(clerk, b"", "list.csv")
    assert empty.status_code == 400
    assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == GEOCODE)) == 0
    assert not (Path(app.instance_path) / "geocode").exists()


def test_only_clerks_match_lists(app, client, session):
    demo.load(session)
    session.commit()
    session.close()
    assert client.get("/staff/geocode").status_code == 302
    sign_in(app, client, "expert")
    assert client.get("/staff/geocode").status_code == 403


def test_lists_and_results_are_deleted_after_the_days_the_office_keeps_them(clerk, app,
                                                                            session):
    """A department's list may carry residents' data: the worker's hourly purge deletes the
    lists and results older than GEOCODE_KEEP_DAYS; the job's page then says so."""
    import os
    import time

    from placenames.jobs.handlers import geocode_key, purge_geocode_files

    location = _post(clerk, "编号,地址\n1,世纪大道7号\n".encode(), "old.csv").headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    store = app.extensions["placenames.storage"]
    kept = [k for k, _t in store.listing("geocode")]
    assert geocode_key(job_id) in kept and any(k.startswith("geocode/input/") for k in kept)
    assert purge_geocode_files(store, 7, time.time()) == 0  # all recent
    week_ago = time.time() - 8 * 86400
    for key in kept:
        os.utime(store.local_path(key), (week_ago, week_ago))
    fresh = _post(clerk, "编号,地址\n1,世纪大道7号\n".encode(), "new.csv").headers["Location"]
    assert purge_geocode_files(store, 7, time.time()) == len(kept)
    assert not store.exists(geocode_key(job_id))
    gone = clerk.get(location + "/result.csv?lang=en")
    assert gone.status_code == 404 and "kept 7 days" in gone.get_data(True)
    with clerk.get(fresh + "/result.csv") as r:
        assert r.status_code == 200
    assert "deleted after 7 days" in clerk.get("/staff/geocode?lang=en").get_data(True)


def test_the_sample_list_from_the_register_gives_what_each_row_says(clerk, session):
    """The page's sample list (for a clerk with no list at hand) is made from the register's
    addresses; matched through the page, every row gets the quality the row announces, and
    every way of writing is there."""
    page = clerk.get("/staff/geocode").get_data(True)
    assert "/staff/geocode/sample.csv" in page and "示例名单" in page
    with clerk.get("/staff/geocode/sample.csv") as answer:
        assert answer.status_code == 200 and answer.mimetype == "text/csv"
        assert "attachment" in answer.headers["Content-Disposition"]
        sample = answer.data
    rows = list(csv.reader(io.StringIO(sample.decode("utf-8-sig"))))
    assert rows[0][:2] == ["编号", "地址"] and len(rows) == 15  # 3 a way, and the 2 unmatched
    registered = set(session.scalars(select(Address.full_text)))
    session.rollback()
    assert sum(r[1] in registered for r in rows[1:]) == 3  # the whole-address rows only
    assert len({r[2] for r in rows[1:]}) == 6
    r = _post(clerk, sample, "sample-addresses.csv")
    assert r.status_code == 303
    with clerk.get(r.headers["Location"] + "/result.csv") as answer:
        out = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    quality = out[0].index(OUT_COLUMNS[4])
    assert [row[:4] for row in out[1:]] == rows[1:]
    assert [row[quality] for row in out[1:]] == [row[3] for row in rows[1:]]


def test_the_sample_list_of_an_empty_register_has_the_unmatched_rows_only(app, client,
                                                                         session):
    from placenames.ops.accounts import users

    users.ensure_user(session, "clerk", "Clerk", "demo1234", ["clerk"], None)
    session.commit()
    sign_in(app, client, "clerk")
    with client.get("/staff/geocode/sample.csv") as answer:
        rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["火星路9号", ""]
