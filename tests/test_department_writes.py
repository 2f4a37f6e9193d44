"""What departments send through the API: reports about addresses and plates (into the staff's
queue, naming the department) and addresses to standardize (the geocoder's best match for
each); bad bodies are 4xx in the one error shape and store nothing."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import token_builders as tb  # tests/ is on sys.path (pyproject.toml)
from account_builders import sign_in
from sqlalchemy import func, select

from placenames.models import Address, AuditEvent, Place
from placenames.models.plates import PlateReport
from placenames.ops.demo import loader as demo
from placenames.ops.plates import scan as plate_scan
from placenames.ops.search import geocode_one

REPORTS, STANDARDIZE = "/api/v1/reports", "/api/v1/standardize"


@dataclass(frozen=True)
class Row:
    """Plain values of a record (the session must hold no transaction while the app writes:
    on SQLite it would hold the write lock)."""

    id: uuid.UUID
    code: str = ""
    plate_id: str = ""
    full_text: str = ""
    prefix: str = ""


@pytest.fixture
def world(session):
    """The demo register and a token with every scope; committed."""
    demo.load(session)
    session.commit()
    token, secret = tb.issue(session)
    address = tb.an_address(session)
    plate = tb.a_plate(session, address)
    found = {"token": Row(token.id, prefix=token.prefix), "headers": tb.auth(secret),
             "address": Row(address.id, code=address.code, full_text=address.full_text),
             "plate": Row(plate.id, plate_id=plate.plate_id)}
    session.commit()
    return found


def counts(session):
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(PlateReport)),
            session.scalar(select(func.count()).select_from(AuditEvent)))


def stored(session, report_id):
    session.expire_all()
    return session.get(PlateReport, uuid.UUID(report_id))


# --- reports ----------------------------------------------------------------------------------

def test_a_report_naming_only_an_address_is_stored_under_the_token(client, session, world):
    body = {"address_code": world["address"].code, "kind": "wrong_address",
            "note": "  门牌号与实际不符  "}
    r = client.post(REPORTS, json=body, headers=world["headers"])
    assert r.status_code == 201, r.get_json()
    answer = r.get_json()
    assert answer["kind"] == "wrong_address" and answer["status"] == "new"
    assert answer["address_code"] == world["address"].code
    report = stored(session, answer["id"])
    assert (report.address_id, report.plate_ref_id, report.token_id) == (
        world["address"].id, None, world["token"].id)
    assert report.note == "门牌号与实际不符"
    session.rollback()


def test_a_report_may_name_a_plate_or_both(client, session, world):
    by_plate = client.post(REPORTS, json={"plate_id": world["plate"].plate_id.lower(),
                                          "kind": "damaged"}, headers=world["headers"])
    assert by_plate.status_code == 201
    report = stored(session, by_plate.get_json()["id"])
    assert (report.plate_ref_id, report.address_id) == (world["plate"].id, None)
    session.rollback()
    assert world["plate"].plate_id not in by_plate.get_data(True)  # the QR id is not echoed
    both = client.post(REPORTS, json={"plate_id": world["plate"].plate_id, "kind": "other",
                                      "address_code": world["address"].code,
                                      "note": "门牌被广告遮挡"}, headers=world["headers"])
    assert both.status_code == 201
    report = stored(session, both.get_json()["id"])
    assert (report.plate_ref_id, report.address_id, report.kind) == (
        world["plate"].id, world["address"].id, "other")


@pytest.mark.parametrize("body, status, word", [
    ({"kind": "damaged"}, 400, "address_code"),
    ({"address_code": " ", "plate_id": "", "kind": "damaged"}, 400, "plate_id"),
    ({"address_code": "610000000000NOSUCH", "kind": "damaged"}, 404, "610000000000NOSUCH"),
    ({"plate_id": "0" * 17, "kind": "missing"}, 404, "0" * 17),
    ({"plate_id": "not a plate", "kind": "missing"}, 400, ""),
    ({"address_code": "X", "kind": "stolen"}, 400, "kind"),
    ({"address_code": "X", "kind": "other"}, 400, "note"),  # the kind is checked first
    ({"ADDRESS": "X", "kind": "damaged"}, 400, "ADDRESS"),
    ({"address_code": "X", "kind": "damaged", "note": "长" * 501}, 400, "note"),
    ({"address_code": ["X"], "kind": "damaged"}, 400, "address_code"),
])
def test_bad_reports_are_4xx_in_the_one_shape_and_store_nothing(client, session, world, body,
                                                              status, word):
    if body.get("address_code") == "X":
        body = {**body, "address_code": world["address"].code + "0"}
    before = counts(session)
    session.rollback()
    r = client.post(REPORTS, json=body, headers=world["headers"])
    assert r.status_code == status, r.get_json()
    answer = r.get_json()
    assert answer["status"] == status
    assert re.search(r"[\u4e00-\u9fff]", answer["error"]) and re.search("[a-z]{4}",
                                                                        answer["error"])
    assert word in str(answer)
    assert counts(session) == before


def test_other_needs_a_note_and_junk_bodies_are_refused(client, session, world):
    before = counts(session)
    session.rollback()
    r = client.post(REPORTS, json={"address_code": world["address"].code, "kind": "other"},
                    headers=world["headers"])
    assert r.status_code == 400 and "note" in r.get_json()["error"]
    for raw, kind in ((b"\xff\xfe{", "application/json"), (b"kind=damaged", "text/plain"),
                      (b"[1, 2]", "application/json")):
        r = client.post(REPORTS, data=raw, content_type=kind, headers=world["headers"])
        assert 400 <= r.status_code < 500, (raw, r.status_code)
    assert counts(session) == before


def test_the_staff_queue_shows_department_reports_beside_the_publics(app, client, session,
                                                                     world):
    plate_scan.report_problem(session, world["plate"].plate_id, "missing", "不见了",
                              now=datetime.now(UTC))
    session.commit()
    r = client.post(REPORTS, json={"address_code": world["address"].code,
                                   "kind": "wrong_address"}, headers=world["headers"])
    assert r.status_code == 201
    sign_in(app, client, "clerk")
    page = client.get("/staff/plates/reports").get_data(True)
    rows = page.split('<tr class="report">')[1:]
    assert len(rows) == 2
    department, scanned = rows  # newest first
    assert "公安西咸分局" in department and world["token"].prefix in department
    assert f'href="/addresses/{world["address"].code}"' in department
    assert "地址有误" in department and "/staff/plates/" not in department
    assert "公众（扫码页面）" in scanned and f"/staff/plates/{world['plate'].plate_id}" in scanned
    assert "不见了" in scanned and "门牌丢失" in scanned
    english = client.get("/staff/plates/reports?lang=en").get_data(True)
    assert "the public (scan page)" in english and "The address is wrong" in english


# --- standardizing ----------------------------------------------------------------------------

def test_each_address_gets_the_geocoders_best_match_in_order(client, session, world):
    seventh = session.scalar(select(Address).join(Place, Address.road_id == Place.id)
                             .where(Place.name == "世纪大道", Address.number == 7,
                                    Address.building.is_(None)))
    session.rollback()
    texts = ["西咸新区沣东新城世纪大道7号", "幸福不存在路88号", "", "世纪大道7号"]
    r = client.post(STANDARDIZE, json={"addresses": texts}, headers=world["headers"])
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    assert answer["count"] == 4 and [m["query"] for m in answer["results"]] == texts
    first, missing, empty, short = answer["results"]
    assert (first["code"], first["quality"]) == (seventh.code, "exact")
    assert first["address"] == seventh.full_text and first["lon"] and first["lat"]
    assert first["reason"] and first["reason_en"] and first["score"] > 0
    assert missing["quality"] == "none" and missing["code"] is None
    assert empty["reason_code"] == "empty"
    assert short["code"] == seventh.code
    # what the geocoder itself says, field for field
    assert first == geocode_one(session, texts[0]).as_dict()
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "standardize")).all()
    assert len(events) == 1 and events[0].token_id == world["token"].id
    assert events[0].note == "4 addresses: exact 2, partial 0, none 2"


@pytest.mark.parametrize("body", [
    {"addresses": []}, {"addresses": ["世纪大道7号"] * 1001}, {"addresses": ["路" * 201]},
    {"addresses": "世纪大道7号"}, {"addresses": [7]}, {"addresses": [None]}, {},
    {"addresses": ["世纪大道7号"], "more": 1},
])
def test_bad_batches_are_400_and_leave_no_event(client, session, world, body):
    # the API answers every bad argument with 400 (web/api.py ArgumentsParser)
    before = counts(session)
    session.rollback()
    r = client.post(STANDARDIZE, json=body, headers=world["headers"])
    assert r.status_code == 400 and r.get_json()["errors"]["json"]
    assert counts(session) == before


def test_a_thousand_addresses_in_one_request(client, session, world, capsys):
    roads = session.scalars(select(Place.name).join(Address, Address.road_id == Place.id)
                            .distinct()).all()
    session.rollback()
    texts = [f"{roads[i % len(roads)]}{i % 40 + 1}号" for i in range(1000)]
    started = time.perf_counter()
    r = client.post(STANDARDIZE, json={"addresses": texts}, headers=world["headers"])
    took = time.perf_counter() - started
    assert r.status_code == 200 and r.get_json()["count"] == 1000
    results = r.get_json()["results"]
    qualities = [m["quality"] for m in results]
    assert qualities.count("exact") > 100
    # the batch remembers each road's lookup; every answer is still the geocoder's own
    for i in range(0, 1000, 37):
        assert results[i] == geocode_one(session, texts[i]).as_dict(), texts[i]
    with capsys.disabled():
        print(f"\nstandardize: 1000 addresses in {took:.2f} s "
              f"({qualities.count('exact')} exact, {qualities.count('none')} none)")


# --- the document -----------------------------------------------------------------------------

def test_the_openapi_document_describes_both_writes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, scope_word in ((REPORTS, "报告"), (STANDARDIZE, "标准化")):
        post = doc["paths"][path]["post"]
        assert post["security"] == [{"departmentToken": []}]
        assert "requestBody" in post and scope_word in post["summary"] + post["description"]
        assert {"401", "403"} <= set(post["responses"])
    schemas = doc["components"]["schemas"]
    assert schemas["ReportArgs"]["properties"]["kind"]["enum"] == [
        "damaged", "missing", "wrong_address", "other"]
    assert schemas["StandardizeArgs"]["properties"]["addresses"]["maxItems"] == 1000
