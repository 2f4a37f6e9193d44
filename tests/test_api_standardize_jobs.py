"""A department's list standardized in the background through the API: the job answers 202
with its URL; its state, then its result CSV (each address sent, in order, with the geocoder's
own answer) are for the token that started it only; bad bodies are 400 and start nothing; the
OpenAPI document describes the three operations."""

from __future__ import annotations

import csv
import io

import pytest
import token_builders as tb  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import func, select

from placenames.jobs.handlers import GEOCODE
from placenames.models import AuditEvent, Job
from placenames.ops.demo import loader as demo
from placenames.ops.search import geocode_one

JOBS = "/api/v1/standardize/jobs"


@pytest.fixture
def tokens(session):
    demo.load(session)
    session.commit()
    _mine, secret = tb.issue(session)
    _other, other_secret = tb.issue(session)
    address = tb.an_address(session)
    found = {"mine": tb.auth(secret), "other": tb.auth(other_secret),
             "token_id": _mine.id, "address": address.full_text}
    session.commit()
    return found


def test_a_list_is_standardized_by_a_job_for_its_token_only(client, session, tokens):
    texts = [tokens["address"], "幸福不存在路88号", "", tokens["address"]] * 300
    r = client.post(JOBS, json={"addresses": texts}, headers=tokens["mine"])
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert job["status"] == "done" and job["total"] == job["done"] == 1200  # tests run it at once
    assert job["url"] == f"{JOBS}/{job['id']}" and job["result_url"].endswith("/result.csv")
    assert job["message"] == ("1200 行：完全匹配 600，部分匹配 0，未匹配 600 / "
                              "1200 rows: exact 600, partial 0, none 600")
    state = client.get(job["url"], headers=tokens["mine"])
    assert state.status_code == 200 and state.get_json() == job
    with client.get(job["result_url"], headers=tokens["mine"]) as result:
        assert result.status_code == 200 and result.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(result.data.decode("utf-8-sig"))))
    assert rows[0][0] == "地址" and [r[0] for r in rows[1:]] == texts
    expected = geocode_one(session, tokens["address"])
    session.rollback()  # the test's session holds no transaction while the app writes (SQLite)
    assert rows[1][1:4] == [expected.address, expected.code, f"{expected.lon:.7f}"]
    assert rows[3][5].startswith("未匹配") and "地址为空" in rows[3][7]
    for url in (job["url"], job["result_url"]):  # another department's job does not exist
        assert client.get(url, headers=tokens["other"]).status_code == 404
        assert client.get(url).status_code == 401
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "geocode_batch"))
    assert event.token_id == tokens["token_id"] and event.actor_id is None


@pytest.mark.parametrize("body", [
    {"addresses": []}, {"addresses": ["世纪大道7号"] * 10_001}, {"addresses": ["路" * 201]},
    {"addresses": "世纪大道7号"}, {},
])
def test_bad_lists_are_refused_and_start_nothing(client, session, tokens, body):
    r = client.post(JOBS, json=body, headers=tokens["mine"])
    assert r.status_code in (400, 413), r.get_json()
    assert session.scalar(select(func.count()).select_from(Job)
                          .where(Job.kind == GEOCODE)) == 0
    session.rollback()
    assert client.get(f"{JOBS}/not-a-job", headers=tokens["mine"]).status_code == 404


def test_the_document_describes_the_job_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"][JOBS]["post"]
    assert {"202", "401", "403"} <= set(post["responses"])
    assert doc["components"]["schemas"]["StandardizeJobArgs"]["properties"]["addresses"][
        "maxItems"] == 10_000
    result = doc["paths"][JOBS + "/{job_id}/result.csv"]["get"]
    assert "text/csv" in result["responses"]["200"]["content"]
