"""Division hits where people see the screen: the application page, the names check API, the
assessment report; the demo's divisions carry their keys (a fresh database per test)."""

from __future__ import annotations

import account_builders
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import select

from placenames.models import Jurisdiction
from placenames.ops.demo import loader as demo
from placenames.ops.procedure import documents, steps

SANQIAO = "610112002"  # 三桥街道, a township of the demo frame


def test_the_demo_frame_stores_the_keys_of_its_divisions(session):
    demo.load_frame(session)
    session.flush()
    divisions = list(session.scalars(select(Jurisdiction)))
    assert len(divisions) > 25
    assert all(j.key_specific and j.key_specific_pinyin and j.romanization for j in divisions)
    sanqiao = session.scalar(select(Jurisdiction).where(Jurisdiction.code == SANQIAO))
    assert (sanqiao.specific, sanqiao.generic) == ("三桥", "街道")


def test_a_township_application_shows_the_division_it_duplicates(client, app, session):
    users = b.world(session)
    a = b.draft(session, users, name="三桥街道", cls="township")
    data = steps.run_screen(session, a, "submission", actor=users["applicant"], now=b.NOW)
    session.commit()
    (hit,) = [h for h in data["results"][0]["hits"] if h["record"] == "division"]
    assert (hit["code"], hit["level"], hit["kind"], hit["severity"]) == \
        (SANQIAO, "township", "exact", "block")
    assert hit["jurisdiction"] == "未央区"  # where it lies
    r = account_builders.sign_in(app, client, "clerk", "demo1234")
    assert r.status_code in (200, 302)
    html = client.get(f"/committee/applications/{a.id}").get_data(True)
    assert f"行政区划 乡级 {SANQIAO}, 未央区" in html
    html = client.get(f"/committee/applications/{a.id}?lang=en").get_data(True)
    assert f"division township {SANQIAO}, 未央区" in html
    # the assessment report's screen section (its PDF comes later in the procedure)
    section = documents._screen_section(session, a)
    assert any(f"三桥街道（行政区划 {SANQIAO}，" in text for _label, text in section.rows)


def test_the_names_check_api_answers_a_division_hit_with_its_code_and_level(client, session):
    demo.load_frame(session)
    session.commit()
    r = client.get(f"/api/v1/names/check?name=三桥街道&class=township&area={SANQIAO[:6]}")
    assert r.status_code == 200
    body = r.get_json()
    (hit,) = [h for h in body["hits"] if h["record"] == "division"]
    assert (hit["code"], hit["level"], hit["class"]) == (SANQIAO, "township", "township")
    assert body["verdict"] == "block"
    r = client.get("/api/v1/names/check?name=三桥路&class=road&area=610112")
    assert all(h["record"] == "place" for h in r.get_json()["hits"])
