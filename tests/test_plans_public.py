"""The public naming plans on both backends: /plans and /plans/<code> show approved plans only,
their names as planned (never as standard names), in Chinese or English; draft, retired and
unknown plans are a 404 with a message; the search never finds a reserved or released name."""

import json
import uuid

import planout_builders as pb  # tests/ is on sys.path (pyproject.toml)
import pytest
from plate_builders import login
from sqlalchemy import select

from placenames.models import NamingPlan, ReservedName
from placenames.ops.accounts.users import ensure_user
from placenames.ops.maps.search import map_search
from placenames.ops.search import autocomplete, search


@pytest.fixture
def world(session):
    return pb.plan_world(session)


def test_the_list_shows_approved_plans_only(client, world):
    html = client.get("/plans").get_data(True)
    assert "<h1>地名规划</h1>" in html and world.approved.title in html
    assert f'href="/plans/{pb.APPROVED_CODE}"' in html
    assert world.draft.title not in html and pb.DRAFT_CODE not in html
    assert "秦汉文化、周文化" in html and "2026–2035" in html
    english = client.get("/plans?lang=en").get_data(True)
    assert "<h1>Naming plans</h1>" in english and "Plan period" in english
    assert 'id="footer-plans"' in html  # linked from every page's footer


def test_an_approved_plan_shows_its_names_as_planned(client, world):
    html = client.get(f"/plans/{pb.APPROVED_CODE}").get_data(True)
    planned = html[html.index('id="planned-names"'):html.index('id="used-names"')]
    for name, pinyin in [("章台路", "Zhangtai Lu"), ("丰京广场", "Fengjing Guangchang"),
                         ("灵台桥", "Lingtai Qiao")]:
        assert name in planned and pinyin in planned
    assert planned.count('<span class="tag planned">规划</span>') == 3
    assert "规划地名（备用地名）" in html  # the notice: planned names are not standard names
    assert "/names/" not in planned  # a planned name links to no standard record
    used = html[html.index('id="used-names"'):]
    assert "太液路" in used and f'href="/names/{world.places["太液路"].id}"' in used
    assert "未央宫路" not in html  # released
    assert "阿房宫路" not in html  # the draft plan's
    assert "西咸管发〔2026〕12号" in html
    assert f'href="/map?plan={pb.APPROVED_CODE}"' in html
    english = client.get(f"/plans/{pb.APPROVED_CODE}?lang=en").get_data(True)
    assert "Planned names" in english and ">planned</span>" in english


@pytest.mark.parametrize("code", [pb.DRAFT_CODE, "NO-SUCH", "x" * 300])
def test_a_plan_the_public_may_not_see_is_a_404_with_a_message(client, world, code):
    r = client.get(f"/plans/{code}")
    assert r.status_code == 404
    html = r.get_data(True)
    assert "没有编号为" in html and "There is no approved naming plan" in html
    assert world.draft.title not in html
    r = client.get(f"/plans/{code}", headers={"Accept": "application/json"})
    assert r.status_code == 404 and "approved naming plan" in r.json["error"]


def test_a_retired_plan_leaves_the_public_pages(client, session, world):
    plan = session.scalar(select(NamingPlan).where(NamingPlan.code == pb.APPROVED_CODE))
    plan.status = "retired"
    session.commit()
    assert client.get(f"/plans/{pb.APPROVED_CODE}").status_code == 404
    assert world.approved.title not in client.get("/plans").get_data(True)


def test_the_search_never_finds_reserved_or_released_names(client, session, world):
    for q in ("章台路", "zhangtai", "丰京广场", "未央宫路", "阿房宫路", "灵台"):
        assert search(session, q).names == [], q
        assert autocomplete(session, q) == [], q
        assert map_search(session, q) == [], q
    assert [h.label for h in search(session, "太液路").names] == ["太液路"]  # used: in force
    assert "章台路" not in client.get("/search?q=章台").get_data(True)


def check(client, name, cls, **args):
    r = client.get("/api/v1/names/check",
                   query_string={"name": name, "class": cls, "area": "610112012", **args})
    assert r.status_code == 200, r.get_data(True)
    return r.get_json()


def test_the_public_check_counts_a_draft_plans_name_without_showing_it(client, session, world):
    """The draft's 阿房宫路 blocks the same name for anyone; the public reads that a reserved
    name of a plan not made public holds it, staff read the name and its record."""
    draft = world.places["阿房宫路"]
    public = check(client, "阿房宫路", "road")
    hit = next(h for h in public["hits"] if h["status"] == "reserved")
    assert public["verdict"] == "block" and hit["severity"] == "block"
    assert hit["id"] == "" and "未公布的规划备用地名" in hit["name"]
    assert str(draft.id) not in json.dumps(public, ensure_ascii=False)
    # a homophone would name it otherwise (阿旁宫路 sounds as 阿房宫路)
    similar = check(client, "阿旁宫路", "road")
    assert any("未公布的规划备用地名" in h["name"] and "未公布的规划备用地名" in h["reason_zh"]
               for h in similar["hits"])
    assert "阿房宫" not in json.dumps(similar, ensure_ascii=False)
    # an approved plan's planned name is public (the plan pages show it)
    planned = check(client, "章台路", "road")
    assert any(h["name"] == "章台路" and h["id"] == str(world.places["章台路"].id)
               for h in planned["hits"])
    clerk = ensure_user(session, "checkclerk", "审查科员", "pw-123456", ["clerk"])
    session.commit()
    login(client, clerk)
    staff = check(client, "阿房宫路", "road")
    assert any(h["name"] == "阿房宫路" and h["id"] == str(draft.id) for h in staff["hits"])


def test_staff_checking_for_an_application_do_not_see_its_own_reserved_name(client, session,
                                                                           world):
    bridge = session.scalar(select(ReservedName).where(
        ReservedName.place_id == world.places["灵台桥"].id))
    assert bridge.application_id is not None  # taken by an application (plan_world)
    clerk = ensure_user(session, "checkclerk", "审查科员", "pw-123456", ["clerk"])
    session.commit()
    login(client, clerk)
    own = str(world.places["灵台桥"].id)
    assert own in {h["id"] for h in check(client, "灵台桥", "bridge")["hits"]}
    answer = check(client, "灵台桥", "bridge", application=str(bridge.application_id))
    assert own not in {h["id"] for h in answer["hits"]}
    r = client.get("/api/v1/names/check", query_string={
        "name": "灵台桥", "class": "bridge", "application": str(uuid.uuid4())})
    assert r.status_code == 404 and "no application" in r.get_json()["error"]
