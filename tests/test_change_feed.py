"""The change feed: a department that replays it from the start into an empty database of its
own has the register, and keeps it equal by reading on from its cursor after every change."""

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from placenames.models import Address, Change, Place, PlaceStatus, Plate
from placenames.models.plates import PlateStatus
from placenames.ops.accounts import department_tokens as dt
from placenames.ops.demo import loader as demo
from placenames.ops.exchange import records
from placenames.ops.plates import lifecycle
from placenames.ops.registry.places import PlaceRow, bulk_insert

ALL = "read:names,read:addresses,read:plates"


def token(session, scopes=ALL, expires="30d"):
    issued = dt.issue(session, holder="公安西咸分局", scopes=scopes, expires=expires)
    session.commit()
    return issued.secret


class Copy:
    """A department's own database: one table of records, replaced by id."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE record (entity TEXT, id TEXT, body TEXT, "
                        "PRIMARY KEY (entity, id))")
        self.after = 0

    def sync(self, client, secret, limit=37):
        pages = 0
        while True:
            resp = client.get(f"/api/v1/changes?after={self.after}&limit={limit}",
                              headers={"Authorization": f"Bearer {secret}"})
            assert resp.status_code == 200, resp.get_json()
            page = resp.get_json()
            seqs = [c["seq"] for c in page["changes"]]
            assert seqs == sorted(seqs) and all(s > self.after for s in seqs)
            for c in page["changes"]:
                self.db.execute("INSERT OR REPLACE INTO record VALUES (?, ?, ?)",
                                (c["entity"], c["id"], json.dumps(c["record"], sort_keys=True)))
            self.after = page["next_after"]
            pages += 1
            if not page["has_more"]:
                return pages

    def records(self, entity):
        return {i: json.loads(b) for i, b in self.db.execute(
            "SELECT id, body FROM record WHERE entity = ?", (entity,))}


def register(session, entity):
    select_of = {"name": lambda: records.names_select(historical=True, plan_names=True),
                 "address": lambda: records.addresses_select(historical=True),
                 "plate": records.plates_select, "jurisdiction": records.jurisdictions_select}
    mapper = {"name": records.name_record, "address": records.address_record,
              "plate": records.plate_record, "jurisdiction": records.jurisdiction_record}
    rows = session.execute(select_of[entity]()).mappings()
    out = {}
    for row in rows:
        rec = mapper[entity](row)
        out[rec["id"]] = json.loads(json.dumps(rec, sort_keys=True))
    session.rollback()
    return out


def assert_equal(copy, session):
    for entity in records.ENTITIES:
        source = register(session, entity)
        assert source, entity
        assert copy.records(entity) == source, entity


def test_replaying_the_feed_into_an_empty_database_gives_the_register(client, session, tmp_path):
    demo.load(session)
    session.commit()
    secret = token(session)
    copy = Copy(tmp_path / "copy.db")
    assert copy.sync(client, secret) > 3  # several pages
    assert_equal(copy, session)

    # the register changes: a rename, a cancel, an address change, a plate installed
    place = session.scalar(select(Place).where(Place.name == "建章路"))
    place.meaning = "因汉建章宫得名"
    other = session.scalar(select(Place).where(Place.status == PlaceStatus.IN_FORCE,
                                               Place.cls != "road").limit(1))
    other.status = PlaceStatus.CANCELLED
    address = session.scalar(select(Address).limit(1))
    address.building = "9栋"
    session.commit()
    plate = session.scalar(select(Plate).where(Plate.status == PlateStatus.PRINTED).limit(1))
    if plate is not None:
        lifecycle.transition(session, plate, lifecycle.Change(
            to=PlateStatus.INSTALLED, installed_on=datetime.now(UTC).date(), installer="王师傅"),
            actor_id=None, now=datetime.now(UTC))
        session.commit()
    before = copy.after
    copy.sync(client, secret)
    actions = dict(session.execute(select(Change.entity_id, Change.action)
                                   .where(Change.seq > before)).all())
    session.rollback()
    assert actions[other.id] == "cancel" and actions[place.id] == "update"
    assert actions[address.id] == "update"
    assert_equal(copy, session)


def test_bulk_loads_are_in_the_feed(client, session, tmp_path):
    demo.load(session)
    session.commit()
    bulk_insert(session, [PlaceRow(f"测试{i}路", "road", None, "610100") for i in range(30)])
    session.commit()
    copy = Copy(tmp_path / "copy.db")
    copy.sync(client, token(session), limit=500)
    names = {r["name"] for r in copy.records("name").values()}
    assert {f"测试{i}路" for i in range(30)} <= names
    assert_equal(copy, session)


def test_a_token_sees_only_what_its_scopes_allow(client, session):
    demo.load(session)
    session.commit()
    secret = token(session, scopes="read:addresses")
    page = client.get("/api/v1/changes?limit=5000",
                      headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert {c["entity"] for c in page["changes"]} == {"address", "jurisdiction"}


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer pnd_" + "x" * 43])
def test_the_feed_needs_a_valid_token(client, session, header):
    headers = {"Authorization": header} if header else {}
    resp = client.get("/api/v1/changes", headers=headers)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    body = resp.get_json()
    assert body["status"] == 401 and "令牌" in body["error"]


def test_a_page_not_changed_answers_304(client, session):
    demo.load(session)
    session.commit()
    secret = token(session)
    auth = {"Authorization": f"Bearer {secret}"}
    first = client.get("/api/v1/changes?limit=10", headers=auth)
    again = client.get("/api/v1/changes?limit=10",
                       headers={**auth, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_bad_cursor_is_a_400_with_the_field_named(client, session):
    # the API answers every bad argument with 400 (web/api.py ArgumentsParser)
    secret = token(session)
    resp = client.get("/api/v1/changes?after=abc",
                      headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 400
    assert "after" in json.dumps(resp.get_json()["errors"])
    assert "after" in resp.get_json()["error"]


def test_seq_is_commit_order_under_concurrent_writers(app, session):
    """Readers polling while four writers commit never see a hole that fills in later: a
    change's seq is taken at commit, under a lock held until the commit is done."""
    import threading

    from sqlalchemy.orm import sessionmaker

    demo.load(session)
    session.commit()
    ids = list(session.scalars(select(Place.id).limit(8)))
    session.rollback()
    start = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1))
    session.rollback()
    make = sessionmaker(app.extensions["placenames.engine"], expire_on_commit=False)
    errors, holes, done = [], [], threading.Event()

    def write(place_ids):
        try:
            with make() as s:
                for i in range(15):
                    for pid in place_ids:
                        s.get(Place, pid).meaning = f"第{i}次修改"
                    s.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def read():
        with make() as s:
            while not done.is_set():
                seqs = list(s.scalars(select(Change.seq).where(Change.seq > start)
                                      .order_by(Change.seq)))
                s.rollback()
                if seqs and seqs != list(range(start + 1, start + 1 + len(seqs))):
                    holes.append(seqs)

    writers = [threading.Thread(target=write, args=(ids[k::4],)) for k in range(4)]
    reader = threading.Thread(target=read)
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=120)
    done.set()
    reader.join(timeout=30)
    assert not errors, errors
    assert not holes, holes[:1]
    total = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) - start
    assert total == 4 * 15 * 2  # every commit of every writer, each change once
