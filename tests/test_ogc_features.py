"""OGC API – Features at /ogc: the standard's rules (landing page, conformance, OpenAPI
document, collections with extents from the data, paging by limit/offset and next links, bbox,
datetime and property filters, 404s and 400s in the one error shape, media types) on the demo
register, public data only (no historical names, retired addresses, dead plates, plate ids)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from geoalchemy2.shape import to_shape
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from shapely.geometry import box, shape
from sqlalchemy import select, update

from placenames import create_app
from placenames.models import Address, Place, Plate
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import features

GEOJSON = "application/geo+json"
CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"


@pytest.fixture
def demo_loaded(session):
    demo.load(session)
    session.commit()


def public_names(session):
    """Current names, read from the model (not through the service's selects)."""
    rows = session.scalars(select(Place).where(Place.status == "in_force"))
    return {str(p.id): p for p in rows}


def public_addresses(session):
    return {str(a.id): a for a in session.scalars(select(Address).where(
        Address.status == "active"))}


def public_plates(session):
    live = ["ordered", "printed", "installed", "damaged"]
    return {str(p.id): p for p in session.scalars(
        select(Plate).join(Address, Address.id == Plate.address_id)
        .where(Plate.status.in_(live), Address.status == "active"))}


def get_json(client, url, status=200, **kwargs):
    r = client.get(url, **kwargs)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    return r, json.loads(r.get_data(as_text=True))


def walk(client, url):
    """Follow next links from ``url``; every page's features, and the pages' bodies."""
    pages, seen = [], []
    while url:
        _r, body = get_json(client, url)
        pages.append(body)
        seen += body["features"]
        nxt = [lk["href"] for lk in body["links"] if lk["rel"] == "next"]
        assert len(nxt) <= 1
        url = nxt[0] if nxt else None
    return seen, pages


def test_landing_page_links_the_api_definition_conformance_and_data(client, demo_loaded):
    r, landing = get_json(client, "/ogc")
    assert r.content_type == "application/json"
    assert "标准地名地址" in landing["title"] and "Standard" in landing["title"]
    rels = {lk["rel"]: lk for lk in landing["links"]}
    assert set(rels) >= {"self", "service-desc", "service-doc", "conformance", "data"}
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    r, api = get_json(client, urlsplit(rels["service-desc"]["href"]).path)
    assert r.content_type == "application/vnd.oai.openapi+json;version=3.0"
    assert api["openapi"].startswith("3.0")
    assert api["servers"][0]["url"] == "http://localhost/ogc"
    for cid, coll in features.COLLECTIONS.items():
        params = api["paths"][f"/collections/{cid}/items"]["get"]["parameters"]
        named = {p["name"] for p in params if "name" in p} | {p["$ref"].rsplit("/", 1)[1]
                                                   for p in params if "$ref" in p}
        assert named == set(coll.parameters), cid
    for ref in api["components"]["parameters"].values():
        assert ref["in"] == "query"
    doc = client.get(urlsplit(rels["service-doc"]["href"]).path)
    assert doc.status_code == 200 and doc.content_type.startswith("text/html")
    assert "OAPIF:http://localhost/ogc" in doc.get_data(as_text=True)
    _r, conf = get_json(client, urlsplit(rels["conformance"]["href"]).path)
    assert set(conf["conformsTo"]) == {CONF + "core", CONF + "geojson", CONF + "oas30"}
    assert client.get("/ogc/").status_code == 200  # with or without the slash, no redirect


def test_collections_describe_the_data_with_extents_computed_from_it(client, session,
                                                                      demo_loaded):
    _r, body = get_json(client, "/ogc/collections")
    described = {c["id"]: c for c in body["collections"]}
    assert list(described) == ["names", "addresses", "plates"]
    expected = {
        "names": [to_shape(p.geom) for p in public_names(session).values() if p.geom is not None],
        "addresses": [to_shape(a.entrance) for a in public_addresses(session).values()
                      if a.entrance is not None],
        "plates": [to_shape(p.address.entrance) for p in public_plates(session).values()],
    }
    for cid, geoms in expected.items():
        c = described[cid]
        assert c["itemType"] == "feature" and c["crs"] == [features.CRS84]
        assert " / " in c["title"] and " / " in c["description"]
        bounds = [min(g.bounds[0] for g in geoms), min(g.bounds[1] for g in geoms),
                  max(g.bounds[2] for g in geoms), max(g.bounds[3] for g in geoms)]
        assert c["extent"]["spatial"]["bbox"][0] == pytest.approx(bounds, abs=1e-9), cid
        assert c["extent"]["spatial"]["crs"] == features.CRS84
        assert {lk["rel"] for lk in c["links"]} >= {"self", "items"}
        _r, alone = get_json(client, f"/ogc/collections/{cid}")
        assert alone["extent"] == c["extent"]

    # the cached extent follows a change to the register
    far = session.scalars(select(Address).where(Address.status == "active")).first()
    far.entrance = "SRID=4490;POINT(109.5 35.0)"
    session.commit()
    _r, moved = get_json(client, "/ogc/collections/addresses")
    assert moved["extent"]["spatial"]["bbox"][0][2:] == [109.5, 35.0]


def test_next_links_walk_every_feature_once_and_offsets_agree(client, session, demo_loaded):
    expected = public_addresses(session)
    session.rollback()
    seen, pages = walk(client, "/ogc/collections/addresses/items?limit=37")
    ids = [f["id"] for f in seen]
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == set(expected)
    assert pages[0]["numberMatched"] == len(expected)
    assert all(p["numberReturned"] == len(p["features"]) for p in pages)
    assert [p["numberReturned"] for p in pages[:-1]] == [37] * (len(pages) - 1)
    assert not [lk for lk in pages[-1]["links"] if lk["rel"] == "next"]
    assert len(pages) == -(-len(expected) // 37)
    # the same order by plain offsets, each page with its prev link
    by_offset = []
    for offset in range(0, len(expected), 37):
        _r, body = get_json(client, f"/ogc/collections/addresses/items?limit=37&offset={offset}")
        by_offset += [f["id"] for f in body["features"]]
        assert body["numberMatched"] == len(expected)
        prev = [lk["href"] for lk in body["links"] if lk["rel"] == "prev"]
        if offset:
            assert parse_qs(urlsplit(prev[0]).query)["offset"] == [str(max(0, offset - 37))]
        else:
            assert prev == []
    assert by_offset == ids
    # an offset past the end: nothing, still counted
    _r, past = get_json(client, f"/ogc/collections/addresses/items?offset={len(expected) + 5}")
    assert past["features"] == [] and past["numberMatched"] == len(expected)


def test_next_links_keep_the_filters(client, session, demo_loaded):
    roads = {i for i, p in public_names(session).items() if p.cls == "road"}
    session.rollback()
    seen, pages = walk(client, "/ogc/collections/names/items?class=road&limit=3")
    assert {f["id"] for f in seen} == roads and len(seen) == len(roads) and len(pages) > 2
    assert all(f["properties"]["class"] == "road" for f in seen)


def test_limit_and_offset_are_checked(client, demo_loaded):
    for bad in ("limit=0", "limit=-3", "limit=abc", "limit=1.5", "offset=-1", "offset=x",
                "after=nope", "limit=1&limit=2", f"offset={features.MAX_OFFSET + 1}",
                "offset=99999999999999999999999"):
        r, body = get_json(client, f"/ogc/collections/names/items?{bad}", status=400)
        assert r.content_type == "application/json"
        assert body["status"] == 400 and " / " in body["error"], bad
    coll = features.collection("names")
    assert features.parse_query(coll, {"limit": ["20000"]}).limit == features.MAX_LIMIT
    assert features.parse_query(coll, {}).limit == features.DEFAULT_LIMIT == 100
    _r, body = get_json(client, "/ogc/collections/names/items?limit=999999")
    assert body["numberReturned"] == body["numberMatched"] == 42
    # past the cap, a cursor (a next link) still reads on; its offset only numbers the page
    _r, body = get_json(client, "/ogc/collections/names/items?limit=2")
    nxt = next(lk["href"] for lk in body["links"] if lk["rel"] == "next")
    cursor = parse_qs(urlsplit(nxt).query)["after"][0]
    _r, deep = get_json(client, f"/ogc/collections/names/items?limit=2&after={cursor}"
                                f"&offset={features.MAX_OFFSET + 3}")
    assert deep["features"] and not [lk for lk in deep["links"] if lk["rel"] == "prev"]
    _r, page2 = get_json(client, urlsplit(nxt).path + "?" + urlsplit(nxt).query)
    assert deep["features"] == page2["features"]


def test_unknown_parameters_and_formats_are_refused(client, demo_loaded):
    for bad in ("foo=1", "properties=name", "sortby=name", "crs=http://www.opengis.net/def/"
                "crs/EPSG/0/3857", "f=xml", "filter=name%3D'x'"):
        _r, body = get_json(client, f"/ogc/collections/names/items?{bad}", status=400)
        assert body["status"] == 400, bad
    get_json(client, "/ogc/collections/names/items?f=json&crs=" + features.CRS84)
    for url in ("/ogc/conformance?f=xml", "/ogc?limit=3", "/ogc/collections?bbox=0,0,1,1",
                "/ogc/collections/names?f=json&f=json", "/ogc/api?x=1"):
        _r, body = get_json(client, url, status=400)
        assert body["status"] == 400, url
    _r, body = get_json(client, "/ogc/collections/names/items/0?foo=1", status=400)


@pytest.mark.parametrize("bbox", ["1,2,3", "1,2,3,4,5", "a,b,c,d", "nan,1,2,3", "1,,2,3",
                                  "0,10,1,5", "170,0,-170,1", "0,-91,1,0", "200,0,201,1",
                                  "inf,0,1,1", ""])
def test_a_malformed_bbox_is_a_400(client, bbox, demo_loaded):
    _r, body = get_json(client, f"/ogc/collections/addresses/items?bbox={bbox}", status=400)
    assert "bbox" in body["error"]


def test_bbox_keeps_exactly_the_features_that_meet_it(client, session, demo_loaded):
    names = {i: to_shape(p.geom) for i, p in public_names(session).items() if p.geom is not None}
    addresses = {i: to_shape(a.entrance) for i, a in public_addresses(session).items()
                 if a.entrance is not None}
    session.rollback()
    boxes = [(108.8, 34.25, 108.85, 34.3), (108.6, 34.1, 109.1, 34.6), (0.0, 0.0, 1.0, 1.0)]
    for g in names.values():  # a tenth of each line's box at its corners
        x0, y0, x1, y1 = g.bounds
        dx, dy = (x1 - x0) / 10, (y1 - y0) / 10
        boxes += [(x0, y0, x0 + dx, y0 + dy), (x1 - dx, y0, x1, y0 + dy),
                  (x0, y1 - dy, x0 + dx, y1), (x1 - dx, y1 - dy, x1, y1)]
    beside = 0  # boxes that meet a line's bounding box but not the line
    for b in boxes:
        area = box(*b)
        for cid, geoms in (("names", names), ("addresses", addresses)):
            bbox = ",".join(repr(v) for v in b)
            seen, _pages = walk(client, f"/ogc/collections/{cid}/items?bbox={bbox}&limit=500")
            want = {i for i, g in geoms.items() if g.intersects(area)}
            assert {f["id"] for f in seen} == want, (cid, b)
            beside += sum(1 for g in geoms.values()
                          if box(*g.bounds).intersects(area) and not g.intersects(area))
    assert beside > 0  # so the exact test is exercised, not only the index
    # six numbers: heights ignored
    _r, six = get_json(client, "/ogc/collections/addresses/items?bbox=108.8,34.25,0,108.85,34.3,"
                               "100&limit=1000")
    _r, four = get_json(client, "/ogc/collections/addresses/items?bbox=108.8,34.25,108.85,34.3"
                                "&limit=1000")
    assert six["features"] == four["features"] and four["features"]


def test_property_filters_match_the_register(client, session, demo_loaded):
    names = public_names(session)
    addresses = public_addresses(session)
    plates = public_plates(session)
    road = next(p for p in names.values() if p.cls == "road")
    on_road = {i for i, a in addresses.items() if a.road_id == road.id}
    address = next(iter(addresses.values()))
    plate = next(iter(plates.values()))
    session.rollback()
    cases = [
        ("names", f"name={road.name}", {str(road.id)}),
        ("names", "class=bridge", {i for i, p in names.items() if p.cls == "bridge"}),
        ("names", f"division_code={road.division_code}&class=road",
         {i for i, p in names.items() if p.division_code == road.division_code
          and p.cls == "road"}),
        ("names", "status=cancelled", set()),
        ("addresses", f"road_name={road.name}", on_road),
        ("addresses", f"code={address.code}", {str(address.id)}),
        ("addresses", f"jurisdiction_code={address.jurisdiction.code}",
         {i for i, a in addresses.items() if a.jurisdiction_id == address.jurisdiction_id}),
        ("plates", "status=installed", {i for i, p in plates.items()
                                        if p.status == "installed"}),
        ("plates", f"address_code={plate.address.code}&kind={plate.kind}", {str(plate.id)}),
    ]
    for cid, query, want in cases:
        seen, pages = walk(client, f"/ogc/collections/{cid}/items?{query}&limit=50")
        assert {f["id"] for f in seen} == want and len(seen) == len(want), (cid, query)
        assert pages[0]["numberMatched"] == len(want)
    assert cases[1][2] and cases[4][2] and cases[7][2]


def test_only_public_data_is_served(client, session, demo_loaded):
    names = session.scalars(select(Place).where(Place.cls == "road")).all()
    cancelled, renamed, proposed = names[0], names[1], names[3]
    cancelled.status, renamed.status, proposed.status = "cancelled", "renamed", "proposed"
    retired = session.scalars(select(Address).where(
        Address.road_id == names[2].id, Address.id.not_in(select(Plate.address_id)))).first()
    retired.status = "retired"
    plates = session.scalars(select(Plate)).all()
    revoked = plates[0]
    revoked.status = "revoked"
    plate_ids = [p.plate_id for p in plates]
    plate_of_retired = Plate(plate_id="TESTRETIRED0000000", address_id=retired.id,
                             status="installed")
    session.add(plate_of_retired)
    session.commit()
    hidden = {"names": [cancelled.id, renamed.id, proposed.id], "addresses": [retired.id],
              "plates": [revoked.id, plate_of_retired.id]}
    for cid, ids in hidden.items():
        seen, _pages = walk(client, f"/ogc/collections/{cid}/items?limit=1000")
        assert not {str(i) for i in ids} & {f["id"] for f in seen}, cid
        for i in ids:
            _r, body = get_json(client, f"/ogc/collections/{cid}/items/{i}", status=404)
            assert body["status"] == 404 and " / " in body["error"]
    seen, _pages = walk(client, "/ogc/collections/plates/items?limit=1000")
    assert len(seen) == len(plates) - 1  # the revoked one left out, the others all there
    text = client.get("/ogc/collections/plates/items?limit=1000").get_data(as_text=True)
    assert "plate_id" not in text and not [p for p in plate_ids if p in text]
    one = client.get(f"/ogc/collections/plates/items/{seen[0]['id']}").get_data(as_text=True)
    assert "plate_id" not in one and not [p for p in plate_ids if p in one]


def test_a_feature_by_id_and_the_404s(client, session, demo_loaded):
    road = session.scalars(select(Place).where(Place.name == "建章路")).one()
    session.rollback()
    r, body = get_json(client, f"/ogc/collections/names/items/{road.id}")
    assert r.content_type == GEOJSON
    assert body["type"] == "Feature" and body["id"] == str(road.id)
    assert body["properties"]["name"] == "建章路" and "id" not in body["properties"]
    assert body["properties"]["romanization"] == road.romanization
    assert shape(body["geometry"]).equals_exact(to_shape(road.geom), 1e-9)
    assert {lk["rel"] for lk in body["links"]} == {"self", "collection"}
    for url in ("/ogc/collections/names/items/00000000-0000-0000-0000-000000000000",
                "/ogc/collections/names/items/not-a-uuid",
                f"/ogc/collections/addresses/items/{road.id}",  # a name is not an address
                "/ogc/collections/streets", "/ogc/collections/streets/items",
                f"/ogc/collections/streets/items/{road.id}"):
        r, body = get_json(client, url, status=404)
        assert r.content_type == "application/json" and body["status"] == 404, url


def test_media_types_and_negotiation(client, demo_loaded):
    r = client.get("/ogc/collections/names/items?limit=2")
    assert r.content_type == GEOJSON and r.headers["Access-Control-Allow-Origin"] == "*"
    body = json.loads(r.get_data(as_text=True))
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 2
    assert datetime.fromisoformat(body["timeStamp"].replace("Z", "+00:00")).tzinfo
    assert {lk["rel"] for lk in body["links"]} == {"self", "collection", "next"}
    for accept in (GEOJSON, "application/json", "*/*", "text/html,*/*;q=0.8"):
        assert client.get("/ogc/collections/names/items?limit=1",
                          headers={"Accept": accept}).status_code == 200, accept
    for url in ("/ogc/collections/names/items?f=json", "/ogc/collections?f=json",
                "/ogc?f=json"):
        assert client.get(url).status_code == 200
    r, body = get_json(client, "/ogc/collections", status=406, headers={"Accept": "text/html"})
    assert r.content_type == "application/json" and body["status"] == 406
    get_json(client, "/ogc/api", headers={
        "Accept": "application/vnd.oai.openapi+json;version=3.0"})
    # errors under /ogc are JSON, even for a browser that prefers HTML
    r = client.get("/ogc/collections/nope",
                   headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 404 and r.content_type == "application/json"


def test_datetime_filters_on_the_last_change(client, session, demo_loaded):
    ids = session.scalars(select(Address.id).order_by(Address.code).limit(5)).all()
    session.execute(update(Address).where(Address.id.in_(ids))
                    .values(updated_at=datetime(2020, 3, 1, 8, 0, tzinfo=UTC)))
    session.commit()
    total = len(public_addresses(session))
    session.rollback()
    old = {str(i) for i in ids}
    cases = {"2020-03-01T08:00:00Z": old, "2020-03-01": old, "../2020-12-31": old,
             "2020-01-01T00:00:00Z/2020-06-01T00:00:00%2B08:00": old, "/2020-03-01": old,
             "2020-03-02/..": None, "../..": "all", "2020-03-01T08:00:01Z": set()}
    for value, want in cases.items():
        seen, _p = walk(client, f"/ogc/collections/addresses/items?limit=1000&datetime={value}")
        got = {f["id"] for f in seen}
        if want is None:
            assert len(got) == total - 5 and not got & old, value
        elif want == "all":
            assert len(got) == total
        else:
            assert got == want, value
    _r, meta = get_json(client, "/ogc/collections/addresses")
    assert meta["extent"]["temporal"]["interval"][0][0] == "2020-03-01T08:00:00Z"
    _r, body = get_json(client, "/ogc/collections/addresses/items?datetime=9999-12-31/..")
    assert body["features"] == []
    for bad in ("yesterday", "2020-13-01", "2021-01-01/2020-01-01", "a/b/c", "..", "",
                "0001-01-01T00:00:00%2B01:00", "10000-01-01"):
        _r, body = get_json(client, f"/ogc/collections/addresses/items?datetime={bad}",
                            status=400)
        assert "datetime" in body["error"], bad


def test_an_unchanged_page_revalidates_with_a_304(client, session, demo_loaded):
    url = "/ogc/collections/names/items?limit=5"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith("W/")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    place = session.scalars(select(Place)).first()
    place.meaning = "改过 / changed"
    session.commit()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_gis_paging_is_not_cut_off_by_the_default_limit(db_url, tmp_path, session, demo_loaded):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path / "limited"),
                      "RATELIMIT_DEFAULT": "3 per minute", "OGC_RATELIMIT": "20 per minute"})
    client = app.test_client()
    try:
        pages = [client.get(f"/ogc/collections/addresses/items?limit=10&offset={10 * i}")
                 .status_code for i in range(20)]
        over = client.get("/ogc/collections/addresses/items?limit=10").status_code
        meta = [client.get("/ogc/conformance").status_code for _ in range(4)]
    finally:
        app.extensions["placenames.engine"].dispose()
    assert pages == [200] * 20 and over == 429  # its own limit, still a limit
    assert meta == [200] * 3 + [429]


CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]


def test_every_operation_answers_as_the_openapi_document_says(app, session, demo_loaded):
    """Schemathesis sends requests generated from /ogc/api to each operation: no 5xx, and
    every status, media type and body is one the document declares. (Not checked: that every
    schema-valid request is accepted, since OpenAPI 3.0 cannot say that a bbox's second number
    is a latitude or that its minimum comes first.) Its pytest plugin needs pytest < 9, so
    the operations are walked here."""
    schema = schemathesis.openapi.from_wsgi("/ogc/api", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {"GET /collections/names/items", "GET /collections/{collectionId}/items/{featureId}",
            "GET /conformance"} <= labels and len(labels) >= 15
    for op in operations:
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=CHECKS)

        run()
