"""Operations: plate lifecycle guard, print batches (selection, ids before rendering, reruns),
and house numbering from the database — on SpatiaLite and on PostGIS."""

import random
from datetime import date

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import func, select

from placenames.errors import BadInput, Conflict, ImportRejected, NotFound, PlacenamesError
from placenames.models import Address, AuditEvent, HistoryRow
from placenames.models.plates import BatchStatus, Plate, PlateStatus, PrintBatch
from placenames.ops.addresses import numbering
from placenames.ops.plates import batches as plate_ops
from placenames.ops.plates import scan as plate_scan
from placenames.ops.plates.lifecycle import TRANSITIONS, Change, transition
from placenames.plates.errors import PlateIdError, PlatesError
from placenames.plates.ids import is_plate_id

NOW = b.NOW


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- lifecycle -------------------------------------------------------------------------------

def _plate(session, status=PlateStatus.ORDERED):
    j, built = b.registry(session, per_road=2, roads=("建章路",))
    address = built["建章路"][1][0]
    plate = plate_ops.issue_plate(session, address, size="small", actor_id=None, now=NOW)
    plate.status = status
    session.flush()
    return plate


def test_the_full_lifecycle_is_audited_and_bumps_the_version(session):
    user = b.clerk(session)
    plate = _plate(session)
    v0 = plate.version
    transition(session, plate, Change(PlateStatus.PRINTED), actor_id=user.id, now=NOW)
    transition(session, plate, Change(PlateStatus.INSTALLED, installed_on=date(2026, 12, 1),
                                      installer="王师傅", photo_path="p/1.jpg"),
               actor_id=user.id, now=NOW)
    transition(session, plate, Change(PlateStatus.DAMAGED, note="风雨损坏"), actor_id=user.id,
               now=NOW)
    new = transition(session, plate, Change(PlateStatus.REPLACED), actor_id=user.id, now=NOW)
    session.commit()
    assert plate.version == v0 + 5  # four changes and the link to the replacement
    assert plate.installed_on == date(2026, 12, 1) and plate.installer == "王师傅"
    assert plate.replaced_by_id == new.id and new.status == PlateStatus.ORDERED
    assert new.address_id == plate.address_id and new.plate_id != plate.plate_id
    assert is_plate_id(new.plate_id)
    steps = session.execute(select(AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state)
                            .where(AuditEvent.entity_id == str(plate.id))
                            ).all()
    assert sorted((a, f, t) for a, f, t in steps if a == "status") == sorted([
        ("status", "ordered", "printed"), ("status", "printed", "installed"),
        ("status", "installed", "damaged"), ("status", "damaged", "replaced")])
    issued = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(new.id))).all()
    assert [e.action for e in issued] == ["issue"] and plate.plate_id in issued[0].note
    assert all(e.actor_id == user.id for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "status")))


@pytest.mark.parametrize("start", list(PlateStatus))
@pytest.mark.parametrize("target", list(PlateStatus))
def test_only_the_table_s_transitions_pass_the_guard(session, start, target):
    plate = _plate(session, start)
    change = Change(target, installed_on=date(2026, 1, 2), installer="李")
    if target in TRANSITIONS[start]:
        transition(session, plate, change, actor_id=None, now=NOW)
        assert plate.status == target
    else:
        with pytest.raises(Conflict):
            transition(session, plate, change, actor_id=None, now=NOW)
        assert plate.status == start
        assert count(session, AuditEvent, AuditEvent.action == "status") == 0


def test_installing_needs_date_and_installer_and_stale_versions_conflict(session):
    plate = _plate(session, PlateStatus.PRINTED)
    with pytest.raises(BadInput):
        transition(session, plate, Change(PlateStatus.INSTALLED, installed_on=date(2026, 1, 1)),
                   actor_id=None, now=NOW)
    with pytest.raises(Conflict):
        transition(session, plate, Change(PlateStatus.REVOKED, expected_version=plate.version - 1),
                   actor_id=None, now=NOW)
    assert plate.status == PlateStatus.PRINTED


def test_plates_errors_are_placenames_errors_with_their_status():
    assert issubclass(PlatesError, PlacenamesError) and issubclass(PlateIdError, ValueError)
    err = PlateIdError("门牌编码无效", detail="x")
    assert err.http_status == 400 and err.user_msg == "门牌编码无效" and err.exit_code == 65


# --- batches ---------------------------------------------------------------------------------

def test_a_batch_stores_ids_and_positions_in_road_and_number_order(session):
    j, built = b.registry(session, per_road=6)
    batch = plate_ops.create_batch(session, plate_ops.Selection("area", "xixian-fengdong"),
                                   actor_id=None, now=NOW, rng=random.Random(1))
    session.commit()
    plates = plate_ops.batch_plates(session, batch)
    assert batch.status == BatchStatus.ISSUED and batch.plate_count == 12 == len(plates)
    assert [p.position for p in plates] == list(range(1, 13))
    assert len({p.plate_id for p in plates}) == 12 and all(is_plate_id(p.plate_id)
                                                          for p in plates)
    keys = [(p.address.road.name, p.address.number) for p in plates]
    assert keys == sorted(keys)
    assert count(session, AuditEvent, AuditEvent.action == "issue") == 12


def test_the_same_selection_is_refused_while_unprinted_and_live_plates_are_not_reissued(session):
    j, built = b.registry(session, per_road=4)
    sel = plate_ops.Selection("road", "建章路")
    first = plate_ops.create_batch(session, sel, actor_id=None, now=NOW)
    session.commit()
    with pytest.raises(Conflict) as exc:
        plate_ops.create_batch(session, sel, actor_id=None, now=NOW)
    assert str(first.id) in exc.value.user_msg
    # the area includes the road: only the other road's addresses are new
    second = plate_ops.create_batch(session, plate_ops.Selection("area", "xixian"),
                                    actor_id=None, now=NOW)
    assert second.plate_count == 4
    assert {p.address.road.name for p in plate_ops.batch_plates(session, second)} == {"世纪大道"}
    with pytest.raises(BadInput):
        plate_ops.create_batch(session, plate_ops.Selection("community", "610112012001"),
                               actor_id=None, now=NOW)  # no address there yet


def test_a_replacement_plate_is_picked_up_by_the_next_batch_instead_of_a_new_id(session):
    j, built = b.registry(session, per_road=3, roads=("建章路",))
    batch = plate_ops.create_batch(session, plate_ops.Selection("road", "建章路"),
                                   actor_id=None, now=NOW)
    old = plate_ops.batch_plates(session, batch)[1]
    plate_ops.start_rendering(batch)
    plate_ops.finish_rendering(session, batch, actor_id=None, now=NOW)
    assert plate_ops.mark_batch_printed(session, batch, actor_id=None, now=NOW) == 3
    new = transition(session, old, Change(PlateStatus.REPLACED), actor_id=None, now=NOW)
    again = plate_ops.create_batch(session, plate_ops.Selection("road", "建章路"),
                                   actor_id=None, now=NOW)
    assert [p.plate_id for p in plate_ops.batch_plates(session, again)] == [new.plate_id]
    assert count(session, Plate) == 4


def test_csv_and_community_selections(session):
    j, built = b.registry(session, per_road=3, roads=("建章路",))
    place = built["建章路"][0]
    in_community = b.addresses(session, place, 2, jurisdiction=j["community"])
    codes = [built["建章路"][1][2].code, in_community[0].code]
    sel = plate_ops.make_selection("csv", csv_text="code\n" + "\n".join(codes) + "\n")
    batch = plate_ops.create_batch(session, sel, actor_id=None, now=NOW)
    assert [p.address.code for p in plate_ops.batch_plates(session, batch)] == codes
    community = plate_ops.create_batch(session, plate_ops.Selection("community", "610112012001"),
                                       actor_id=None, now=NOW)
    assert community.plate_count == 1  # the other one is already in the CSV batch
    with pytest.raises(ImportRejected) as exc:
        plate_ops.make_selection("csv", csv_text="code\n123\nabc\n")
    assert [line for line, _ in exc.value.problems] == [3]
    with pytest.raises(ImportRejected):
        plate_ops.create_batch(session, plate_ops.make_selection("csv", csv_text="999999\n"),
                               actor_id=None, now=NOW)
    with pytest.raises(BadInput):
        plate_ops.create_batch(session, plate_ops.Selection("community", "610112012"),
                               actor_id=None, now=NOW)  # a township, not a community
    with pytest.raises(NotFound):
        plate_ops.create_batch(session, plate_ops.Selection("area", "nowhere"),
                               actor_id=None, now=NOW)
    with pytest.raises(BadInput):
        plate_ops.create_batch(session, plate_ops.Selection("road", "建章路"), size="huge",
                               actor_id=None, now=NOW)


def test_rendering_twice_gives_the_same_pdf_and_manifest(session, tmp_path):
    j, built = b.registry(session, per_road=5)
    batch = plate_ops.create_batch(session, plate_ops.Selection("area", "xixian"),
                                   actor_id=None, now=NOW)
    session.commit()
    outputs = []
    for run in ("a", "b"):
        specs = plate_ops.batch_specs(session, batch, base_url="https://dm.example.gov.cn",
                                      key=None)
        pdf = tmp_path / run / "plates.pdf"
        rows = plate_ops.render_files(specs, pdf, plate_ops.manifest_path_for(pdf),
                                      sheet="A4", title=plate_ops.batch_title(batch))
        outputs.append((pdf.read_bytes(), plate_ops.manifest_path_for(pdf).read_text(), rows))
    assert outputs[0][0] == outputs[1][0] and outputs[0][1] == outputs[1][1]
    rows = outputs[0][2]
    plates = plate_ops.batch_plates(session, batch)
    assert [r.plate_id for r in rows] == [p.plate_id for p in plates]
    assert rows[0].url == f"https://dm.example.gov.cn/p/{plates[0].plate_id}"
    assert rows[0].address == plates[0].address.full_text
    assert not list(tmp_path.rglob("*.part"))


def test_plate_spec_carries_pinyin_number_and_optional_hmac_tag(session):
    j, built = b.registry(session, per_road=2, roads=("建章路",))
    address = built["建章路"][1][1]
    address.suffix = "1"
    plate = plate_ops.issue_plate(session, address, size="medium", actor_id=None, now=NOW)
    spec = plate_ops.plate_spec(session, plate, base_url="https://dm.example.gov.cn",
                                key=b"secret")
    assert spec.road_name == "建章路" and spec.road_pinyin == "Jianzhang Lu"
    assert spec.number_text == "2-1号" and spec.size == "medium"
    assert spec.url.startswith(f"https://dm.example.gov.cn/p/{plate.plate_id}?t=")
    assert spec.host == "dm.example.gov.cn"


def test_reports_need_a_known_plate_and_a_known_kind(session):
    plate = _plate(session)
    report = plate_scan.report_problem(session, plate.plate_id.lower(), "missing", " 不见了 ",
                                      now=NOW)
    assert report.note == "不见了" and report.plate_ref_id == plate.id
    with pytest.raises(BadInput):
        plate_scan.report_problem(session, plate.plate_id, "ugly", None, now=NOW)
    with pytest.raises(BadInput):
        plate_scan.report_problem(session, plate.plate_id, "damaged", "x" * 501, now=NOW)
    with pytest.raises(BadInput):
        plate_scan.report_problem(session, "nonsense", "damaged", None, now=NOW)
    with pytest.raises(NotFound):
        plate_scan.report_problem(session, "0" * 17, "damaged", None, now=NOW)


def test_demo_plates_are_installed_once(session):
    b.registry(session, per_road=3)
    first = plate_ops.issue_demo_plates(session, now=NOW, count=4)
    assert len(first) == 4 and {p.status for p in first} == {PlateStatus.INSTALLED}
    assert plate_ops.issue_demo_plates(session, now=NOW) == []


# --- numbering -------------------------------------------------------------------------------

def _wkt_point(session, address):
    from placenames import spatial

    lon, lat = spatial.point_lon_lat(Address.road_point)
    return session.execute(select(lon, lat).where(Address.id == address.id)).one()


def test_infill_numbers_new_addresses_between_their_neighbours(session):
    j, built = b.registry(session, per_road=8, roads=("建章路",))
    place, addrs = built["建章路"]
    fresh = b.addresses(session, place, 16, numbered=False)
    for before_the_first in fresh[:2]:
        before_the_first.status = "retired"
    fresh = fresh[2:]
    session.commit()
    report = numbering.number_addresses(session, place, numbering.parse_policy())
    session.commit()
    by_code = {c.code: c for c in report.changes}
    for a in addrs:  # existing numbers are kept
        assert by_code[a.code].old == by_code[a.code].new == str(a.number)
    for a in fresh:
        session.refresh(a)
        assert a.number is not None and a.side in ("left", "right")
        assert (a.number % 2 == 1) == (a.side == "left")  # 左单右双
        assert a.full_text.endswith(f"建章路{a.number}{'-' + a.suffix if a.suffix else ''}号")
        assert a.distance_m is not None and _wkt_point(session, a)[0] is not None
    assert count(session, HistoryRow, HistoryRow.action == "update") >= 3
    assert {a.number for a in fresh} == {1, 2, 3, 4, 5, 6, 9, 10}  # sub-numbers, then 9, 10
    assert sum(1 for a in fresh if a.suffix) == 12
    assert numbering.validate_addresses(session, place, numbering.parse_policy()) == []


def test_validator_reports_wrong_side_order_and_duplicates_by_address_code(session):
    j, built = b.registry(session, per_road=8, roads=("世纪大道",))
    place, addrs = built["世纪大道"]
    addrs[0].number = 2       # odd side (left) given an even number
    addrs[2].number = 7       # 3 → 7: now 7 before 5 on the left side
    addrs[3].number = 2       # duplicate of addrs[1]
    session.commit()
    rows = numbering.validate_addresses(session, place, numbering.parse_policy())
    codes = {}
    for f in rows:
        codes.setdefault(f.finding.code, set()).update(f.codes)
    assert addrs[0].code in codes["wrong_side"]
    assert {addrs[1].code, addrs[3].code} <= codes["duplicate"]
    assert "out_of_order" in codes
    dry = numbering.number_addresses(session, place, numbering.parse_policy(), renumber=True,
                                     dry_run=True)
    session.rollback()
    assert [c.new for c in dry.changes] == [str(n) for n in range(1, 9)]
    assert session.get(Address, addrs[0].id).number == 2  # dry run stored nothing


def test_renumbering_from_the_east_follows_the_policy(session):
    j, built = b.registry(session, per_road=6, roads=("世纪大道",))  # digitised west → east
    place, addrs = built["世纪大道"]
    policy = numbering.parse_policy("beijing-ew")
    numbering.number_addresses(session, place, policy, renumber=True)
    session.commit()
    numbers = [session.get(Address, a.id).number for a in addrs]
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6] and numbers[0] in (5, 6)  # west end: high
    assert numbering.validate_addresses(session, place, policy) == []


def test_policy_parsing_and_road_lookup_fail_cleanly(session):
    assert numbering.parse_policy("default", {"skip": "4,13", "odd_side": "right"}).skip == \
        frozenset({4, 13})
    for preset, options in (("nope", {}), ("default", {"origin": "up"}),
                            ("default", {"skip": "a,b"}), ("default", {"interval_m": "-1"})):
        with pytest.raises(BadInput):
            numbering.parse_policy(preset, options)
    with pytest.raises(NotFound):
        numbering.find_road(session, "无此路")


def test_batch_without_plates_to_print_in_csv_is_a_clean_error(session):
    with pytest.raises(BadInput):
        plate_ops.make_selection("csv", csv_text="\n\n")
    with pytest.raises(BadInput):
        plate_ops.make_selection("road", "  ")
    with pytest.raises(BadInput):
        plate_ops.find_batch(session, "not-a-uuid")
    assert count(session, PrintBatch) == 0
