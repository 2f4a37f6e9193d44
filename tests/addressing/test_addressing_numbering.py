import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placenames.addressing.geometry import haversine_m, local_projection_for
from placenames.addressing.numbering import (
    BEIJING_EAST_WEST,
    Entrance,
    HouseNumber,
    NumberingPolicy,
    locate,
    number_infill,
    number_road,
    parse_house_number,
)

CENTRE = (108.85, 34.30)  # between Xi'an and Xianyang
PROJ = local_projection_for([CENTRE])


def at(x_m, y_m):
    """(lon, lat) of a point x metres east and y metres north of CENTRE."""
    return PROJ.to_lonlat([(x_m, y_m)])[0]


# An east-west road 600 m long, digitised west to east.
EW_ROAD = [at(-300, 0), at(0, 0), at(300, 0)]


def ew_entrances():
    """Three entrances on the north side, three on the south side, 20 m off the road."""
    return [
        Entrance("n1", at(-250, 20)),
        Entrance("n2", at(-100, 20)),
        Entrance("n3", at(150, 20)),
        Entrance("s1", at(-200, -20)),
        Entrance("s2", at(0, -20)),
        Entrance("s3", at(250, -20)),
    ]


def by_id(numbered):
    return {n.id: n for n in numbered}


def labels(numbered):
    return {n.id: n.label for n in numbered}


def test_straight_road_odd_left_even_right_from_start():
    result = by_id(number_road(EW_ROAD, ew_entrances(), NumberingPolicy()))
    # counting eastward: north is on the left, so odds are north (左单右双)
    assert {k: v.label for k, v in result.items()} == {
        "n1": "1", "n2": "3", "n3": "5", "s1": "2", "s2": "4", "s3": "6",
    }  # fmt: skip
    assert result["n1"].side == "left" and result["n1"].parity == "odd"
    assert result["s2"].side == "right" and result["s2"].parity == "even"
    assert result["s2"].distance_along_m == pytest.approx(300, abs=0.5)
    assert result["n3"].offset_m == pytest.approx(20, abs=0.1)
    assert haversine_m(result["s2"].road_point, at(0, 0)) < 0.1
    assert result["n1"].is_new and result["n1"].notes == ()


def test_reversed_road_follows_policy_origin_not_digitising():
    policy = NumberingPolicy(origin="west")
    forward = labels(number_road(EW_ROAD, ew_entrances(), policy))
    backward = labels(number_road(EW_ROAD[::-1], ew_entrances(), policy))
    assert forward == backward
    # with origin="start" the digitising direction does matter
    start = labels(number_road(EW_ROAD[::-1], ew_entrances(), NumberingPolicy()))
    assert start["n3"] == "2"  # counted from the east end, north is on the right


def test_reversed_road_keeps_chainage_from_first_vertex():
    result = by_id(number_road(EW_ROAD[::-1], ew_entrances(), NumberingPolicy(origin="west")))
    assert result["n1"].distance_along_m == pytest.approx(50, abs=0.5)
    assert result["n1"].chainage_m == pytest.approx(550, abs=0.5)


def test_beijing_style_east_west_numbers_from_east_with_odds_north():
    result = by_id(number_road(EW_ROAD, ew_entrances(), BEIJING_EAST_WEST))
    assert labels(result.values()) == {
        "n3": "1", "n2": "3", "n1": "5", "s3": "2", "s2": "4", "s1": "6",
    }  # fmt: skip
    assert result["n3"].side == "right"


def test_north_south_origin():
    road = [at(0, 300), at(0, -300)]  # digitised north to south
    entrances = [Entrance("a", at(20, -250)), Entrance("b", at(20, 250))]
    result = by_id(number_road(road, entrances, NumberingPolicy(origin="south")))
    assert result["a"].label == "2"  # counting north: east is on the right
    assert result["b"].label == "4"


def arc(radius_m, start_deg, end_deg, steps=30):
    angles = [math.radians(start_deg + (end_deg - start_deg) * i / steps) for i in range(steps + 1)]
    return [at(radius_m * math.cos(a), radius_m * math.sin(a)) for a in angles]


def test_curved_road_sides_and_distances():
    road = arc(400, 0, 180)  # anticlockwise half circle: the centre is on the left
    inner = [
        Entrance(f"in{d}", at(370 * math.cos(math.radians(d)), 370 * math.sin(math.radians(d))))
        for d in (20, 90, 160)
    ]
    outer = [
        Entrance(f"out{d}", at(430 * math.cos(math.radians(d)), 430 * math.sin(math.radians(d))))
        for d in (45, 135)
    ]
    result = by_id(number_road(road, inner + outer, NumberingPolicy()))
    assert [result[f"in{d}"].label for d in (20, 90, 160)] == ["1", "3", "5"]
    assert [result[f"out{d}"].label for d in (45, 135)] == ["2", "4"]
    # half way along the arc; inside a bend the nearest point lies on a chord next to the vertex
    assert result["in90"].distance_along_m == pytest.approx(400 * math.radians(90), abs=3)
    assert result["out45"].offset_m == pytest.approx(30, abs=1)  # chord, not arc


def test_curved_road_reversed_gives_same_numbers_with_origin():
    road = arc(400, 0, 180)
    entrances = [
        Entrance(f"e{d}", at(430 * math.cos(math.radians(d)), 430 * math.sin(math.radians(d))))
        for d in (10, 60, 120, 170)
    ]
    policy = NumberingPolicy(origin="east")
    assert labels(number_road(road, entrances, policy)) == labels(
        number_road(road[::-1], entrances, policy)
    )


def test_dead_end_counts_from_open_end():
    entrances = [Entrance("near_east", at(280, 20)), Entrance("near_west", at(-280, 20))]
    result = by_id(number_road(EW_ROAD, entrances, NumberingPolicy(dead_end="start")))
    assert result["near_east"].label == "2"  # counted westward: north is on the right
    assert result["near_west"].label == "4"
    assert result["near_east"].distance_along_m == pytest.approx(20, abs=0.5)


def test_infill_between_12_and_14_gets_sub_numbers():
    existing = [
        Entrance("a", at(-200, -20), HouseNumber(12)),
        Entrance("b", at(0, -20), HouseNumber(14)),
    ]
    new = [Entrance("x", at(-150, -20)), Entrance("y", at(-50, -20))]
    result = by_id(number_infill(EW_ROAD, existing + new, NumberingPolicy()))
    assert result["x"].label == "12-1" and result["x"].is_new
    assert result["y"].label == "12-2"
    assert result["a"].label == "12" and not result["a"].is_new


def test_infill_uses_free_number_when_one_exists():
    existing = [
        Entrance("a", at(-200, -20), HouseNumber(12)),
        Entrance("b", at(0, -20), HouseNumber(18)),
        Entrance("c", at(100, -20), HouseNumber(20)),
    ]
    new = [Entrance("x", at(-150, -20)), Entrance("y", at(-50, -20)), Entrance("z", at(-40, -20))]
    result = by_id(number_infill(EW_ROAD, existing + new, NumberingPolicy(skip=frozenset({16}))))
    assert (result["x"].label, result["y"].label, result["z"].label) == ("14", "14-1", "14-2")


def test_infill_after_existing_sub_number_and_beyond_last():
    existing = [
        Entrance("a", at(-200, 20), HouseNumber(11)),
        Entrance("b", at(-150, 20), HouseNumber(11, 1)),
        Entrance("c", at(0, 20), HouseNumber(13)),
    ]
    new = [Entrance("x", at(-100, 20)), Entrance("y", at(200, 20))]
    result = by_id(number_infill(EW_ROAD, existing + new, NumberingPolicy()))
    assert result["x"].label == "11-2"
    assert result["y"].label == "15"


def test_infill_in_distance_mode_takes_reserved_slot():
    policy = NumberingPolicy(mode="distance", interval_m=10)
    existing = [
        Entrance("a", at(-295, 20), HouseNumber(1)),
        Entrance("b", at(-100, 20), HouseNumber(41)),
    ]
    new = [Entrance("x", at(-200, 20))]  # 100 m along: slot 10 → 21
    assert by_id(number_infill(EW_ROAD, existing + new, policy))["x"].label == "21"


def test_skip_numbers():
    entrances = [Entrance(f"s{i}", at(-290 + 40 * i, -20)) for i in range(8)]
    entrances += [Entrance(f"n{i}", at(-290 + 40 * i, 20)) for i in range(8)]
    policy = NumberingPolicy(skip=frozenset({4, 13, 14}))
    result = by_id(number_road(EW_ROAD, entrances, policy))
    assert [result[f"s{i}"].label for i in range(8)] == [
        "2",
        "6",
        "8",
        "10",
        "12",
        "16",
        "18",
        "20",
    ]
    assert [result[f"n{i}"].label for i in range(8)] == ["1", "3", "5", "7", "9", "11", "15", "17"]


def test_skip_any_number_containing_4():
    entrances = [Entrance(f"s{i}", at(-290 + 30 * i, -20)) for i in range(20)]
    policy = NumberingPolicy(skip_containing_4=True)
    numbers = [n.number.number for n in number_road(EW_ROAD, entrances, policy)]
    assert all("4" not in str(n) for n in numbers)
    assert numbers[:8] == [2, 6, 8, 10, 12, 16, 18, 20]
    assert 50 in numbers and 40 not in numbers


def test_distance_mode_gaps_proportional_to_distance():
    policy = NumberingPolicy(mode="distance", interval_m=10)
    entrances = [Entrance(f"e{d}", at(-300 + d, 20)) for d in (5, 105, 305, 308)]
    result = by_id(number_road(EW_ROAD, entrances, policy))
    assert [result[f"e{d}"].number.number for d in (5, 105, 305)] == [1, 21, 61]
    assert result["e308"].label == "63"  # same slot as e305: next free number
    south = by_id(number_road(EW_ROAD, [Entrance("s", at(-300 + 255, -20))], policy))
    assert south["s"].label == "52"


def test_entrances_beyond_the_ends():
    entrances = [
        Entrance("before", at(-330, 15)),
        Entrance("inside", at(0, 15)),
        Entrance("after", at(340, 15)),
    ]
    result = by_id(number_road(EW_ROAD, entrances, NumberingPolicy()))
    assert result["before"].distance_along_m == pytest.approx(-30, abs=0.5)
    assert result["after"].distance_along_m == pytest.approx(640, abs=0.5)
    assert "beyond_end" in result["before"].notes and "beyond_end" in result["after"].notes
    assert [result[k].label for k in ("before", "inside", "after")] == ["1", "3", "5"]
    assert haversine_m(result["after"].road_point, EW_ROAD[-1]) < 0.1
    assert result["after"].offset_m == pytest.approx(math.hypot(40, 15), abs=0.2)


def test_duplicate_positions_get_distinct_numbers():
    entrances = [Entrance("b", at(0, 20)), Entrance("a", at(0, 20)), Entrance("c", at(100, 20))]
    result = by_id(number_road(EW_ROAD, entrances, NumberingPolicy()))
    assert (result["a"].label, result["b"].label, result["c"].label) == ("1", "3", "5")
    assert "same_position" in result["a"].notes and "same_position" in result["b"].notes
    assert "same_position" not in result["c"].notes


def test_closed_loop_counts_from_first_vertex():
    loop = [at(0, 0), at(200, 0), at(200, 200), at(0, 200), at(0, 0)]  # anticlockwise
    entrances = [
        Entrance("inside_s", at(100, 20)),
        Entrance("inside_e", at(180, 100)),
        Entrance("inside_n", at(100, 180)),
        Entrance("outside_w", at(-20, 100)),
        Entrance("corner", at(-10, -10)),
    ]
    result = by_id(number_road(loop, entrances, NumberingPolicy(origin="east")))
    assert [result[k].label for k in ("inside_s", "inside_e", "inside_n")] == ["1", "3", "5"]
    assert result["outside_w"].side == "right"
    assert result["corner"].side == "right" and result["corner"].distance_along_m == 0
    assert result["inside_n"].distance_along_m == pytest.approx(500, abs=0.5)


def test_locate_reports_without_numbering():
    (loc,) = locate(EW_ROAD, [at(100, -7)], NumberingPolicy())
    assert loc.side == "right" and loc.offset_m == pytest.approx(7, abs=0.05)
    assert not loc.beyond_end and not loc.on_centreline


def test_entrance_on_centreline_is_flagged():
    (n,) = number_road(EW_ROAD, [Entrance("x", at(10, 0))], NumberingPolicy())
    assert "on_centreline" in n.notes


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", HouseNumber(12)), ("12-1", HouseNumber(12, 1)), ("12之1号", HouseNumber(12, 1))],
)
def test_parse_house_number(text, expected):
    assert parse_house_number(text) == expected


def test_house_number_order_and_validation():
    assert HouseNumber(12) < HouseNumber(12, 1) < HouseNumber(12, 2) < HouseNumber(14)
    with pytest.raises(ValueError):
        HouseNumber(0)
    with pytest.raises(ValueError):
        parse_house_number("十二")


def test_bad_inputs_rejected():
    with pytest.raises(ValueError):
        number_road([at(0, 0), at(0, 0)], [], NumberingPolicy())
    with pytest.raises(ValueError):
        number_road(EW_ROAD, [Entrance("a", at(0, 5)), Entrance("a", at(9, 5))], NumberingPolicy())
    with pytest.raises(ValueError):
        NumberingPolicy(interval_m=0)


policies = st.builds(
    NumberingPolicy,
    origin=st.sampled_from(["start", "end", "east", "west", "north", "south"]),
    odd_side=st.sampled_from(["left", "right"]),
    mode=st.sampled_from(["sequential", "distance"]),
    interval_m=st.sampled_from([5.0, 10.0, 20.0]),
    skip=st.sampled_from([frozenset(), frozenset({4, 13, 14})]),
    skip_containing_4=st.booleans(),
)
offsets = st.tuples(
    st.floats(-350, 350), st.floats(3, 60) | st.floats(-60, -3)
)  # (along x, signed y); never on the centreline


@settings(max_examples=60, deadline=None)
@given(policy=policies, points=st.lists(offsets, min_size=1, max_size=25), reverse=st.booleans())
def test_property_parity_follows_side_and_numbers_increase(policy, points, reverse):
    road = EW_ROAD[::-1] if reverse else EW_ROAD
    entrances = [Entrance(f"e{i:02d}", at(x, y)) for i, (x, y) in enumerate(points)]
    numbered = number_road(road, entrances, policy)
    for n, (_, y) in zip(numbered, points, strict=True):
        assert n.parity == policy.parity_of(n.side)
        assert policy.allowed(n.number.number)
        north = y > 0
        assert n.side == ("left" if north == _counts_east(policy, reverse) else "right")
    for side in ("left", "right"):
        row = sorted(
            (n for n in numbered if n.side == side), key=lambda n: (n.distance_along_m, n.id)
        )
        numbers = [n.number for n in row]
        assert numbers == sorted(set(numbers))  # strictly increasing along the road


def _counts_east(policy, reverse):
    """Whether counting runs eastward on EW_ROAD (digitised west→east unless reversed)."""
    starts_west = {"start": not reverse, "end": reverse, "east": False, "west": True}
    return starts_west.get(policy.origin, not reverse)  # north/south: no change on an E-W line


@settings(max_examples=40, deadline=None)
@given(
    bends=st.lists(st.floats(-60, 60), min_size=1, max_size=8),
    picks=st.lists(
        st.tuples(st.floats(0.05, 0.95), st.sampled_from([-1, 1])), min_size=1, max_size=15
    ),
    policy=policies,
)
def test_property_curved_roads(bends, picks, policy):
    """On a random gently-bending road, entrances placed off known points keep the rules."""
    xy, heading = [(0.0, 0.0)], 0.0
    for bend in bends:
        heading += math.radians(bend)
        last = xy[-1]
        xy.append((last[0] + 120 * math.cos(heading), last[1] + 120 * math.sin(heading)))
    road = PROJ.to_lonlat(xy)
    entrances = []
    for i, (frac, sign) in enumerate(picks):
        seg = min(int(frac * len(bends)), len(bends) - 1)
        (x0, y0), (x1, y1) = xy[seg], xy[seg + 1]
        t = frac * len(bends) - seg
        dx, dy = (x1 - x0) / 120, (y1 - y0) / 120
        px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        entrances.append(
            Entrance(f"e{i:02d}", PROJ.to_lonlat([(px - sign * 5 * dy, py + sign * 5 * dx)])[0])
        )
    numbered = number_road(road, entrances, policy)
    for n in numbered:
        assert n.parity == policy.parity_of(n.side)
    for side in ("left", "right"):
        row = sorted(
            (n for n in numbered if n.side == side), key=lambda n: (n.distance_along_m, n.id)
        )
        assert [n.number for n in row] == sorted({n.number for n in row})
