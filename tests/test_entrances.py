"""Entrances placed on a road: proposed numbers, registered addresses, their plate batch; and
the batch form's answers to a repeated or empty selection."""

import re

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import func, select

from placenames.errors import BadInput, Conflict
from placenames.models import Address, Place, Plate
from placenames.ops.addresses import entrances, numbering
from placenames.ops.demo import loader as demo

# 三桥新街 of the demo runs west → east from (108.850, 34.268) to (108.872, 34.269)
NORTH_SIDE = [(108.8600, 34.2690), (108.8650, 34.2695)]  # left of an eastbound road: odd
SOUTH_SIDE = [(108.8605, 34.2682)]  # right: even


@pytest.fixture
def road(session):
    demo.load(session)
    session.commit()
    return session.scalar(select(Place).where(Place.name == "三桥新街"))


def test_new_entrances_get_numbers_of_their_side_between_their_neighbours(session, road):
    policy = numbering.parse_policy()
    report = entrances.propose(session, road, NORTH_SIDE + SOUTH_SIDE, policy)
    by_index = {p.index: p for p in report.proposals}
    assert [by_index[i].side for i in range(3)] == ["left", "left", "right"]
    assert by_index[0].number % 2 == 1 and by_index[1].number % 2 == 1
    assert by_index[2].number % 2 == 0
    existing = {(a.number, a.suffix) for a in session.scalars(
        select(Address).where(Address.road_id == road.id))}
    for p in report.proposals:  # infill: nothing already issued is reused
        assert (p.number, str(p.sub) if p.sub else None) not in existing
    assert by_index[0].distance_m < by_index[1].distance_m
    assert session.scalar(select(func.count()).select_from(Address)
                          .where(Address.road_id == road.id)) == 12  # a preview writes nothing


def test_accept_registers_exactly_the_proposed_addresses(session, road):
    policy = numbering.parse_policy()
    proposed = entrances.propose(session, road, NORTH_SIDE, policy).proposals
    created = entrances.accept(session, road, NORTH_SIDE, policy)
    session.commit()
    assert [a.number for a in created] == [p.number for p in proposed]
    assert all(a.full_text.endswith(f"三桥新街{p.label}号") for a, p in zip(created, proposed,
                                                                          strict=True))
    assert len({a.code for a in created}) == 2 and all(a.side == "left" for a in created)
    assert not numbering.validate_addresses(session, road, policy) or all(
        f.finding.severity != "error" for f in numbering.validate_addresses(session, road, policy))


@pytest.mark.parametrize("text, fragment", [
    ("108.86,abc", "line 1"), ("", "Place at least one"), ("200,34.2", "line 1"),
    ("108.86 34.269\n\nfoo", "line 3"),
])
def test_bad_point_lists_are_refused_with_the_line(text, fragment):
    with pytest.raises(BadInput) as exc:
        entrances.parse_points(text)
    assert fragment in exc.value.user_msg


def test_an_entrance_far_from_the_road_is_refused(session, road):
    with pytest.raises(BadInput, match="from the road"):
        entrances.propose(session, road, [(108.96, 34.269)], numbering.parse_policy())


def test_a_renamed_road_gets_no_new_numbers(session, road):
    road.status = "renamed"
    session.commit()
    with pytest.raises(Conflict):
        entrances.propose(session, road, NORTH_SIDE, numbering.parse_policy())


@pytest.fixture
def staff(app, client, session, road):
    b.signed_in_clerk(app, client, session)
    return road


def test_the_page_previews_registers_and_offers_the_batch(client, session, staff):
    url = f"/staff/roads/{staff.id}/entrances?lang=zh"
    assert client.get(url).status_code == 200
    points = "\n".join(f"{x},{y}" for x, y in NORTH_SIDE + SOUTH_SIDE)
    html = client.post(url, data={"points": points, "action": "preview"}).get_data(as_text=True)
    assert len(re.findall(r"<strong>三桥新街\d+(-\d+)?号</strong>", html)) == 3
    assert 'id="accept"' in html and points.split("\n")[0] in html
    html = client.post(url, data={"points": points, "action": "accept"}).get_data(as_text=True)
    codes = re.search(r'name="codes" value="([^"]*)"', html).group(1).split("\n")
    assert len(codes) == 3
    r = client.post("/staff/plates/batches", data={"kind": "csv", "codes": "\n".join(codes),
                                                   "size": "small", "sheet": "A4"})
    assert r.status_code == 302
    plated = set(session.scalars(select(Address.code).join(Plate, Plate.address_id == Address.id)
                                 .where(Address.code.in_(codes))))
    assert plated == set(codes)
    session.rollback()  # end the read: on SQLite every transaction takes the write lock
    again = client.post("/staff/plates/batches", data={"kind": "csv", "codes": "\n".join(codes),
                                                       "size": "small", "sheet": "A4"})
    assert again.status_code == 303 and again.headers["Location"] == r.headers["Location"]


def test_a_bad_point_list_keeps_what_was_typed(client, staff):
    r = client.post(f"/staff/roads/{staff.id}/entrances?lang=zh",
                    data={"points": "108.86,abc", "action": "preview", "odd_side": "right"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="error-summary"' in html
    assert "108.86,abc" in html and '<option value="right" selected' in html


def test_a_batch_form_error_keeps_the_form(client, staff):
    r = client.post("/staff/plates/batches?lang=zh",
                    data={"kind": "road", "value": "没有这条路", "size": "small", "sheet": "A4"})
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and 'id="error-summary"' in html
    assert 'value="没有这条路"' in html


def test_a_selection_without_numbered_addresses_says_so(client, session, staff):
    session.add(Place(name="沣润路", specific="沣润", generic="路", cls="road",
                      status="in_force", jurisdiction_id=staff.jurisdiction_id))
    session.commit()
    r = client.post("/staff/plates/batches", data={"kind": "road", "value": "沣润路",
                                                   "size": "small", "sheet": "A4"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "no numbered address" in html
    assert "Every selected address has a plate" not in html
