"""The pure chain: canonical forms that do not depend on how a value was read, hashes that
cover every field, and a walk that names the first wrong entry."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from placenames.auditlog import GENESIS, ChainEntry, ChainWalker, canonical, event_hash
from placenames.auditlog.chain import EVENT_FIELDS, record_digest

CST = timezone(timedelta(hours=8))


def _event(**kw):
    base = {"id": uuid.UUID(int=1), "at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
            "actor_id": None, "entity_type": "application", "entity_id": "x",
            "action": "submit", "from_state": "draft", "to_state": "submitted", "note": "说明",
            "digest": None}
    base.update(kw)
    return base


def _chain(n):
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        ev = _event(id=uuid.UUID(int=seq), note=f"n{seq}")
        h = event_hash(seq, prev, ev)
        entries.append(ChainEntry(seq, str(ev["id"]), prev, h, ev))
        prev = h
    return entries


def _walk(entries, anchor=None):
    walker = ChainWalker(anchor)
    problems = [p for e in entries for p in walker.feed(e)]
    return problems + walker.finish()


def test_the_same_instant_in_any_zone_hashes_the_same() -> None:
    utc = _event()
    china = _event(at=datetime(2026, 3, 2, 10, 0, tzinfo=CST))
    assert canonical(utc) == canonical(china)
    assert event_hash(1, GENESIS, utc) == event_hash(1, GENESIS, china)
    with pytest.raises(ValueError):
        canonical({"at": datetime(2026, 3, 2, 2, 0)})
    assert "说明".encode() in canonical(utc)  # UTF-8, not escapes


@pytest.mark.parametrize("field", EVENT_FIELDS)
def test_every_field_and_the_position_are_covered(field) -> None:
    ev = _event()
    h = event_hash(1, GENESIS, ev)
    changed = dict(ev, **{field: uuid.UUID(int=9) if field in {"id", "actor_id"} else
                          datetime(2026, 3, 2, 2, 0, 1, tzinfo=UTC) if field == "at" else
                          "other"})
    assert event_hash(1, GENESIS, changed) != h
    assert event_hash(2, GENESIS, ev) != h and event_hash(1, "1" * 64, ev) != h


def test_record_digests_depend_on_the_kind_and_every_field() -> None:
    row = {"id": uuid.UUID(int=1), "application_id": uuid.UUID(int=2),
           "expert_id": uuid.UUID(int=3), "position": 1, "opinion": "agree", "reasons": "好",
           "opinion_at": datetime(2026, 3, 2, tzinfo=UTC)}
    d = record_digest("panel_member", row)
    assert record_digest("panel_member", dict(row, opinion="disagree")) != d
    assert record_digest("panel_member", dict(row, position=2)) != d
    assert record_digest("panel_member", dict(row, extra="ignored")) == d


def test_an_intact_chain_has_no_problem_and_its_head() -> None:
    entries = _chain(5)
    walker = ChainWalker()
    assert [p for e in entries for p in walker.feed(e)] == [] and walker.finish() == []
    assert walker.head == (5, entries[-1].hash) and walker.count == 5


def test_each_kind_of_tampering_is_named() -> None:
    entries = _chain(6)
    altered = list(entries)
    altered[2] = ChainEntry(3, entries[2].event_id, entries[2].prev_hash, entries[2].hash,
                            dict(entries[2].event, note="forged"))
    assert [(p.code, p.seq) for p in _walk(altered)] == [("event_altered", 3)]
    gap = entries[:3] + entries[4:]
    assert [(p.code, p.seq) for p in _walk(gap)] == [("gap", 4)]
    orphan = list(entries)
    orphan[1] = ChainEntry(2, entries[1].event_id, entries[1].prev_hash, entries[1].hash, None)
    assert [(p.code, p.seq, p.event_id) for p in _walk(orphan)] == [
        ("event_missing", 2, entries[1].event_id)]
    swapped = [entries[0], ChainEntry(2, entries[2].event_id, entries[2].prev_hash,
                                      entries[2].hash, entries[2].event)]
    assert [p.code for p in _walk(swapped)] == ["broken_link", "event_altered"]


def test_the_anchor_finds_a_cut_tail_and_a_rewritten_chain() -> None:
    entries = _chain(6)
    anchor = (6, entries[-1].hash)
    assert _walk(entries, anchor) == []
    assert [(p.code, p.seq) for p in _walk(entries[:4], anchor)] == [("anchor_truncated", 5)]
    assert [p.code for p in _walk(entries, (6, "f" * 64))] == ["anchor_mismatch"]
    problems = _walk(entries[:5] + [], (5, "0" * 64))
    assert [p.code for p in problems] == ["anchor_mismatch"]
    assert all(" / " in p.text() for p in problems)
