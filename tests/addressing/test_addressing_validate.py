from placenames.addressing.geometry import local_projection_for
from placenames.addressing.numbering import Entrance, HouseNumber, NumberingPolicy
from placenames.addressing.validate import FindingCode, Severity, validate_road

PROJ = local_projection_for([(108.95, 34.25)])


def at(x_m, y_m):
    return PROJ.to_lonlat([(x_m, y_m)])[0]


ROAD = [at(-400, 0), at(400, 0)]  # west to east: north is left (odd)


def north(x, n, sub=0, eid=None):
    return Entrance(eid or f"n{n}", at(x, 15), HouseNumber(n, sub))


def south(x, n, sub=0, eid=None):
    return Entrance(eid or f"s{n}", at(x, -15), HouseNumber(n, sub))


def codes(findings):
    return sorted((f.code.value, f.entrance_ids) for f in findings)


def test_clean_road_has_no_findings():
    entrances = [north(-300, 1), north(-200, 3), north(0, 3, 1), south(-250, 2), south(50, 4)]
    assert validate_road(ROAD, entrances, NumberingPolicy()) == []


def test_deliberately_wrong_set():
    entrances = [
        north(-350, 1),
        north(-250, 3),
        north(-150, 11),  # out of order: 11 before 5 and 7
        north(-50, 5),
        north(0, 7),
        south(-300, 2),
        south(-200, 6, eid="s6a"),
        south(-100, 6, eid="s6b"),  # duplicate
        south(0, 9),  # odd number on the even side
        south(100, 40),  # 16 numbers missing after 6
        Entrance("new", at(300, 15)),  # not numbered yet
    ]
    findings = validate_road(ROAD, entrances, NumberingPolicy())
    assert codes(findings) == [
        ("duplicate", ("s6a", "s6b")),
        ("out_of_order", ("n11",)),
        ("unnumbered", ("new",)),
        ("unusual_gap", ("s6b", "s40")),
        ("wrong_side", ("s9",)),
    ]
    by_code = {f.code: f for f in findings}
    assert by_code[FindingCode.WRONG_SIDE].severity is Severity.ERROR
    assert "右侧" in by_code[FindingCode.WRONG_SIDE].message_zh
    assert "right side" in by_code[FindingCode.WRONG_SIDE].message_en
    assert by_code[FindingCode.UNUSUAL_GAP].severity is Severity.WARNING
    assert "重复" in by_code[FindingCode.DUPLICATE].message_zh


def test_wrong_side_follows_policy():
    entrances = [north(0, 2)]  # even on the north side
    assert codes(validate_road(ROAD, entrances, NumberingPolicy())) == [("wrong_side", ("n2",))]
    beijing = NumberingPolicy(origin="east", odd_side="right")  # odds north
    assert codes(validate_road(ROAD, [north(0, 1)], beijing)) == []


def test_order_is_judged_in_counting_direction():
    entrances = [north(-300, 5), north(0, 3), north(300, 1)]
    from_east = NumberingPolicy(origin="east", odd_side="right")
    assert codes(validate_road(ROAD, entrances, from_east)) == []
    found = codes(validate_road(ROAD, entrances, NumberingPolicy(origin="west")))
    assert [c for c, _ in found] == ["out_of_order", "out_of_order"]


def test_distance_mode_expects_gaps_from_distance():
    policy = NumberingPolicy(mode="distance", interval_m=10)
    ok = [north(-395, 1), north(-195, 41)]  # 200 m: about 20 pairs
    assert validate_road(ROAD, ok, policy) == []
    too_far = [north(-395, 1), north(-385, 81)]  # 10 m but 39 numbers missing
    assert [f.code for f in validate_road(ROAD, too_far, policy)] == [FindingCode.UNUSUAL_GAP]


def test_skipped_number_in_use():
    policy = NumberingPolicy(skip=frozenset({13}))
    findings = validate_road(ROAD, [north(0, 13)], policy)
    assert [f.code for f in findings] == [FindingCode.SKIPPED_NUMBER]
