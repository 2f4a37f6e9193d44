"""Offline expert meetings: a clerk enters the panel's opinions from the signed minutes, through
the guard, with an audit event per opinion naming the clerk and the expert; a panel may hold
experts without accounts; the minutes are a checked upload that only office staff download."""

import io
import json
import re
import uuid
from datetime import date, timedelta

import account_builders
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from PIL import Image
from sqlalchemy import select

from placenames.errors import BadInput, Conflict
from placenames.models import AuditEvent
from placenames.models.workflow import Application
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import documents, meetings, steps, uploads
from placenames.workflow import State

NOW = b.NOW


@pytest.fixture
def world(session):
    return b.world(session)


def _events(session, app, action):
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "application", AuditEvent.entity_id == str(app.id),
        AuditEvent.action == action).order_by(AuditEvent.note)))


def _common(users, app, cfg, who="clerk", now=NOW):
    return {"actor": users[who], "now": now, "settings": cfg, "expected_version": app.version}


# --- the operation -----------------------------------------------------------------------------

def test_a_panel_with_an_expert_without_an_account_completes_through_an_offline_meeting(
        session, world, tmp_path):
    cfg = b.settings(tmp_path)
    app = b.under_review_with_an_expert_without_account(session, world, cfg)
    online = next(m for m in app.panel if m.expert.user_id is not None)
    steps.record_opinion(session, app, opinion="agree", reasons="在线意见",
                         **_common(world, app, cfg, online.expert.user.username))
    pending = [m for m in app.panel if not m.opinion]
    assert len(pending) == 3 and any(m.expert.user_id is None for m in pending)
    version, clerk = app.version, world["clerk"]

    t = meetings.record_meeting(session, app, b.meeting(app, "agree_with_changes"),
                             **_common(world, app, cfg))

    assert (t.from_state, t.to_state) == (State.UNDER_REVIEW, State.UNDER_REVIEW)
    assert app.state == State.UNDER_REVIEW and app.version == version + 1
    for m in pending:
        assert (m.opinion, m.entered_by_id, m.meeting_on) == ("agree_with_changes", clerk.id,
                                                              b.TODAY)
        assert m.reasons == f"{m.expert.name}：名称寓意清楚"
    assert (online.entered_by_id, online.meeting_on) == (online.expert.user_id, None)
    # one audit event for the meeting, one per opinion: the clerk is the actor, the note
    # names the expert it was entered for
    assert len(_events(session, app, "record_meeting")) == 1
    entered = [e for e in _events(session, app, "record_opinion") if e.actor_id == clerk.id]
    assert len(entered) == 3
    notes = [meetings.read_offline_note(e.note) for e in entered]
    assert {n["expert"] for n in notes} == {m.expert.name for m in pending}
    assert {n["expert_id"] for n in notes} == {str(m.expert_id) for m in pending}
    assert {(n["opinion"], n["meeting_on"]) for n in notes} == {("agree_with_changes",
                                                                 "2026-03-02")}
    # the signed minutes are kept with the application, under a random name
    meeting = apps.latest(session, app, "meeting")
    stored = tmp_path / "uploads" / str(app.id) / meeting["minutes"]["file"]
    assert stored.read_bytes() == b.PDF and stored.suffix == ".pdf"
    assert meeting["held_on"] == "2026-03-02" and len(meeting["experts"]) == 3

    steps.close_review(session, app, **_common(world, app, cfg))
    assert app.state == State.REVIEWED
    review = apps.latest(session, app, "review")
    assert review["result"] == "agree_with_changes"  # 1 agree, 3 with changes: a majority for
    offline = [m for m in review["members"] if m["meeting_on"]]
    assert len(offline) == 3 and {m["entered_by"] for m in offline} == {clerk.display_name}
    report = documents.build(session, app, "review")
    text = json.dumps([s.rows for s in report.sections], ensure_ascii=False)
    assert text.count("线下论证会 2026-03-02") == 3


def test_an_expert_whose_opinion_was_entered_cannot_give_another_online(session, world,
                                                                        tmp_path):
    cfg = b.settings(tmp_path)
    app = b.under_review_with_an_expert_without_account(session, world, cfg)
    meetings.record_meeting(session, app, b.meeting(app, only={"专家（演示）"}),
                         **_common(world, app, cfg))
    with pytest.raises(apps.ProcedureError) as err:
        steps.record_opinion(session, app, opinion="disagree", reasons="再提一次",
                             **_common(world, app, cfg, "expert"))
    assert err.value.code == "opinion_already_recorded" and err.value.http_status == 409
    # a second meeting enters the rest; then there is nothing left to enter
    meetings.record_meeting(session, app, b.meeting(app), **_common(world, app, cfg))
    assert all(m.opinion for m in app.panel)
    with pytest.raises(apps.ProcedureError) as err:
        meetings.record_meeting(session, app, b.meeting(app), **_common(world, app, cfg))
    assert err.value.code == "opinions_complete" and err.value.http_status == 409
    assert len(_events(session, app, "record_meeting")) == 2


def _png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(out, "PNG")
    return out.getvalue()


def test_refused_meetings_change_nothing(session, world, tmp_path):
    cfg = b.settings(tmp_path)
    app = b.under_review_with_an_expert_without_account(session, world, cfg)
    online = next(m for m in app.panel if m.expert.user_id is not None)
    steps.record_opinion(session, app, opinion="agree", reasons="在线意见",
                         **_common(world, app, cfg, online.expert.user.username))
    version = app.version
    ok = b.meeting(app)
    first = ok.opinions[0]

    def with_(**kw):
        return meetings.MeetingInput(**{"held_on": ok.held_on, "minutes": ok.minutes,
                                     "opinions": ok.opinions, **kw})

    refused = [  # (input, acting role, error, http status, words of the message)
        (with_(held_on=None), "clerk", BadInput, 400, "论证会日期"),
        (with_(held_on=b.TODAY + timedelta(days=1)), "clerk", BadInput, 400, "不能晚于今天"),
        (with_(held_on=b.TODAY - timedelta(days=1)), "clerk", BadInput, 400, "启动论证"),
        (with_(opinions=[meetings.MeetingOpinion(o.expert_id, "", o.reasons)
                         for o in ok.opinions]), "clerk", BadInput, 400, "至少录入"),
        (with_(opinions=[meetings.MeetingOpinion(first.expert_id, "maybe", "x")]), "clerk",
         BadInput, 400, "opinion must be"),
        (with_(opinions=[meetings.MeetingOpinion(first.expert_id, "agree", "  ")]), "clerk",
         BadInput, 400, "as the minutes record it"),
        (with_(opinions=[meetings.MeetingOpinion(first.expert_id, "agree", "长" * 4001)]),
         "clerk", BadInput, 400, "at most 4000"),
        (with_(opinions=[meetings.MeetingOpinion(str(uuid.uuid4()), "agree", "x")]), "clerk",
         BadInput, 400, "not on this panel"),
        (with_(opinions=[first, first]), "clerk", BadInput, 400, "twice"),
        (with_(opinions=[meetings.MeetingOpinion(str(online.expert_id), "agree", "x")]), "clerk",
         Conflict, 409, "already given"),
        (with_(minutes=None), "clerk", BadInput, 400, "signed minutes"),
        (with_(minutes=("纪要.txt", "会议纪要".encode())), "clerk", BadInput, 400, "PDF"),
        (with_(minutes=("纪要.pdf", b.PDF[:-8])), "clerk", BadInput, 400, "incomplete"),
        (with_(minutes=("纪要.pdf", b"<html><script>alert(1)</script>")), "clerk", BadInput,
         400, "PDF"),
        (ok, "expert", apps.ProcedureError, 403, "role"),
        (ok, "committee", apps.ProcedureError, 403, "role"),
    ]
    for data, who, error, status, words in refused:
        with pytest.raises(error) as err:
            meetings.record_meeting(session, app, data, **_common(world, app, cfg, who))
        assert err.value.http_status == status, (data, who)
        assert words in str(err.value), (words, str(err.value))
    with pytest.raises(Conflict):  # a form rendered from another version
        meetings.record_meeting(session, app, ok, actor=world["clerk"], now=NOW, settings=cfg,
                             expected_version=version - 1)
    assert app.version == version and app.state == State.UNDER_REVIEW
    assert sum(1 for m in app.panel if m.opinion) == 1
    assert apps.latest(session, app, "meeting") is None
    assert not (tmp_path / "uploads" / str(app.id)).exists()  # no file was written
    # a scan as an image is accepted, re-encoded
    meetings.record_meeting(session, app, with_(minutes=("scan.png", _png())),
                         **_common(world, app, cfg))
    stored = apps.latest(session, app, "meeting")["minutes"]
    assert stored["file"].endswith(".png") and stored["original_name"] == "scan.png"


def test_no_meeting_outside_an_open_review(session, world, tmp_path):
    cfg = b.settings(tmp_path)
    app = b.draft(session, world)
    b.advance(session, app, world, cfg, State.SURVEYED)
    with pytest.raises(apps.ProcedureError) as err:
        meetings.record_meeting(session, app, meetings.MeetingInput(b.TODAY, ("m.pdf", b.PDF), []),
                             **_common(world, app, cfg))
    assert err.value.code == "illegal_transition" and err.value.http_status == 409


@pytest.mark.parametrize(("raw", "words"), [
    (b"", "PDF"), (b"%PDF-1.7\n" + b"0" * 100, "incomplete"),
    (b"GIF89a" + b"\0" * 40, "PDF"), (b"%PDF-1.4\n" + b"0" * (uploads.MAX_DOCUMENT_BYTES),
                                     "20 MB"),
    (b"\x89PNG" + b"0" * (uploads.MAX_PHOTO_BYTES), "8 MB"),
])
def test_a_document_that_is_not_a_complete_pdf_or_an_image_is_refused(raw, words):
    with pytest.raises(BadInput) as err:
        uploads.clean_document("x", raw)
    assert words in err.value.user_msg and " / " in err.value.user_msg  # both languages


def test_a_pdf_is_kept_as_sent_and_an_image_re_encoded():
    doc = uploads.clean_document("纪要.pdf", b.PDF)
    assert (doc.extension, doc.data) == (".pdf", b.PDF)
    png = _png() + b"appended after the image"
    doc = uploads.clean_document("scan.png", png)
    assert doc.extension == ".png" and b"appended" not in doc.data


# --- the pages -----------------------------------------------------------------------------------

def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username):
    r = account_builders.sign_in(client.application, client, username)
    assert r.status_code in (200, 302), r.get_data(True)


@pytest.fixture
def reviewing(app, session, world):
    """An application under review; 专家（演示） gave an opinion online, three wait."""
    app.config["CLOCK"] = lambda: NOW
    cfg = apps.Settings.from_config(app.config, app.instance_path)
    a = b.under_review_with_an_expert_without_account(session, world, cfg)
    steps.record_opinion(session, a, opinion="agree", reasons="在线意见",
                         **_common(world, a, cfg, "expert"))
    session.commit()
    pending = {m.expert.name: str(m.expert_id) for m in a.panel if not m.opinion}
    return a.id, pending


def _meeting_form(client, app_id, pending, **over):
    page = client.get(f"/committee/applications/{app_id}").get_data(True)
    data = {"csrf_token": _token(page), "version": re.search(
        r'name="version" value="(\d+)"', page).group(1), "held_on": "2026-03-02",
        "minutes": (io.BytesIO(b.PDF), "会议纪要.pdf")}
    for name, expert_id in pending.items():
        data[f"opinion-{expert_id}"] = "agree"
        data[f"reasons-{expert_id}"] = f"{name}同意：寓意清楚"
    data.update(over)
    return client.post(f"/committee/applications/{app_id}/actions/record_meeting", data=data,
                       content_type="multipart/form-data")


def test_the_clerk_enters_a_meeting_and_the_timeline_says_who_entered_what(client, session,
                                                                          reviewing):
    app_id, pending = reviewing
    login(client, "clerk")
    html = client.get(f"/committee/applications/{app_id}").get_data(True)
    assert 'id="act-record_meeting"' in html and 'id="act-close_review"' not in html
    assert all(f'name="opinion-{i}"' in html for i in pending.values())
    assert "无账号" in html  # 钱专家 sits on the panel without an account

    r = _meeting_form(client, app_id, pending)
    assert r.status_code == 302, r.get_data(True)[:2000]
    html = client.get(f"/committee/applications/{app_id}").get_data(True)
    for name in pending:
        assert f"由地名办科员（演示）代{name}录入，线下论证会 2026-03-02" in html
    assert "线下论证会 2026-03-02，录入 3 条意见" in html
    assert 'id="act-close_review"' in html and 'id="act-record_meeting"' not in html
    link = re.search(r'href="(/committee/applications/[^"]+/minutes/[0-9a-f]+\.pdf)"',
                     html).group(1)
    r = client.get(link)
    assert r.status_code == 200 and r.data == b.PDF and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(link.rsplit("/", 1)[0] + "/0000.pdf").status_code == 404
    # the English page says the same in English
    html = client.get(f"/committee/applications/{app_id}?lang=en").get_data(True)
    assert ("entered by 地名办科员（演示） on behalf of 钱专家, offline meeting on "
            "2026-03-02") in html
    # who may not download the minutes: the applicant, a panel expert, the auditor
    for who in ("applicant", "expert", "auditor"):
        login(client, who)
        assert client.get(link).status_code == 403, who
        assert "/minutes/" not in client.get(f"/committee/applications/{app_id}").get_data(True)


def test_a_refused_meeting_shows_the_form_again_with_what_was_typed(client, session,
                                                                   reviewing):
    app_id, pending = reviewing
    version = session.scalar(select(Application.version).where(Application.id == app_id))
    session.rollback()
    login(client, "clerk")
    qian = pending["钱专家"]
    r = _meeting_form(client, app_id, pending, **{f"reasons-{qian}": "", "held_on": "2026-03-02"})
    html = r.get_data(True)
    assert r.status_code == 400 and 'id="error-summary"' in html and "钱专家" in html
    others = [n for n in pending if n != "钱专家"]
    assert all(f"{n}同意：寓意清楚" in html for n in others)  # typed reasons kept
    r = _meeting_form(client, app_id, pending, minutes=(io.BytesIO(b"not a pdf"), "m.pdf"))
    assert r.status_code == 400 and "PDF" in r.get_data(True)
    session.expire_all()
    assert session.get(Application, app_id).version == version
    assert all(not m.opinion for m in session.get(Application, app_id).panel
               if m.expert.name in pending)


def test_an_expert_is_not_offered_the_meeting_form(client, reviewing):
    app_id, pending = reviewing
    login(client, "expert2")
    html = client.get(f"/committee/applications/{app_id}").get_data(True)
    assert 'id="act-record_opinion"' in html and 'id="act-record_meeting"' not in html
    r = _meeting_form(client, app_id, pending)
    assert r.status_code == 403


def test_the_meeting_date_field_and_a_date_in_the_future(client, reviewing):
    app_id, pending = reviewing
    login(client, "clerk")
    r = _meeting_form(client, app_id, pending, held_on=str(date(2026, 3, 3)))
    assert r.status_code == 400 and "不能晚于今天" in r.get_data(True)
    r = _meeting_form(client, app_id, pending, held_on="3月2日")
    assert r.status_code == 400 and "年-月-日" in r.get_data(True)
