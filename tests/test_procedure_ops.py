"""The procedure operations on the database: the guard, audit rows, versions, the steps."""

from datetime import timedelta

import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import func, select

from placenames.errors import BadInput, Conflict, NotFound
from placenames.models import AuditEvent, HistoryRow, Place, PlaceStatus
from placenames.models.workflow import PanelMember, StepRecord
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import steps as steps
from placenames.workflow import State

NOW = b.NOW


@pytest.fixture
def world(session):
    return b.world(session)


def _audits(session, app):
    return session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "application", AuditEvent.entity_id == str(app.id))
        .order_by(AuditEvent.at)).all()


def test_every_transition_writes_exactly_one_audit_event_and_one_history_row(
        session, world, tmp_path):
    cfg = b.settings(tmp_path)
    app = b.draft(session, world)
    seen = [(app.state, app.version)]
    now = NOW
    n_audit = len(_audits(session, app))
    n_hist = session.scalar(select(func.count()).select_from(HistoryRow).where(
        HistoryRow.entity_id == app.id))
    for target in b.ORDER:
        before_state, before_version = app.state, app.version
        if target is State.REVIEWED:  # three opinions (self-loops) then close
            for _ in range(3):
                member = next(m for m in app.panel if not m.opinion)
                expert = session.get(type(world["clerk"]), member.expert.user_id)
                v = app.version
                steps.record_opinion(session, app, opinion="agree", reasons="好",
                                     actor=expert, now=now, settings=cfg, expected_version=v)
                assert app.version == v + 1 and app.state == State.UNDER_REVIEW
                n_audit += 1
                n_hist += 1
                assert len(_audits(session, app)) == n_audit
            before_state, before_version = app.state, app.version
            steps.close_review(session, app, actor=world["clerk"], now=now, settings=cfg,
                               expected_version=app.version)
        else:
            now = b.advance(session, app, world, cfg, target, now=now)
        assert app.state == target
        assert app.version == before_version + 1, (before_state, target)
        events = _audits(session, app)
        n_audit += 1
        n_hist += 1
        assert len(events) == n_audit
        last = events[-1]
        assert (last.from_state, last.to_state) == (before_state, target)
        assert last.actor_id is not None and last.at is not None
        hist = session.scalar(select(func.count()).select_from(HistoryRow).where(
            HistoryRow.entity_id == app.id))
        assert hist == n_hist
        seen.append((app.state, app.version))
    assert app.state == State.IN_FORCE


def test_a_stale_version_is_refused_with_409_and_changes_nothing(session, world):
    cfg = b.settings()
    app = b.draft(session, world)
    old = app.version
    steps.submit(session, app, actor=world["applicant"], now=NOW, settings=cfg,
                 expected_version=old)
    with pytest.raises(Conflict) as err:
        steps.simple(session, app, "accept", actor=world["clerk"], now=NOW, settings=cfg,
                     expected_version=old)
    assert err.value.http_status == 409 and "changed by someone else" in err.value.user_msg
    assert app.state == State.SUBMITTED


def test_no_step_can_be_skipped_and_roles_are_checked(session, world):
    cfg = b.settings()
    app = b.draft(session, world)
    b.advance(session, app, world, cfg, State.SUBMITTED)
    with pytest.raises(apps.ProcedureError) as err:  # approve right after submission
        steps.approve(session, app, steps.DecisionInput("西咸新区管委会", "1号", NOW.date()),
                      actor=world["approver"], now=NOW, settings=cfg,
                      expected_version=app.version)
    assert err.value.http_status == 409 and err.value.code == "illegal_transition"
    with pytest.raises(apps.ProcedureError) as err:
        steps.simple(session, app, "accept", actor=world["surveyor"], now=NOW, settings=cfg,
                     expected_version=app.version)
    assert err.value.http_status == 403
    assert app.state == State.SUBMITTED


def test_the_screen_runs_at_submission_and_before_the_decision_and_blocks_a_duplicate(
        session, world):
    cfg = b.settings()
    app = b.draft(session, world, name="天章路")  # sounds like 天章大道: blocked
    b.advance(session, app, world, cfg, State.ASSESSED)
    screens = apps.step_data(session, app, "screen")
    assert [s["stage"] for s in screens] == ["submission", "assessment"]
    assert screens[-1]["results"][0]["verdict"] == "block"
    with pytest.raises(apps.ProcedureError) as err:
        steps.approve(session, app, steps.DecisionInput("西咸新区管委会", "1号", NOW.date()),
                      actor=world["approver"], now=NOW, settings=cfg,
                      expected_version=app.version)
    assert err.value.code == "screen_blocked"


def test_panel_is_reproducible_from_its_seed_and_excludes_the_applicants_organization(
        session, world):
    cfg = b.settings()
    app = b.draft(session, world)
    b.advance(session, app, world, cfg, State.UNDER_REVIEW, panel_seed=12345)
    drawn = [m.expert.name for m in app.panel]
    assert len(drawn) == 3 and "赵专家" not in drawn  # 沣东新城建设局 = the applicant's org
    assert app.panel_seed == 12345
    other = b.draft(session, world)
    b.advance(session, other, world, cfg, State.UNDER_REVIEW, panel_seed=12345)
    assert [m.expert.name for m in other.panel] == drawn


def test_comments_close_by_the_clock_and_need_dispositions(session, world):
    cfg = b.settings()
    app = b.draft(session, world)
    b.advance(session, app, world, cfg, State.IN_COMMENT)
    c = steps.add_comment(session, app, body="建议保留", author="张三", phone="13812345678",
                          now=NOW + timedelta(days=1))
    with pytest.raises(apps.ProcedureError) as err:  # still running
        steps.simple(session, app, "close_comment", actor=world["clerk"], now=NOW,
                     settings=cfg, expected_version=app.version)
    assert err.value.code == "comment_period_running"
    late = app.comment_closes + timedelta(seconds=1)
    with pytest.raises(Conflict):
        steps.add_comment(session, app, body="晚了", author=None, phone=None, now=late)
    steps.simple(session, app, "close_comment", actor=world["clerk"], now=late, settings=cfg,
                 expected_version=app.version)
    with pytest.raises(apps.ProcedureError) as err:
        steps.record_assessment(session, app, {"legality": "合法", "conclusion": "可行"},
                                actor=world["clerk"], now=late, settings=cfg,
                                expected_version=app.version)
    assert err.value.code == "comments_undisposed"
    steps.dispose_comment(session, app, c.id, "已采纳说明", actor=world["clerk"], now=late)
    steps.record_assessment(session, app, {"legality": "合法", "conclusion": "可行"},
                            actor=world["clerk"], now=late, settings=cfg,
                            expected_version=app.version)
    assert app.state == State.ASSESSED


def test_approval_sets_both_deadlines_and_in_force_creates_the_register_entry(
        session, world, tmp_path):
    cfg = b.settings(tmp_path)
    app = b.draft(session, world)
    now = b.advance(session, app, world, cfg, State.APPROVED)
    assert app.approval_date == now.date()
    assert app.announce_due == app.filing_due == now.date() + timedelta(days=15)
    assert app.romanization == "Fengyi Lu"
    b.advance(session, app, world, cfg, State.IN_FORCE)
    place = session.get(Place, app.place_id)
    assert place.name == "丰邑路" and place.status == PlaceStatus.IN_FORCE
    assert place.approving_body == "西咸新区管委会" and place.approval_doc_no
    assert place.meaning == "取周文王丰京之意" and place.length_m == 1480
    assert place.geom is not None
    assert session.scalar(select(func.count()).select_from(HistoryRow).where(
        HistoryRow.entity_id == place.id)) >= 1


def test_a_rename_leaves_the_old_name_renamed_and_pointing_to_the_new(session, world):
    cfg = b.settings()
    app = b.draft(session, world, name="丰邑路", kind="rename", old_name="建章路")
    now = b.advance(session, app, world, cfg, State.IN_FORCE)
    old = session.scalar(select(Place).where(Place.name == "建章路"))
    new = session.get(Place, app.place_id)
    assert old.status == PlaceStatus.RENAMED and old.renamed_to_id == new.id
    assert old.status_changed_on == (now + timedelta(hours=8)).date()
    assert new.renamed_from_id == old.id and [a.name for a in new.aliases] == ["建章路"]


def test_a_cancellation_sets_cancelled(session, world):
    cfg = b.settings()
    app = b.draft(session, world, kind="cancel", old_name="三桥新街", cls="street")
    b.advance(session, app, world, cfg, State.IN_FORCE)
    old = session.scalar(select(Place).where(Place.name == "三桥新街"))
    assert old.status == PlaceStatus.CANCELLED and old.status_changed_on is not None
    assert app.place_id is None


def test_applicants_see_only_their_own(session, world):
    app = b.draft(session, world)
    from placenames.ops.accounts.users import ensure_user

    other = ensure_user(session, "other", "别人", "x", ["applicant"], "别的单位")
    with pytest.raises(NotFound):
        apps.get_for(session, app.id, other)
    assert apps.get_for(session, app.id, world["applicant"]) is app
    assert apps.get_for(session, app.id, world["clerk"]) is app
    with pytest.raises(NotFound):  # an expert not on a panel
        apps.get_for(session, app.id, world["expert"])


def test_bad_input_is_refused_clearly(session, world):
    with pytest.raises(BadInput):
        apps.create_application(session, apps.ApplicationInput(
            kind="new", cls="road", candidates=[], reason="x",
            jurisdiction_code="610112012"), actor=world["applicant"], now=NOW)
    with pytest.raises(BadInput):
        apps.create_application(session, apps.ApplicationInput(
            kind="rename", cls="road", candidates=[apps.CandidateInput("丰邑路")], reason="x",
            jurisdiction_code="610112012", old_name="没有这条路"),
            actor=world["applicant"], now=NOW)
    assert session.scalar(select(func.count()).select_from(PanelMember)) == 0
    assert session.scalar(select(func.count()).select_from(StepRecord)) == 0


# --- uploads: photos and GeoJSON ---------------------------------------------------------------

def _image_bytes(fmt, **kw):
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    img = Image.new("RGB", (20, 10), "blue")
    exif = Image.Exif()
    exif[0x8825] = {2: (34, 15, 0)}  # a GPS block
    exif[0x010F] = "Cam"
    img.save(buf, fmt, exif=exif, **kw) if fmt != "GIF" else img.save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt,ext", [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")])
def test_photos_are_reencoded_without_exif(fmt, ext):
    from io import BytesIO

    from PIL import Image

    from placenames.ops.procedure import uploads

    raw = _image_bytes(fmt)
    photo = uploads.clean_photo("x" + ext, raw)
    assert photo.extension == ext and (photo.width, photo.height) == (20, 10)
    img = Image.open(BytesIO(photo.data))
    assert img.format == fmt and not img.getexif() and b"Cam" not in photo.data


@pytest.mark.parametrize("raw", [b"GIF89a" + b"\0" * 50, b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                                 b"%PDF-1.4", b"\xff\xd8\xff\xe0 truncated jpeg", b""])
def test_anything_but_jpeg_png_webp_is_rejected_with_a_message(raw):
    from placenames.ops.procedure import uploads

    with pytest.raises(BadInput) as err:
        uploads.clean_photo("evil.jpg", raw)
    assert "JPEG" in err.value.user_msg


def test_gif_and_oversized_photos_are_rejected():
    from placenames.ops.procedure import uploads

    with pytest.raises(BadInput, match="JPEG、PNG 或 WebP"):
        uploads.clean_photo("a.gif", _image_bytes("GIF"))
    with pytest.raises(BadInput, match="MB"):
        uploads.clean_photo("big.jpg", b"\xff" * (uploads.MAX_PHOTO_BYTES + 1))


@pytest.mark.parametrize("text", [
    "not json", '{"type": "Point"}', '{"type": "Point", "coordinates": [0, 0]}',
    '{"type": "LineString", "coordinates": [[108.8, 34.2]]}',
    '{"type": "Polygon", "coordinates": [[[108.8,34.2],[108.9,34.3],[108.9,34.2],[108.8,34.3],'
    '[108.8,34.2]]]}',
    '{"type": "FeatureCollection", "features": []}', '{"type": "GeometryCollection"}', "[]"])
def test_bad_geojson_is_rejected(text):
    from placenames.ops.registry import geometry

    with pytest.raises(BadInput):
        geometry.geometry_wkt(text)


def test_geojson_feature_is_read_as_wkt():
    from placenames.ops.registry import geometry

    wkt = geometry.geometry_wkt('{"type": "Feature", "properties": {}, "geometry": ' + b.LINE + "}")
    assert wkt.startswith("LINESTRING (108.84 34.262")


def test_a_bad_survey_upload_changes_nothing(session, world, tmp_path):
    cfg = b.settings(tmp_path)
    app = b.draft(session, world)
    b.advance(session, app, world, cfg, State.ACCEPTED)
    with pytest.raises(BadInput):
        steps.record_survey(session, app, steps.SurveyInput(
            surveyed_on=NOW.date(), findings="x", photos=[("a.jpg", b"<html>")]),
            actor=world["surveyor"], now=NOW, settings=cfg, expected_version=app.version)
    assert app.state == State.ACCEPTED and not (tmp_path / "uploads").exists()


def test_a_blocked_name_is_submitted_only_with_a_written_reason(session, world):
    cfg = b.settings()
    app = b.draft(session, world, name="天章路")  # sounds like 天章大道: blocked
    session.commit()
    with pytest.raises(BadInput, match="give your reason"):
        steps.submit(session, app, actor=world["applicant"], now=NOW, settings=cfg,
                     expected_version=app.version)
    session.rollback()
    app = session.get(type(app), app.id)
    steps.submit(session, app, actor=world["applicant"], now=NOW, settings=cfg,
                 expected_version=app.version, screen_reason="沿用村民习称，已征询意见")
    (screen,) = apps.step_data(session, app, "screen")
    assert screen["override_reason"] == "沿用村民习称，已征询意见"
    assert app.state == State.SUBMITTED
