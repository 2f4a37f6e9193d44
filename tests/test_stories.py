"""Name stories (地名故事) on both backends: the guard (roles, four eyes, states), the
workflow with photos, the record page and a plate's scan page showing the published story
(and nothing before), the public list, photos served only once published, the heritage mark
and its warning when an application proposes to rename the name."""

import io

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from PIL import Image
from sqlalchemy import select

from placenames.errors import BadInput, GuardRefused
from placenames.models import AuditEvent, NameStory
from placenames.ops import stories
from placenames.ops.accounts.users import ensure_user
from placenames.ops.plates import batches as plate_ops
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import steps
from placenames.storage import Shelf
from placenames.workflow.errors import IllegalTransition, NotPermitted
from placenames.workflow.stories import TRANSITIONS, StoryState, decide

NOW = b.NOW
TEXT = stories.StoryInput(meaning="因汉代建章宫遗址在其附近而得名。",
                          origin="汉武帝太初元年（前104年）建建章宫。\n今路因宫得名。",
                          sources="《西安市地名志》；《三辅黄图》")


def jpeg(color=(180, 40, 40), size=(64, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


# --- the pure guard ------------------------------------------------------------------------

def test_the_guard_checks_roles_then_the_author_then_the_state():
    assert decide("draft", "submit", roles={"clerk"}) is StoryState.SUBMITTED
    assert decide("submitted", "publish", roles={"committee"}) is StoryState.PUBLISHED
    assert decide("published", "revise", roles={"clerk"}) is StoryState.DRAFT
    with pytest.raises(NotPermitted) as exc:
        decide("submitted", "publish", roles={"clerk"}, actor_is_author=True)
    assert exc.value.code == "own_story"
    with pytest.raises(NotPermitted):
        decide("draft", "submit", roles={"surveyor"})
    with pytest.raises(IllegalTransition) as exc:
        decide("draft", "publish", roles={"clerk"})
    assert "提交审核" in exc.value.message_zh  # the actions possible now
    for state in StoryState:  # every state has a way on
        assert any(s is state for s, _a in TRANSITIONS)


# --- the workflow ------------------------------------------------------------------------------

@pytest.fixture
def world(session):
    j, built = b.registry(session, per_road=2, roads=("建章路",))
    road, addresses = built["建章路"]
    writer = b.clerk(session, "writer")
    reviewer = b.clerk(session, "reviewer")
    plate = plate_ops.issue_plate(session, addresses[0], size="small", actor_id=None, now=NOW)
    session.commit()
    return road, plate, writer, reviewer


def test_a_story_is_written_reviewed_by_someone_else_and_published(session, world, tmp_path):
    road, _plate, writer, reviewer = world
    story = stories.start(session, road.id, TEXT, actor=writer, now=NOW)
    stories.add_photo(session, story, Shelf.local(tmp_path), "gate.jpg", jpeg(), "建章宫遗址",
                      "西咸新区地名办摄", actor=writer, now=NOW)
    session.commit()
    assert stories.published_story(session, road.id) is None  # a draft is not public
    stories.act(session, story, "submit", actor=writer, now=NOW)
    with pytest.raises(GuardRefused) as exc:
        stories.act(session, story, "publish", actor=writer, now=NOW)
    assert exc.value.http_status == 403
    with pytest.raises(BadInput):  # returning says what to change
        stories.act(session, story, "return", actor=reviewer, now=NOW, note="  ")
    stories.act(session, story, "return", actor=reviewer, now=NOW, note="请补充资料来源页码")
    assert story.status == "draft" and story.review_note == "请补充资料来源页码"
    stories.edit(session, story, TEXT, actor=writer, now=NOW, expected_version=story.version)
    stories.act(session, story, "submit", actor=writer, now=NOW)
    stories.act(session, story, "publish", actor=reviewer, now=NOW)
    session.commit()
    shown = stories.published_story(session, road.id)
    assert shown.meaning == TEXT.meaning and shown.origin == TEXT.origin
    assert [p.caption for p in shown.photos] == ["建章宫遗址"]
    assert [s.name for s in stories.published_stories(session)] == ["建章路"]
    actions = [e.action for e in session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "story").order_by(AuditEvent.at, AuditEvent.id))]
    assert actions.count("story_submit") == 2 and "story_publish" in actions
    assert "story_return" in actions
    with pytest.raises(GuardRefused):  # a published story's photos change only after revise
        stories.add_photo(session, story, Shelf.local(tmp_path), "x.jpg", jpeg(), "x", "y",
                          actor=writer, now=NOW)
    stories.act(session, story, "revise", actor=writer, now=NOW)
    session.commit()
    assert stories.published_story(session, road.id) is None


def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(session, world, tmp_path):
    road, _plate, writer, _reviewer = world
    with pytest.raises(GuardRefused) as exc:
        stories.start(session, road.id, stories.StoryInput("", " ", "x"), actor=writer,
                      now=NOW)
    assert exc.value.http_status == 400 and "含义或来历" in exc.value.user_msg
    session.rollback()
    story = stories.start(session, road.id, TEXT, actor=writer, now=NOW)
    for name, raw, caption, source in [("a.txt", b"not an image", "c", "s"),
                                       ("a.jpg", jpeg(), "", "s"), ("a.jpg", jpeg(), "c", "")]:
        with pytest.raises(BadInput):
            stories.add_photo(session, story, Shelf.local(tmp_path), name, raw, caption, source,
                              actor=writer, now=NOW)
    assert story.photos == [] and not list(tmp_path.rglob("*.jpg"))


# --- the pages ------------------------------------------------------------------------------

def test_the_record_page_and_the_scan_page_show_the_published_story(app, client, session,
                                                                   world, tmp_path):
    road, plate, writer, reviewer = world
    story = stories.start(session, road.id, TEXT, actor=writer, now=NOW)
    shelf = Shelf(app.extensions["placenames.storage"], "stories")  # where the app reads
    photo = stories.add_photo(session, story, shelf, "gate.jpg", jpeg(), "建章宫遗址",
                              "地名办摄", actor=writer, now=NOW)
    stories.act(session, story, "submit", actor=writer, now=NOW)
    session.commit()
    photo_url = f"/stories/photos/{photo.id}"
    scan = client.get(f"/p/{plate.plate_id}?lang=zh").get_data(True)
    assert 'id="story"' not in scan and client.get(photo_url).status_code == 404
    etag = client.get(f"/p/{plate.plate_id}").headers["ETag"]
    stories.act(session, story, "publish", actor=reviewer, now=NOW)
    session.commit()
    page = client.get(f"/names/{road.id}?lang=zh").get_data(True)
    assert 'id="story"' in page and "汉武帝太初元年" in page and photo_url in page
    scan = client.get(f"/p/{plate.plate_id}?lang=zh")
    html = scan.get_data(True)
    assert scan.headers["ETag"] != etag  # the published story is part of the view
    assert "汉武帝太初元年" in html and "今路因宫得名" in html and photo_url in html
    assert "《西安市地名志》" in html
    answer = client.get(f"/p/{plate.plate_id}", headers={"Accept": "application/json"})
    assert answer.get_json()["road"]["story"]["photos"][0]["caption"] == "建章宫遗址"
    got = client.get(photo_url)
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(got.data)).size == (64, 40)
    listing = client.get("/stories?lang=zh").get_data(True)
    assert "建章路" in listing and photo_url in listing


def test_staff_write_a_story_in_the_browserless_forms_and_typed_text_is_kept(app, client,
                                                                          session, world,
                                                                          tmp_path):
    road, _plate, writer, _reviewer = world
    app.instance_path = str(tmp_path)
    app.config["WTF_CSRF_ENABLED"] = False
    b.login(client, writer)
    page = client.get(f"/names/{road.id}?lang=zh").get_data(True)
    assert f'href="/staff/stories/new/{road.id}"' in page
    form = client.get(f"/staff/stories/new/{road.id}?lang=zh").get_data(True)
    assert "建章路的来历" in form  # begun from the record's origin
    r = client.post(f"/staff/stories/new/{road.id}?lang=zh",
                    data={"meaning": "", "origin": "", "sources": "只写了来源"})
    assert r.status_code == 400 and "只写了来源" in r.get_data(True)
    r = client.post(f"/staff/stories/new/{road.id}", data={
        "meaning": TEXT.meaning, "origin": TEXT.origin, "sources": TEXT.sources})
    assert r.status_code == 302
    story = stories.story_of(session, road.id)
    story_id, version = story.id, story.version
    session.rollback()  # hold no read lock while the app writes (SQLite)
    r = client.post(f"/staff/stories/{story_id}/photos?lang=zh", data={
        "photo": (io.BytesIO(b"GIF89a"), "x.gif"), "caption": "说明", "source": "来源"},
        content_type="multipart/form-data")
    assert r.status_code == 400 and 'value="说明"' in r.get_data(True)
    r = client.post(f"/staff/stories/{story_id}/act?lang=zh",
                    data={"action": "publish", "version": version})
    assert r.status_code == 403  # a clerk may review, but not the text he wrote
    r = client.post(f"/staff/stories/{story_id}/act",
                    data={"action": "submit", "version": version})
    assert r.status_code == 302
    session.expire_all()
    assert stories.story_of(session, road.id).status == "submitted"
    assert client.get("/staff/stories?status=submitted").get_data(True).count(
        'data-state="submitted"') == 1


def test_a_heritage_name_warns_when_an_application_proposes_to_rename_it(session, world):
    road, _plate, writer, _reviewer = world

    def rename_screen():
        applicant = ensure_user(session, "applicant9", "申请人", "pw-123456", ["applicant"])
        app = apps.create_application(session, apps.ApplicationInput(
            kind="rename", cls="road", candidates=[apps.CandidateInput("新章路", "新的含义")],
            reason="道路改造后更名", location_desc="建章路街道", jurisdiction_code="610112012",
            applicant_org="沣东新城建设局", old_name="建章路"), actor=applicant, now=NOW)
        assert app.target_place_id == road.id
        return steps.run_screen(session, app, "submission", actor=None, now=NOW)

    def heritage_findings(screened):
        return [f for r in screened["results"] for f in r["findings"]
                if f["code"] == "heritage_rename"]

    assert heritage_findings(rename_screen()) == []  # not marked: no warning
    session.rollback()
    story = stories.start(session, road.id, TEXT, actor=writer, now=NOW)
    stories.mark_heritage(session, story, True, actor=writer, now=NOW, note="汉代遗址")
    session.commit()
    screened = rename_screen()
    found = heritage_findings(screened)
    assert found and found[0]["severity"] == "warn" and "地名文化遗产" in found[0]["message_zh"]
    assert all(r["verdict"] in ("warn", "block") for r in screened["results"])


def test_the_demo_publishes_one_story_and_marks_the_other_as_heritage(session):
    """Without an instance folder (no photo) as with one: 世纪大道's story is published and is
    not a heritage name; 丰镐大道's waits for review with the heritage mark."""
    from placenames.ops.demo import loader as demo

    demo.load(session)
    session.commit()
    got = {s.place.name: (s.status, s.heritage) for s in session.scalars(select(NameStory))}
    assert got == {"世纪大道": ("published", False), "丰镐大道": ("submitted", True)}
