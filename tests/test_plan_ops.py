"""The naming plan on the database: reserve → a later screen hits it → an application takes
it → in force → the plan shows it as used (the same place row); release; the guards."""

import json

import pytest
from plan_builders import MEANING, WEICHENG, WKT, approved_plan, plan_input, reserve_input
from procedure_builders import NOW, advance, settings, world
from sqlalchemy import select

from placenames.errors import BadInput, NotFound
from placenames.models import AuditEvent, Place
from placenames.ops import plans
from placenames.ops.names import screen as screen_ops
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import steps
from placenames.workflow import State


def _hits(session, name, exclude=()):
    result = screen_ops.screen(session, name, "road", area_code=WEICHENG, exclude_ids=exclude)
    return result.verdict, {h.id: h for h in result.hits}


def test_reserve_take_in_force_used(session, tmp_path):
    users = world(session)
    plan = approved_plan(session, users)
    reserved = plans.reserve(session, plan, reserve_input(), actor=users["clerk"], now=NOW)
    place_id = reserved.place_id
    assert plans.state_of(reserved) == "reserved"
    assert reserved.place.status == "reserved" and reserved.place.romanization == "Changyang Lu"
    first = plans.history(reserved)[0]
    assert first["verdict"] == "clear" and first["actor"] == "clerk" and first["stage"] == "reserve"

    # a later screen of the same name in scope hits it and blocks
    verdict, hits = _hits(session, "长杨路")
    assert verdict == "block" and hits[str(place_id)].status == "reserved"
    assert "备用地名" in hits[str(place_id)].reason_zh

    # an application takes it: the plan's screen history goes with it
    clerk = users["clerk"]
    app = plans.take(session, reserved, actor=clerk, now=NOW)
    assert plans.state_of(reserved) == "taken" and reserved.application_id == app.id
    assert [c.name for c in app.candidates] == ["长杨路"]
    assert app.candidates[0].reason == MEANING
    carried = apps.step_data(session, app, "screen")
    assert carried[0]["stage"] == "plan" and carried[0]["results"][0]["name"] == "长杨路"
    assert carried[0]["screened_by"] == clerk.display_name

    # its own screens do not report its own reserved place
    cfg = settings(tmp_path)
    as_clerk = {**users, "applicant": clerk}  # the clerk owns the draft (counter application)
    advance(session, app, as_clerk, cfg, State.SUBMITTED)
    sub = apps.latest(session, app, "screen")
    assert sub["stage"] == "submission"
    assert all(h["id"] != str(place_id) for h in sub["results"][0]["hits"])
    assert sub["results"][0]["verdict"] != "block"

    # in force: the reserved place itself is the register entry
    advance(session, app, as_clerk, cfg, State.IN_FORCE)
    assert app.place_id == place_id
    place = session.get(Place, place_id)
    assert place.status == "in_force" and place.approval_doc_no == "陕西咸发〔2026〕12号"
    assert "批准命名" in place.history
    session.refresh(reserved)
    assert plans.state_of(reserved) == "used"
    assert session.scalar(select(Place.id).where(Place.name == "长杨路",
                                                 Place.id != place_id)) is None
    actions = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "reserved_name", AuditEvent.entity_id == str(reserved.id))
        .order_by(AuditEvent.at)))
    assert set(actions) == {"reserve", "take", "use"}


def test_release_frees_the_name_and_withdraw_gives_back(session, tmp_path):
    users = world(session)
    plan = approved_plan(session, users)
    clerk = users["clerk"]
    a = plans.reserve(session, plan, reserve_input(), actor=clerk, now=NOW)
    b = plans.reserve(session, plan, reserve_input("丰京路", "周文化", geojson=None, wkt=WKT,
                                                   meaning="西周丰京故地"), actor=clerk, now=NOW)
    with pytest.raises(BadInput):
        plans.release(session, a, actor=clerk, now=NOW, reason="")
    plans.release(session, a, actor=clerk, now=NOW, reason="规划调整，道路取消")
    assert plans.state_of(a) == "released" and a.release_reason == "规划调整，道路取消"
    verdict, hits = _hits(session, "长杨路")
    assert verdict != "block" and hits[str(a.place_id)].severity == "info"
    assert "已释放" in hits[str(a.place_id)].reason_zh
    # a released name cannot be taken nor released again
    with pytest.raises(plans.PlanError) as err:
        plans.take(session, a, actor=clerk, now=NOW)
    assert err.value.http_status == 409 and "已释放" in err.value.user_msg

    app = plans.take(session, b, actor=clerk, now=NOW)
    with pytest.raises(plans.PlanError):  # taken: release only once the application ended
        plans.release(session, b, actor=clerk, now=NOW, reason="不用了")
    steps.simple(session, app, "withdraw", actor=clerk, now=NOW, settings=settings(tmp_path),
                 expected_version=app.version)
    session.refresh(b)
    assert plans.state_of(b) == "reserved" and b.application_id is None
    entry = plans.rescreen(session, b, actor=clerk, now=NOW)
    assert entry["verdict"] == plans.history(b)[0]["verdict"] != "block"
    assert len(plans.history(b)) == 2 and str(b.place_id) not in {h["id"] for h in entry["hits"]}


def test_screen_blocks_entry_unless_reason(session):
    users = world(session)
    plan = approved_plan(session, users)
    clerk = users["clerk"]
    with pytest.raises(plans.ScreenBlocked) as err:  # 渭城路 is a demo road in force
        plans.reserve(session, plan, reserve_input("渭城路"), actor=clerk, now=NOW)
    assert err.value.result["verdict"] == "block" and "渭城路" in err.value.user_msg
    r = plans.reserve(session, plan, reserve_input("渭城路"), actor=clerk, now=NOW,
                      override_reason="原渭城路拟更名，名称留作新路")
    assert plans.history(r)[0]["override_reason"].startswith("原渭城路")


def test_guards_and_input(session):
    users = world(session)
    clerk, committee = users["clerk"], users["committee"]
    with pytest.raises(plans.PlanError) as err:  # committee members do not draft plans
        plans.create_plan(session, plan_input(), actor=committee, now=NOW)
    assert err.value.http_status == 403
    for bad in ({"period_start": 2030, "period_end": 2026}, {"code": "x"}, {"themes": " "},
                {"period_start": "20x6"}, {"area_code": "nowhere"}):
        with pytest.raises((plans.PlanError, BadInput)):
            plans.create_plan(session, plan_input(**bad), actor=clerk, now=NOW)
    plan = plans.create_plan(session, plan_input(), actor=clerk, now=NOW)
    with pytest.raises(plans.PlanError) as err:  # a draft plan's names are not taken yet
        plans.take(session, plans.reserve(session, plan, reserve_input(), actor=clerk, now=NOW),
                   actor=clerk, now=NOW)
    assert err.value.http_status == 409
    with pytest.raises(plans.PlanError) as err:
        plans.approve_plan(session, plan, actor=clerk, approving_body="x", approval_doc_no="1",
                           approval_date=NOW.date(), now=NOW)
    assert err.value.http_status == 403
    with pytest.raises(plans.PlanError):  # a draft is not retired
        plans.retire_plan(session, plan, actor=committee, now=NOW)
    for bad in ({"theme": "唐文化"}, {"meaning": " "}, {"cls": "river road"},
                {"geojson": None}, {"jurisdiction_code": "610112012"},
                {"jurisdiction_code": None}, {"geojson": '{"type": "Point"}'}):
        with pytest.raises((plans.PlanError, BadInput)):
            plans.reserve(session, plan, reserve_input("未央路", **bad), actor=clerk, now=NOW)
    with pytest.raises(NotFound):
        plans.get_plan(session, "NOPE")
    assert plans.get_plan(session, "QH-T") is plan
    assert plans.get_plan(session, str(plan.id)) is plan
    assert [p.code for p in plans.list_plans(session, status="draft")] == ["QH-T"]
    assert json.loads(plans.get_reserved(session, plan.reserved[0].id).screen_history)


def test_the_demo_plan_blocks_its_names(session):
    """The demo's plan (loaded by the demo frame): its reserved names block, its released one
    informs, a clerk can take one."""
    from placenames.ops.demo import plan as demo_plan

    users = world(session)
    plan = plans.get_plan(session, demo_plan.CODE)
    assert plan.status == "approved" and [t for t, _ in plans.by_theme(plan)] == ["秦汉文化",
                                                                                 "周文化"]
    verdict, hits = _hits(session, "长陵路")
    assert verdict == "block"
    verdict, hits = _hits(session, "望夷路")
    assert verdict != "block" and all(h.severity == "info" for h in hits.values())
    r = plans.find_reserved(session, plan, "文王路")
    app = plans.take(session, r, actor=users["clerk"], now=NOW)
    assert app.candidates[0].name == "文王路" and app.reason.startswith("启用《秦汉新城地名规划")
