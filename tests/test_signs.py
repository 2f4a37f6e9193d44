"""Road-name signs (地名标志) on both backends: the proposal from a demo road's geometry (ends
and crossings), the lifecycle guard, deadlines and the overdue dashboard, the notice letter,
a rename marking signs for replacement and a cancellation for removal, and the CLI."""

import subprocess
from datetime import date, timedelta

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select

from placenames.addressing.geometry import haversine_m
from placenames.addressing.sign_sites import propose_sites
from placenames.errors import BadInput, Conflict, GuardRefused, NotFound
from placenames.models import AuditEvent, Sign
from placenames.ops.demo import data as demo_data
from placenames.ops.registry.places import PlaceInput, create_place
from placenames.ops.signs import letter, lifecycle, register, supervision
from placenames.workflow.errors import IllegalTransition, NotPermitted
from placenames.workflow.sign_duties import due_date, duty_of, tally
from placenames.workflow.signs import TRANSITIONS, SignState, decide

NOW = b.NOW
TODAY = date(2026, 11, 28)
LINES = {name: line for name, _c, _t, line, _w, _m in demo_data.ROADS}


# --- pure: the sites, the guard, the deadlines -------------------------------------------

def _cross_point(a, b_):
    """Where two demo lines cross (by shapely, independent of the code under test)."""
    from shapely.geometry import LineString
    p = LineString(a).intersection(LineString(b_))
    return (p.x, p.y)


def test_a_road_gets_a_sign_near_each_end_and_at_each_crossing():
    road = [LINES["建章路"]]
    others = [(n, [LINES[n]]) for n in ("世纪大道", "红光大道", "三桥新街", "丰镐大道")]
    sites = propose_sites(road, others)
    assert [s.role for s in sites] == ["start", "crossing", "crossing", "end"]
    assert [s.cross_name for s in sites if s.role == "crossing"] == ["世纪大道", "红光大道"]
    start, end = LINES["建章路"][0], LINES["建章路"][-1]
    assert 14 < haversine_m((sites[0].lon, sites[0].lat), start) < 16  # 15 m inside the end
    assert 14 < haversine_m((sites[-1].lon, sites[-1].lat), end) < 16
    for site in sites[1:3]:  # at the corner, 10 m before the crossing
        cross = _cross_point(LINES["建章路"], LINES[site.cross_name])
        assert 9 < haversine_m((site.lon, site.lat), cross) < 11
    # 建章路 runs north: its signs face about 0°
    assert all(s.bearing < 10 or s.bearing > 350 for s in sites)
    assert sites[1].description() == "与世纪大道交叉口"


def test_a_crossing_at_an_end_is_named_by_the_end_sign_and_a_double_crossing_counts_once():
    road = [[(108.80, 34.30), (108.81, 34.30)]]
    at_end = [(108.8099, 34.299), (108.8099, 34.301)]  # ~9 m from the east end
    twice = [[(108.8049, 34.299), (108.8049, 34.301)], [(108.8051, 34.299), (108.8051, 34.301)]]
    sites = propose_sites(road, [("末路", [at_end]), ("双线路", twice)])
    assert [s.role for s in sites] == ["start", "crossing", "end"]
    assert sites[-1].cross_name == "末路" and sites[-1].description() == "终点（与末路交叉口）"
    assert 80 < sites[0].bearing < 100  # runs east
    short = propose_sites([[(108.80, 34.30), (108.8002, 34.30)]], [])  # ~18 m
    assert len(short) == 1


def test_the_guard_checks_roles_then_the_table():
    assert decide("required", "order", roles={"clerk"}) is SignState.ORDERED
    assert decide("ordered", "install", roles={"clerk"}) is SignState.INSTALLED
    assert decide("damaged", "replace", roles={"clerk"}) is SignState.REPLACED
    with pytest.raises(NotPermitted):
        decide("required", "order", roles={"committee"})
    with pytest.raises(IllegalTransition) as exc:
        decide("removed", "install", roles={"clerk"})
    assert "无" in exc.value.message_zh  # a final state offers nothing
    with pytest.raises(IllegalTransition) as exc:
        decide("required", "repair", roles={"clerk"})
    assert "下单制作" in exc.value.message_zh
    for state in (SignState.REPLACED, SignState.REMOVED):
        assert not any(s is state for s, _a in TRANSITIONS)


def test_deadlines_count_from_the_announcement_or_from_the_record():
    announced = date(2026, 10, 1)
    assert due_date(announced, date(2026, 10, 20), 60) == date(2026, 11, 30)
    assert due_date(announced, date(2027, 3, 1), 60) == date(2027, 4, 30)  # recorded late
    assert due_date(None, TODAY, 30) == TODAY + timedelta(days=30)
    assert duty_of("installed", "replace") == "replace"
    assert duty_of("required", "remove") == "remove"
    assert duty_of("installed", None) == "none"
    rows = [("甲公司", "required", None, TODAY - timedelta(days=1)),
            ("甲公司", "installed", None, TODAY - timedelta(days=9)),
            ("乙局", "ordered", None, TODAY), ("乙局", "damaged", None, TODAY - timedelta(days=3))]
    first, second = tally(rows, TODAY)
    assert (first.unit, first.late, first.standing, first.outstanding_total) == ("乙局", 1, 0, 2)
    assert (second.unit, second.late, second.standing) == ("甲公司", 1, 1)


# --- the register on both backends -------------------------------------------------------

@pytest.fixture
def world(session):
    j, built = b.registry(session, per_road=1, roads=("建章路", "世纪大道", "红光大道"))
    clerk = b.clerk(session, "signclerk")
    session.commit()
    return built["建章路"][0], clerk


def test_proposal_from_the_register_is_accepted_once(session, world):
    road, clerk = world
    sites = register.propose(session, road)
    assert [s.cross_name for s in sites if s.role == "crossing"] == ["世纪大道", "红光大道"]
    unit = register.unit_by_name(session, "沣东新城城建局")
    signs = register.accept(session, road, sites, unit=unit, actor=clerk, now=NOW,
                            today=TODAY, days=60)
    session.commit()
    assert len(signs) == 4 and {s.status for s in signs} == {"required"}
    assert {s.due_on for s in signs} == {TODAY + timedelta(days=60)}  # never announced here
    assert register.propose(session, road) == []  # every site is served now
    lon, lat = register.sign_position(session, signs[1])
    assert (lon, lat) == pytest.approx((sites[1].lon, sites[1].lat), abs=1e-7)
    events = session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_id == str(signs[0].id))).all()
    assert events == ["sign_add"]


def test_a_sign_goes_through_its_life_and_a_replacement_is_required(session, world):
    road, clerk = world
    sign = register.add(session, road, register.NewSign(108.836, 34.26, 0.0), unit=None,
                        actor=clerk, now=NOW, today=TODAY)
    session.commit()
    with pytest.raises(GuardRefused) as exc:  # installing needs who installed it
        lifecycle.act(session, sign, "install", lifecycle.SignChange(on=TODAY), actor=clerk,
                      now=NOW, today=TODAY)
    assert exc.value.http_status == 400
    session.rollback()
    with pytest.raises(GuardRefused):  # not in the future
        lifecycle.act(session, sign, "order", lifecycle.SignChange(on=TODAY + timedelta(1)),
                      actor=clerk, now=NOW, today=TODAY)
    session.rollback()
    lifecycle.act(session, sign, "order", lifecycle.SignChange(on=TODAY), actor=clerk, now=NOW,
                  today=TODAY)
    lifecycle.act(session, sign, "install", lifecycle.SignChange(on=TODAY, installer="西咸标牌厂"),
                  actor=clerk, now=NOW, today=TODAY)
    lifecycle.act(session, sign, "report_damaged", lifecycle.SignChange(), actor=clerk,
                  now=NOW, today=TODAY)
    new = lifecycle.act(session, sign, "replace", lifecycle.SignChange(on=TODAY), actor=clerk,
                        now=NOW, today=TODAY, days=30)
    session.commit()
    assert sign.status == "replaced" and sign.replaced_by_id == new.id
    assert new.status == "required" and new.due_on == TODAY + timedelta(days=30)
    assert new.sign_id != sign.sign_id and new.place_id == road.id
    with pytest.raises(GuardRefused) as exc:
        lifecycle.act(session, sign, "install", lifecycle.SignChange(on=TODAY, installer="x"),
                      actor=clerk, now=NOW, today=TODAY)
    assert exc.value.http_status == 409
    committee = b.clerk(session, "member", roles=("committee",))
    with pytest.raises(GuardRefused) as exc:
        lifecycle.act(session, new, "order", lifecycle.SignChange(on=TODAY), actor=committee,
                      now=NOW, today=TODAY)
    assert exc.value.http_status == 403


def test_a_stale_version_is_refused(session, world):
    road, clerk = world
    sign = register.add(session, road, register.NewSign(108.836, 34.26), unit=None, actor=clerk,
                        now=NOW, today=TODAY)
    session.commit()
    seen = sign.version
    lifecycle.act(session, sign, "order", lifecycle.SignChange(on=TODAY), actor=clerk, now=NOW,
                  today=TODAY)
    session.commit()
    with pytest.raises(Conflict):
        lifecycle.act(session, sign, "install", lifecycle.SignChange(
            on=TODAY, installer="x", expected_version=seen), actor=clerk, now=NOW, today=TODAY)
    assert sign.status == "ordered"


def test_bad_input_is_refused_before_anything_is_stored(session, world):
    road, clerk = world
    for bad in (register.NewSign(200.0, 34.0), register.NewSign(108.8, 34.2, 400.0),
                register.NewSign(108.8, 34.2, kind="billboard"),
                register.NewSign(108.8, 34.2, kind="directional")):
        with pytest.raises(BadInput):
            register.add(session, road, bad, unit=None, actor=clerk, now=NOW, today=TODAY)
    session.rollback()
    assert session.scalar(select(Sign.id)) is None
    with pytest.raises(BadInput):
        register.unit_by_name(session, "  ")
    with pytest.raises(NotFound):
        register.road(session, "不存在的路")


def test_the_dashboard_lists_late_units_and_the_letter_lists_their_signs(session, world,
                                                                         tmp_path):
    road, clerk = world
    late_unit = register.unit_by_name(session, "沣东新城城建局")
    ok_unit = register.unit_by_name(session, "某物业公司")
    sites = register.propose(session, road)
    late = register.accept(session, road, sites[:3], unit=late_unit, actor=clerk, now=NOW,
                           today=TODAY - timedelta(days=90), days=60)
    fine = register.accept(session, road, sites[3:], unit=ok_unit, actor=clerk, now=NOW,
                           today=TODAY, days=60)
    lifecycle.act(session, late[0], "install", lifecycle.SignChange(on=TODAY, installer="甲"),
                  actor=clerk, now=NOW, today=TODAY)
    session.commit()
    board = supervision.dashboard(session, TODAY)
    assert [t.unit for t, _ in board] == ["沣东新城城建局", "某物业公司"]
    first = board[0][0]
    assert (first.late, first.standing, first.outstanding_total) == (2, 1, 2)
    assert board[1][0].late == 0 and board[1][0].outstanding_total == len(fine)
    doc = letter.build(session, late_unit.id, TODAY, office="西咸新区地名办")
    table = doc.sections[1].table
    assert len(table) == 3  # header and the two signs still missing
    assert all(row[1] == "建章路" and row[5] == "待设置" and row[7] == "30" for row in table[1:])
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter.render(session, late_unit.id, TODAY, office="西咸新区地名办"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "地名标志设置督办通知" in text and "沣东新城城建局" in text and "建章路" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "yes yes" in " ".join(fonts.split())  # embedded, subset


def test_a_rename_marks_signs_for_replacement_and_a_cancel_for_removal(session, world):
    road, clerk = world
    sites = register.propose(session, road)
    signs = register.accept(session, road, sites, unit=None, actor=clerk, now=NOW,
                            today=TODAY)
    lifecycle.act(session, signs[0], "install", lifecycle.SignChange(on=TODAY, installer="甲"),
                  actor=clerk, now=NOW, today=TODAY)
    session.commit()
    new_road = create_place(session, PlaceInput(name="建章新路", cls="road",
                                                jurisdiction=road.jurisdiction))
    road.renamed_to_id, road.status = new_road.id, "renamed"
    changed = lifecycle.on_rename(session, road, new_road, now=NOW, today=TODAY, days=45)
    session.commit()
    assert changed == 4
    assert signs[0].pending == "replace" and signs[0].due_on == TODAY + timedelta(days=45)
    assert {s.place_id for s in signs[1:]} == {new_road.id}  # not made yet: the new name
    assert duty_of(signs[0].status, signs[0].pending) == "replace"
    successor = lifecycle.act(session, signs[0], "replace", lifecycle.SignChange(on=TODAY),
                              actor=clerk, now=NOW, today=TODAY)
    assert successor.place_id == new_road.id and signs[0].pending is None
    lifecycle.act(session, successor, "install", lifecycle.SignChange(on=TODAY, installer="乙"),
                  actor=clerk, now=NOW, today=TODAY)
    session.commit()
    new_road.status = "cancelled"
    lifecycle.on_cancel(session, new_road, now=NOW, today=TODAY)
    session.commit()
    assert successor.pending == "remove" and successor.status == "installed"
    assert {s.status for s in signs[1:]} == {"removed"}  # never set up: simply removed


# --- the CLI ------------------------------------------------------------------------------

def _cli(app, *args):
    from click.testing import CliRunner

    from placenames.cli import main
    result = CliRunner().invoke(main, ["signs", *args], obj=app)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    return result


def test_the_cli_proposes_records_acts_supervises_and_prints(app, session, world, tmp_path):
    road, clerk = world
    session.close()
    r = _cli(app, "propose", "建章路")
    assert r.exit_code == 0 and "4 sign(s) proposed" in r.output and "与红光大道交叉口" in r.output
    r = _cli(app, "propose", "建章路", "--accept", "--unit", "沣东新城城建局", "--kind", "qr",
             "--size", "small")
    assert r.exit_code == 64  # --accept needs --actor
    r = _cli(app, "propose", "建章路", "--accept", "--actor", "signclerk", "--unit",
             "沣东新城城建局", "--kind", "qr", "--size", "small")
    assert r.exit_code == 0 and "4 sign(s) recorded" in r.output
    assert "0 sign(s) proposed" in _cli(app, "propose", "建章路").output
    listing = _cli(app, "list", "建章路").output.strip().splitlines()
    assert len(listing) == 4 and all("二维码街牌" in line for line in listing)
    first = listing[0].split()[0]
    r = _cli(app, "set", first, "install", "--actor", "signclerk", "--installer", "西咸标牌厂")
    assert r.exit_code == 0 and "已设置" in r.output
    r = _cli(app, "set", first, "install", "--actor", "signclerk", "--installer", "x")
    assert r.exit_code == 75  # not from installed
    later = (TODAY + timedelta(days=400)).isoformat()
    r = _cli(app, "overdue", "--as-of", later)
    assert "沣东新城城建局: late 3, outstanding 3" in r.output
    pdf, csv_path = tmp_path / "signs.pdf", tmp_path / "signs.csv"
    r = _cli(app, "print", "--unit", "沣东新城城建局", "--out", str(pdf), "--manifest",
             str(csv_path), "--sheet", "A4")
    assert r.exit_code == 0 and "3 sign(s) written" in r.output
    assert pdf.read_bytes().startswith(b"%PDF") and len(csv_path.read_text().splitlines()) == 4
    letter_pdf = tmp_path / "letter.pdf"
    r = _cli(app, "letter", "沣东新城城建局", "--out", str(letter_pdf))
    assert r.exit_code == 0 and letter_pdf.read_bytes().startswith(b"%PDF")
    assert _cli(app, "letter", "没有的单位", "--out", str(letter_pdf)).exit_code == 66
    assert _cli(app, "propose", "不存在的路").exit_code == 66
    assert _cli(app, "propose").exit_code == 64  # a road or --all
    r = _cli(app, "propose", "--all", "--accept", "--actor", "signclerk")
    assert r.exit_code == 0 and "for 2 road(s)" in r.output  # 世纪大道 and 红光大道
    assert "0 sign(s) proposed for 0 road(s)" in _cli(app, "propose", "--all").output
    assert _cli(app, "print", "--out", str(pdf)).exit_code == 64


def test_the_demo_teaches_supervision_with_one_late_unit_and_one_on_time(session):
    from placenames.ops.demo import loader as demo

    now = NOW
    report = demo.load(session, now)
    session.commit()
    assert report["signs"] >= 6
    board = supervision.dashboard(session, TODAY)
    late, on_time = board[0][0], board[1][0]
    assert late.unit == "沣东新城城市建设局" and late.late >= 2 and late.standing == 1
    assert on_time.late == 0 and on_time.outstanding_total >= 2
    assert demo.load(session, now)["signs"] == 0  # loading twice changes nothing
    damaged = session.scalars(select(Sign).where(Sign.status == "damaged")).all()
    assert len(damaged) == 1


def test_a_rename_through_the_procedure_marks_the_standing_sign_for_replacement(session,
                                                                                tmp_path):
    import procedure_builders as pb

    from placenames.models import Place
    from placenames.workflow.states import State

    users = pb.world(session)  # the demo: 建章路 has its required street signs
    old = session.scalar(select(Place).where(Place.name == "建章路"))
    signs = register.live_signs(session, old.id)
    assert len(signs) >= 2
    lifecycle.act(session, signs[0], "install", lifecycle.SignChange(
        on=pb.TODAY, installer="西咸标牌厂"), actor=users["clerk"], now=pb.NOW,
        today=pb.TODAY)
    app = pb.draft(session, users, name="丰邑路", kind="rename", old_name="建章路")
    pb.advance(session, app, users, pb.settings(tmp_path, sign_days=30), State.IN_FORCE)
    session.commit()
    new = session.get(Place, app.place_id)
    assert signs[0].place_id == old.id and signs[0].pending == "replace"
    assert signs[0].due_on == old.status_changed_on + timedelta(days=30)
    assert {s.place_id for s in signs[1:]} == {new.id}  # not made yet: made with the new name
    # the new road's further signs are due 30 days after its announcement
    assert app.announced_on is not None
    extra = register.add(session, new, register.NewSign(108.837, 34.29), unit=None,
                         actor=None, now=pb.NOW, today=app.announced_on, days=30)
    assert extra.due_on == app.announced_on + timedelta(days=30)


def test_an_office_sign_size_table_is_read_over_the_defaults_and_checked():
    from placenames.plates.errors import LayoutError
    from placenames.plates.signs import SIGN_SIZES, SignKind, SignSize, parse_sign_sizes

    table = parse_sign_sizes('{"street": {"large": [1500, 500, 250]}}')
    assert table[SignKind.STREET][SignSize.LARGE].width == 1500
    assert table[SignKind.LANE] == SIGN_SIZES[SignKind.LANE]  # the rest stay the defaults
    assert SIGN_SIZES[SignKind.STREET][SignSize.LARGE].width == 1200  # defaults untouched
    for bad in ("not json", '{"billboard": {}}', '{"street": {"large": [1, 2]}}',
                '{"street": {"large": [900, 300, 290]}}', '["street"]'):
        with pytest.raises(LayoutError):
            parse_sign_sizes(bad)
