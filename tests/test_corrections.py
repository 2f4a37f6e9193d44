"""Corrections of a name's record outside a procedure: audited with a reason, the name itself
untouchable, stale and invalid input refused with the form kept."""

import json
import re
from datetime import UTC, datetime

import plate_builders as b
import pytest
from sqlalchemy import select

from placenames.errors import BadInput, Conflict
from placenames.models import AuditEvent, Place
from placenames.ops.demo import loader as demo
from placenames.ops.registry import corrections

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def road(session):
    demo.load(session)
    session.commit()
    return session.scalar(select(Place).where(Place.name == "建章路"))


def fix(road, **values):
    return corrections.Correction(values=values, geojson=None, reason="核对原始档案",
                                  expected_version=road.version)


def test_a_correction_changes_only_what_it_names_and_is_audited(session, road):
    changed = corrections.correct_place(session, road, fix(road, meaning="新的含义", width_m="42"),
                                        actor_id=None, now=NOW)
    session.commit()
    assert changed == ["meaning", "width_m"]
    assert road.meaning == "新的含义" and road.width_m == 42 and road.name == "建章路"
    (ev,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "correct")).all()
    assert json.loads(ev.note) == {"reason": "核对原始档案", "fields": ["meaning", "width_m"]}
    assert corrections.corrections(session, road.id)[0]["reason"] == "核对原始档案"


def test_the_name_cannot_be_corrected_this_way(session, road):
    with pytest.raises(BadInput, match="Nothing was changed"):
        corrections.correct_place(session, road, fix(road, name="改名路"), actor_id=None, now=NOW)
    assert road.name == "建章路"


@pytest.mark.parametrize("reason", ["", "  ", "改"])
def test_a_reason_is_required(session, road, reason):
    data = corrections.Correction({"meaning": "x"}, None, reason, road.version)
    with pytest.raises(BadInput, match="reason"):
        corrections.correct_place(session, road, data, actor_id=None, now=NOW)


def test_a_stale_version_is_a_conflict(session, road):
    data = corrections.Correction({"meaning": "x"}, None, "核对原始档案", road.version - 1)
    with pytest.raises(Conflict):
        corrections.correct_place(session, road, data, actor_id=None, now=NOW)


def test_geometry_is_checked_and_stored(session, road):
    bowtie = ('{"type":"Polygon","coordinates":[[[108.8,34.2],[108.9,34.3],[108.9,34.2],'
              '[108.8,34.3],[108.8,34.2]]]}')
    with pytest.raises(BadInput, match="Self-intersection"):
        corrections.correct_place(session, road, corrections.Correction(
            {}, bowtie, "按踏勘更正", road.version), actor_id=None, now=NOW)
    line = '{"type":"LineString","coordinates":[[108.8361,34.255],[108.8362,34.3]]}'
    changed = corrections.correct_place(session, road, corrections.Correction(
        {}, line, "按踏勘更正", road.version), actor_id=None, now=NOW)
    session.commit()
    assert changed == ["geom"]
    assert corrections.current_geojson(session, road).count("108.8361") == 1


@pytest.fixture
def staff(app, client, session, road):
    b.signed_in_clerk(app, client, session)
    return road


def test_the_correction_page_keeps_the_form_on_error_and_shows_the_reason(client, session,
                                                                          staff):
    url = f"/staff/names/{staff.id}/correct?lang=zh"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    form = {"version": version, "meaning": "含义已改", "reason": ""}
    r = client.post(url, data=form)
    assert r.status_code == 400 and 'id="error-summary"' in r.get_data(as_text=True)
    assert "含义已改" in r.get_data(as_text=True)
    form["reason"] = "核对原始档案发现漏字"
    r = client.post(url, data=form)
    assert r.status_code == 302
    page = client.get(f"/names/{staff.id}?lang=zh").get_data(as_text=True)
    assert "含义已改" in page and "核对原始档案发现漏字" in page
    again = client.post(url, data=form)  # the old version: someone else changed it meanwhile
    assert again.status_code == 409 and "含义已改" in again.get_data(as_text=True)


def test_public_users_cannot_correct(client, road):
    r = client.get(f"/staff/names/{road.id}/correct")
    assert r.status_code in (302, 401, 403)
