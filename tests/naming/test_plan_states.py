"""The naming plan's pure core: both transition tables, the one guard, plan input, and how
the duplicate screen scores reserved and released names."""

import pytest

from placenames.naming.duplicates import Candidate, score
from placenames.naming.keys import name_keys
from placenames.workflow import IllegalTransition, NotPermitted
from placenames.workflow.plans import (
    PLAN_TRANSITIONS,
    RESERVED_TRANSITIONS,
    PlanInputError,
    PlanState,
    ReservedState,
    allowed,
    check_theme,
    decide,
    parse_themes,
    reserved_state,
    validate_plan,
)

CLERK, COMMITTEE = {"clerk"}, {"committee"}


def test_plan_lifecycle():
    assert decide("draft", "approve", roles=COMMITTEE) == PlanState.APPROVED
    assert decide("draft", "approve", roles={"approver"}) == PlanState.APPROVED
    assert decide("approved", "retire", roles=CLERK) == PlanState.RETIRED
    assert decide("draft", "reserve", roles=CLERK) == PlanState.DRAFT
    assert decide("approved", "take", roles=CLERK) == PlanState.APPROVED
    with pytest.raises(NotPermitted):  # roles first: a clerk does not approve
        decide("draft", "approve", roles=CLERK)
    with pytest.raises(NotPermitted):  # and learns nothing about the state
        decide("retired", "approve", roles=CLERK)
    with pytest.raises(IllegalTransition) as err:
        decide("approved", "edit", roles=CLERK)
    assert "已批准" in err.value.message_zh and "approved" in err.value.message_en
    for state in ("retired",):
        for action in ("edit", "approve", "reserve", "take", "retire"):
            assert not allowed(state, action, roles=CLERK | COMMITTEE)
    with pytest.raises(IllegalTransition):
        decide("draft", "explode", roles=CLERK)
    with pytest.raises(ValueError):
        decide("lost", "edit", roles=CLERK)


def test_reserved_name_lifecycle():
    r = {"kind": "reserved"}
    assert decide("reserved", "take", roles=CLERK, **r) == ReservedState.TAKEN
    assert decide("taken", "use", roles=None, **r) == ReservedState.USED
    assert decide("taken", "give_back", roles=None, **r) == ReservedState.RESERVED
    assert decide("reserved", "release", roles=CLERK, **r) == ReservedState.RELEASED
    assert decide("taken", "rescreen", roles=CLERK, **r) == ReservedState.TAKEN
    with pytest.raises(IllegalTransition) as err:  # release waits for the application
        decide("taken", "release", roles=CLERK, **r)
    assert "give back" not in err.value.message_en and "application" in err.value.message_en
    for state in ("used", "released"):
        for action in ("take", "release", "rescreen"):
            assert not allowed(state, action, roles=CLERK, **r)
    with pytest.raises(IllegalTransition):
        decide("reserved", "use", roles=None, **r)  # only a taken name is put in force
    with pytest.raises(ValueError):  # procedure actions carry no roles
        decide("taken", "use", roles=CLERK, **r)
    with pytest.raises(NotPermitted):
        decide("reserved", "take", roles={"applicant"}, **r)
    # the tables: every state is reachable, terminal states have no way out
    assert {t for t in RESERVED_TRANSITIONS.values()} == set(ReservedState)
    assert not [k for k in RESERVED_TRANSITIONS if k[0] in {"used", "released"}]
    assert not [k for k in PLAN_TRANSITIONS if k[0] == "retired"]


def test_state_derived_from_the_place():
    assert reserved_state("reserved", False) == "reserved"
    assert reserved_state("reserved", True) == "taken"
    assert reserved_state("in_force", True) == "used"
    assert reserved_state("renamed", False) == "used"
    assert reserved_state("released", False) == "released"


def test_plan_input():
    v = validate_plan(code=" QH-2026 ", title="秦汉新城地名规划（2026—2030年）",
                      period_start="2026", period_end=2030, themes="秦汉文化\n周文化、秦汉文化\n\n")
    assert v.code == "QH-2026" and v.themes == ("秦汉文化", "周文化") and v.period_end == 2030
    bad = [dict(code="x"), dict(code="QH 2026"), dict(title=" "), dict(period_start="20x6"),
           dict(period_start=1900), dict(period_end=2020), dict(period_end=2070),
           dict(themes=""), dict(themes=["长" * 61])]
    for kw in bad:
        values = dict(code="QH-2026", title="t", period_start=2026, period_end=2030,
                      themes="秦汉文化")
        values.update(kw)
        with pytest.raises(PlanInputError) as err:
            validate_plan(**values)
        assert err.value.http_status == 400 and err.value.message_zh
    assert parse_themes(["周文化", " 周文化 "]) == ("周文化",)
    assert check_theme("周文化", ["秦汉文化", "周文化"]) == "周文化"
    with pytest.raises(PlanInputError):
        check_theme("唐文化", ["秦汉文化", "周文化"])


def _cand(status, name="长陵路"):
    return Candidate(id="1", name=name, cls="road", status=status, jurisdiction_code="610404005",
                     distance_m=None, keys=name_keys(name, "road"))


def test_reserved_blocks_released_informs():
    keys = name_keys("长陵路", "road")
    [hit] = score("长陵路", "road", keys, [_cand("reserved")])
    assert hit.severity == "block" and "备用地名" in hit.reason_zh
    [hit] = score("长陵路", "road", keys, [_cand("released")])
    assert hit.severity == "info" and "已释放" in hit.reason_zh and "free again" in hit.reason_en
    [hit] = score("长陵街", "street", name_keys("长陵街", "street"), [_cand("released")])
    assert hit.severity == "info"
