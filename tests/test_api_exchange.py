"""The exchange API's read resources on the demo register: names, addresses, plates,
jurisdictions and announcements.

Scopes (401 without a valid token, 403 without the scope), each filter against the records
filtered here, cursor pages that give every record exactly once (also when a record is added
mid-walk), ``Link`` headers, ETag/304, 404s and refused cursors and filters.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import box, shape
from sqlalchemy import select

from placenames.models import Address, Jurisdiction, Place, Plate
from placenames.models.workflow import Application, PublicComment
from placenames.ops.accounts import department_tokens as dt
from placenames.ops.demo import loader as demo
from placenames.ops.procedure.applications import Settings
from placenames.ops.registry.places import PlaceInput, create_place

ALL = "read:names,read:addresses,read:plates"
SCOPED = {"names": "read:names", "addresses": "read:addresses", "plates": "read:plates"}


def token(session, scopes=ALL):
    issued = dt.issue(session, holder="公安西咸分局", scopes=scopes, expires="30d")
    session.commit()
    return issued.secret


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def demo_register(session):
    demo.load(session)
    session.commit()
    return session


def walk(client, url, headers=None, limit=7, between=None):
    """Every page of a list: the items in order, and the number of pages. Checks that each
    page's Link header names the next page's cursor. ``between(n)`` runs after page n."""
    items, pages, cursor = [], 0, None
    while True:
        sep = "&" if "?" in url else "?"
        query = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        resp = client.get(query, headers=headers or {})
        assert resp.status_code == 200, (query, resp.get_json())
        body = resp.get_json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        link = resp.headers.get("Link")
        if cursor is None:
            assert link is None
            return items, pages
        target = urlsplit(link.split(";")[0].strip("<>"))
        assert link.endswith('rel="next"') and target.path == urlsplit(url).path
        assert parse_qs(target.query)["cursor"] == [cursor]
        if between is not None:
            between(pages)


def ids(items, key="id"):
    found = [i[key] for i in items]
    assert len(found) == len(set(found)), "a record came twice"
    return set(found)


# --- scopes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["names", "addresses", "plates"])
def test_scoped_lists_need_a_token_with_their_scope(client, demo_register, path):
    s = demo_register
    other = {"names": "read:addresses", "addresses": "read:plates", "plates": "read:names"}
    without = token(s, other[path])
    with_it = token(s, SCOPED[path])
    for headers in ({}, auth("pnd_" + "x" * 43), {"Authorization": "Basic eDp5"}):
        r = client.get(f"/api/v1/{path}", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert "令牌" in r.get_json()["error"] and r.get_json()["status"] == 401
    r = client.get(f"/api/v1/{path}", headers=auth(without))
    assert r.status_code == 403 and SCOPED[path] in r.get_json()["error"]
    assert client.get(f"/api/v1/{path}", headers=auth(with_it)).status_code == 200
    # a revoked token stops at once
    dt.revoke(s, with_it[:12])
    s.commit()
    assert client.get(f"/api/v1/{path}", headers=auth(with_it)).status_code == 401


def test_scoped_items_need_the_scope_too(client, demo_register):
    s = demo_register
    name_id = s.scalars(select(Place.id).limit(1)).one()
    code = s.scalars(select(Address.code).limit(1)).one()
    plate_id = s.scalars(select(Plate.plate_id).limit(1)).one()
    wrong = token(s, "read:addresses")
    for url in (f"/api/v1/names/{name_id}", f"/api/v1/plates/{plate_id}"):
        assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401
        assert client.get(url, headers=auth(wrong)).status_code == 403
    wrong = token(s, "read:names")
    assert client.get(f"/api/v1/addresses/{code}").status_code == 401
    assert client.get(f"/api/v1/addresses/{code}", headers=auth(wrong)).status_code == 403


def test_jurisdictions_and_announcements_are_public(client, demo_register):
    assert client.get("/api/v1/jurisdictions").status_code == 200
    assert client.get("/api/v1/announcements").status_code == 200
    code = demo_register.scalars(select(Jurisdiction.code).limit(1)).one()
    assert client.get(f"/api/v1/jurisdictions/{code}").get_json()["code"] == code


# --- pages -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, model, key", [
    ("names", Place, "id"), ("addresses", Address, "id"), ("plates", Plate, "id"),
    ("jurisdictions", Jurisdiction, "code")])
def test_a_walk_gives_every_record_exactly_once(client, demo_register, path, model, key):
    s = demo_register
    secret = token(s)
    items, pages = walk(client, f"/api/v1/{path}", auth(secret), limit=9)
    if path == "names":
        expected = {str(i) for i in s.scalars(select(Place.id).where(  # nor the plan's names
            Place.status.not_in(["renamed", "cancelled", "reserved", "released"])))}
    elif path == "addresses":
        expected = {str(i) for i in s.scalars(select(Address.id).where(
            Address.status == "active"))}
    else:
        expected = {str(v) for v in s.scalars(select(getattr(model, key)))}
    assert ids(items, key) == expected and len(expected) > 9
    assert pages == -(-len(expected) // 9)  # full pages, the last one short (or full)
    order = [i[key] for i in items]
    if key == "code":
        assert order == sorted(order)


def test_a_name_added_mid_walk_neither_shifts_nor_repeats_the_pages(client, demo_register):
    s = demo_register
    secret = token(s)
    before = {str(i) for i in s.scalars(select(Place.id).where(  # the plan's are not listed
        Place.status.not_in(["reserved", "released"])))}
    township = s.scalars(select(Jurisdiction).where(Jurisdiction.level == "township")
                         .limit(1)).one()
    s.commit()  # SQLite: no transaction of the test's open while the app writes
    added = []

    def insert(page):
        if page in (1, 3):
            place = create_place(s, PlaceInput(name=f"新增{page}路", cls="road",
                                               jurisdiction=township))
            added.append(str(place.id))
            s.commit()

    items, _pages = walk(client, "/api/v1/names", auth(secret), limit=5, between=insert)
    got = ids(items)
    assert before <= got  # nothing there before was skipped, nothing came twice
    assert got - before <= set(added)  # an addition shows up only if it sorts after the cursor
    # a new walk finds both
    again, _ = walk(client, "/api/v1/names", auth(secret), limit=50)
    assert set(added) <= ids(again)


def test_limit_bounds_and_default(client, demo_register):
    secret = token(demo_register)
    body = client.get("/api/v1/addresses", headers=auth(secret)).get_json()
    assert len(body["items"]) == 100 and body["next_cursor"]
    assert len(client.get("/api/v1/addresses?limit=1000", headers=auth(secret))
               .get_json()["items"]) == 384
    for bad in ("0", "1001", "x", "-5"):
        r = client.get(f"/api/v1/addresses?limit={bad}", headers=auth(secret))
        assert r.status_code == 400 and "limit" in r.get_json()["errors"]["query"]
        assert "limit" in r.get_json()["error"]


def test_garbled_tampered_and_foreign_cursors_are_refused(client, demo_register):
    secret = token(demo_register)
    first = client.get("/api/v1/names?limit=3", headers=auth(secret)).get_json()
    cursor = first["next_cursor"]
    payload, sig = cursor.split(".")
    key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[0]
    forged_key = ("0" if key[0] != "0" else "1") + key[1:]
    forged = base64.urlsafe_b64encode(json.dumps([forged_key]).encode()).rstrip(b"=").decode()
    jurisdictions = client.get("/api/v1/jurisdictions?limit=3").get_json()["next_cursor"]
    for bad in ("garbage", "", cursor[:-2], f"{forged}.{sig}", "a.b.c", "%00", jurisdictions,
                cursor + "x", "." + sig, "é" * 10, f"{payload}.{'é' * len(sig)}",
                "名.字"):
        r = client.get("/api/v1/names", query_string={"limit": 3, "cursor": bad},
                       headers=auth(secret))
        if bad == "":  # an empty value is no cursor: the first page
            assert r.status_code == 200 and r.get_json() == first
            continue
        assert r.status_code == 400, (bad, r.get_json())
        assert "cursor" in r.get_json()["error"] and " / " in r.get_json()["error"]
    assert client.get("/api/v1/names", query_string={"limit": 3, "cursor": cursor},
                      headers=auth(secret)).status_code == 200


# --- ETag --------------------------------------------------------------------------------------

def test_lists_and_items_answer_304_until_something_changes(client, demo_register):
    s = demo_register
    secret = token(s)
    place = s.scalars(select(Place).order_by(Place.id).limit(1)).one()
    s.commit()  # SQLite: no transaction of the test's open while the app writes
    urls = ["/api/v1/names?limit=5", f"/api/v1/names/{place.id}",
            "/api/v1/jurisdictions", "/api/v1/announcements"]
    tags = {}
    for url in urls:
        r = client.get(url, headers=auth(secret))
        assert r.status_code == 200 and r.headers["ETag"], url
        tags[url] = r.headers["ETag"]
        again = client.get(url, headers={**auth(secret), "If-None-Match": tags[url]})
        assert again.status_code == 304 and again.data == b"" and \
            again.headers["ETag"] == tags[url], url
    # the validator is not a free pass: the token is still checked first
    r = client.get(urls[0], headers={"If-None-Match": tags[urls[0]]})
    assert r.status_code == 401
    # another page, other arguments: another validator
    other = client.get("/api/v1/names?limit=6", headers=auth(secret))
    assert other.headers["ETag"] != tags[urls[0]]
    place.meaning = "改过的含义"
    s.commit()
    for url in urls[:3]:
        r = client.get(url, headers={**auth(secret), "If-None-Match": tags[url]})
        assert r.status_code == 200 and r.headers["ETag"] != tags[url], url
    item = client.get(urls[1], headers=auth(secret)).get_json()
    assert item["meaning"] == "改过的含义" and item["version"] == place.version


# --- filters -----------------------------------------------------------------------------------

def _all(client, path, secret, query=""):
    items, _ = walk(client, f"/api/v1/{path}{query}", auth(secret), limit=1000)
    return items


def test_name_filters_select_what_they_say(client, demo_register):
    s = demo_register
    secret = token(s)
    everything = _all(client, "names", secret)
    by_class = {}
    for rec in everything:
        by_class.setdefault(rec["class"], set()).add(rec["id"])
    for cls, expected in by_class.items():
        assert ids(_all(client, "names", secret, f"?class={cls}")) == expected
    some = everything[len(everything) // 2]
    assert ids(_all(client, "names", secret, f"?name={some['name']}")) == \
        {r["id"] for r in everything if r["name"] == some["name"]}
    prefix = some["division_code"][:9]
    assert ids(_all(client, "names", secret, f"?division={prefix}")) == \
        {r["id"] for r in everything if (r["division_code"] or "").startswith(prefix)}
    assert _all(client, "names", secret, "?division=999") == []
    # a box around part of the area: names whose geometry meets it, as shapely sees it
    area = box(108.80, 34.25, 108.84, 34.29)
    expected = {r["id"] for r in everything if r["geometry"] and
                shape(r["geometry"]).intersects(area)}
    got = ids(_all(client, "names", secret, "?bbox=108.80,34.25,108.84,34.29"))
    assert got == expected and 0 < len(got) < len(everything)


def test_updated_since_and_historical_names(client, demo_register):
    s = demo_register
    secret = token(s)
    since = datetime.now(UTC)
    renamed, changed = s.scalars(select(Place).where(Place.status == "in_force")
                                 .order_by(Place.id).limit(2)).all()
    renamed.status = "renamed"
    changed.history = "新的沿革"
    s.commit()
    query = "?updated_since=" + since.isoformat().replace("+00:00", "Z")
    assert ids(_all(client, "names", secret, query)) == {str(changed.id)}
    assert ids(_all(client, "names", secret, query + "&historical=true")) == \
        {str(changed.id), str(renamed.id)}
    naive = (since - timedelta(hours=8)).replace(tzinfo=None).isoformat()  # read as UTC
    assert str(changed.id) in ids(_all(client, "names", secret, f"?updated_since={naive}"))
    current = ids(_all(client, "names", secret))
    assert str(renamed.id) not in current
    assert str(renamed.id) in ids(_all(client, "names", secret, "?historical=true"))
    assert ids(_all(client, "names", secret, "?status=renamed")) == {str(renamed.id)}
    item = client.get(f"/api/v1/names/{renamed.id}", headers=auth(secret)).get_json()
    assert item["status"] == "renamed"


def test_address_filters(client, demo_register):
    s = demo_register
    secret = token(s)
    everything = _all(client, "addresses", secret)
    road = everything[0]["road_id"]
    assert ids(_all(client, "addresses", secret, f"?road={road}")) == \
        {r["id"] for r in everything if r["road_id"] == road}
    prefix = everything[-1]["jurisdiction_code"][:9]
    assert ids(_all(client, "addresses", secret, f"?jurisdiction={prefix}")) == \
        {r["id"] for r in everything if r["jurisdiction_code"].startswith(prefix)}
    one = everything[5]
    assert [r["id"] for r in _all(client, "addresses", secret, f"?code={one['code']}")] == \
        [one["id"]]
    got = client.get(f"/api/v1/addresses/{one['code']}", headers=auth(secret)).get_json()
    assert got == one
    address = s.get(Address, uuid.UUID(one["id"]))
    address.status = "retired"
    s.commit()
    assert one["id"] not in ids(_all(client, "addresses", secret))
    assert ids(_all(client, "addresses", secret, "?status=retired")) == {one["id"]}
    assert one["id"] in ids(_all(client, "addresses", secret, "?historical=true"))
    area = box(108.81, 34.27, 108.83, 34.29)
    expected = {r["id"] for r in everything if r["geometry"] and r["id"] != one["id"] and
                area.intersects(shape(r["geometry"]))}
    assert ids(_all(client, "addresses", secret, "?bbox=108.81,34.27,108.83,34.29")) == expected


def test_plate_filters_and_items(client, demo_register):
    s = demo_register
    secret = token(s)
    everything = _all(client, "plates", secret)
    assert all(r["plate_id"] for r in everything)
    for status in {r["status"] for r in everything}:
        assert ids(_all(client, "plates", secret, f"?status={status}")) == \
            {r["id"] for r in everything if r["status"] == status}
    one = everything[3]
    assert ids(_all(client, "plates", secret, f"?address_code={one['address_code']}")) == \
        {r["id"] for r in everything if r["address_code"] == one["address_code"]}
    batch = s.get(Plate, uuid.UUID(one["id"])).batch_id
    if batch is not None:
        assert ids(_all(client, "plates", secret, f"?batch={batch}")) == \
            {str(i) for i in s.scalars(select(Plate.id).where(Plate.batch_id == batch))}
    # one plate by its QR id: the record with a token, the public view without one
    record = client.get(f"/api/v1/plates/{one['plate_id']}", headers=auth(secret)).get_json()
    assert record == one
    public = client.get(f"/api/v1/plates/{one['plate_id']}")
    assert public.status_code == 200 and public.get_json()["address"]["code"] == \
        one["address_code"] and "address_id" not in public.get_json()
    assert public.headers["Cache-Control"].startswith("public")


def test_jurisdiction_filters(client, demo_register):
    everything = _all(client, "jurisdictions", "")
    codes = [r["code"] for r in everything]
    assert codes == sorted(codes)
    for level in {r["level"] for r in everything}:
        assert ids(_all(client, "jurisdictions", "", f"?level={level}"), "code") == \
            {r["code"] for r in everything if r["level"] == level}
    parent = everything[0]["code"]
    assert ids(_all(client, "jurisdictions", "", f"?parent={parent}"), "code") == \
        {r["code"] for r in everything if r["parent_code"] == parent}
    assert ids(_all(client, "jurisdictions", "", "?code=6101"), "code") == \
        {c for c in codes if c.startswith("6101")}


@pytest.mark.parametrize("query, argument", [
    ("bbox=1,2,3", "bbox"), ("bbox=10,10,5,5", "bbox"), ("bbox=0,0,200,10", "bbox"),
    ("bbox=a,b,c,d", "bbox"), ("division=61x", "division"), ("class=spaceport", "class"),
    ("status=lost", "status"), ("updated_since=yesterday", "updated_since"),
    ("historical=maybe", "historical"), ("name=" + "长" * 61, "name")])
def test_bad_filters_are_400_naming_the_argument(client, session, query, argument):
    secret = token(session)
    r = client.get(f"/api/v1/names?{query}", headers=auth(secret))
    assert r.status_code == 400, r.get_json()
    body = r.get_json()
    assert argument in body["errors"]["query"] and argument in body["error"]
    assert " / " in body["error"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["error"])


def test_unknown_ids_and_codes_are_404_in_the_one_shape(client, session):
    secret = token(session)
    for url in ("/api/v1/names/00000000-0000-4000-8000-000000000000",
                "/api/v1/addresses/610112000000000000", "/api/v1/plates/ABCDEFGHJKMNPQRST",
                "/api/v1/plates/not-a-plate", "/api/v1/jurisdictions/999999",
                "/api/v1/announcements/00000000-0000-4000-8000-000000000000",
                "/api/v1/names/not-a-uuid"):
        r = client.get(url, headers=auth(secret))
        assert r.status_code == 404, url
        body = r.get_json()
        assert body["status"] == 404 and body["error"], url


# --- announcements -----------------------------------------------------------------------------

def test_announcements_and_notices_without_personal_data(app, client, session, tmp_path):
    demo.load(session, procedure=Settings(upload_dir=tmp_path / "uploads"))
    session.commit()
    announced = {str(i) for i in session.scalars(select(Application.id).where(
        Application.announced_on.is_not(None)))}
    noticed = {str(i) for i in session.scalars(select(Application.id).where(
        Application.state == "in_comment"))}
    assert announced and noticed
    items, _ = walk(client, "/api/v1/announcements", limit=2)
    assert ids(items) == announced | noticed
    assert {i["id"] for i in items if i["type"] == "announcement"} == announced
    assert {i["id"] for i in items if i["type"] == "notice"} == noticed
    only, _ = walk(client, "/api/v1/announcements?type=notice", limit=2)
    assert ids(only) == noticed
    for item in items:
        page = client.get(urlsplit(item["url"]).path)
        assert page.status_code == 200, item["url"]
        assert client.get(f"/api/v1/announcements/{item['id']}").get_json() == item
        if item["type"] == "announcement":
            assert item["name"] and item["approving_body"] and item["approval_date"]
        else:
            assert item["candidates"] and item["comment_closes"]
    text = json.dumps(items, ensure_ascii=False)
    comments = session.scalars(select(PublicComment)).all()
    assert comments
    for c in comments:
        assert c.body not in text
    for word in ("author", "phone", "comments\"", "applicant"):
        assert word not in text
    # an application that is neither under notice nor announced is not published
    draft = session.scalars(select(Application.id).where(Application.state == "draft")
                            .limit(1)).one_or_none()
    if draft is not None:
        assert client.get(f"/api/v1/announcements/{draft}").status_code == 404


# --- the converted operations keep their answers ----------------------------------------------

def test_application_bodies_are_checked_field_by_field(client, demo_register):
    from placenames.ops.accounts import tokens

    personal = tokens.issue(demo_register, "applicant")
    demo_register.commit()
    for body, field in (({"class": "road", "candidates": [1]}, "candidates"),
                        ({"class": "road", "candidates": [{"name": 5}]}, "candidates"),
                        ({"class": "spaceport"}, "class"), ({"candidates": []}, "class"),
                        ({"class": "road", "length_m": "nan"}, "length_m"),
                        ({"class": "road", "reason": ["x"]}, "reason")):
        r = client.post("/api/v1/applications", json=body, headers=auth(personal))
        assert r.status_code == 400, (body, r.get_json())
        assert field in r.get_json()["error"] and " / " in r.get_json()["error"], body
    r = client.post("/api/v1/applications", json={"class": "road"}, headers=auth("pnd_x"))
    assert r.status_code == 401 and r.get_json() == {
        "error": "需要有效的令牌 / a valid bearer token is required", "status": 401}


def test_search_refusals_keep_400_and_name_the_argument(client, demo_register):
    for url, argument in (("/api/v1/search?q=世纪&limit=0", "limit"),
                          ("/api/v1/search?q=世纪&near=east", "near"),
                          ("/api/v1/reverse?lon=108.8", "lat"),
                          ("/api/v1/reverse?lon=108.8&lat=34&radius=0", "radius"),
                          ("/api/v1/names/check?name=丰邑路", "class")):
        r = client.get(url)
        assert r.status_code == 400 and argument in r.get_json()["error"], (url, r.get_json())
    ok = client.get("/api/v1/search?q=世纪大道&near=108.8,34.27&limit=").get_json()
    assert ok["names"] and ok["names"][0]["label"] == "世纪大道"  # an empty limit: the default


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/standardize"])
def test_json_bodies_are_read_within_the_limits(client, session, path):
    """Bodies that flask-smorest reads (webargs) go through the app's safe JSON: nesting
    100,000 deep was a RecursionError (500), NaN was taken for a number."""
    secret = token(session, "write:reports,write:standardize")
    for raw, word in (("[" * 100_000, "nested"), ('{"addresses": [NaN]}', "NaN"),
                      ("{", "JSON"), (b"\xff\xfe{", "UTF-8")):
        r = client.post(path, data=raw, content_type="application/json", headers=auth(secret))
        assert r.status_code == 400 and word in r.get_json()["error"], (raw[:10], r.get_json())
