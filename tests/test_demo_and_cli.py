"""`placenames init` and `placenames demo` through the real command, on the test database."""

import os
import subprocess
import sys

import pytest
from cli_builders import run_cli  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import func, select

from placenames.models import (
    Address,
    HistoryRow,
    Jurisdiction,
    Level,
    ManagementMembership,
    Place,
    User,
)
from placenames.ops.demo import applications as demo_apps
from placenames.ops.demo import data as demo_data
from placenames.ops.demo import loader as demo

pytestmark = pytest.mark.real_demo_load  # the loader itself, not the tests' copy of its rows



def n(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_init_and_demo_are_idempotent_through_the_cli(cli_env, session):
    first = run_cli(cli_env, "init")
    assert first.returncode == 0 and "schema at revision" in first.stdout
    loaded = run_cli(cli_env, "demo")
    assert loaded.returncode == 0, loaded.stderr
    # the demo applications, one at each stage, listed with who acts next and their page
    assert f"applications: +{len(demo_apps.DEMO_APPLICATIONS)}" in loaded.stdout
    listed = [line.split() for line in loaded.stdout.splitlines() if "/committee/app" in line]
    assert [row[1] for row in listed] == [d.name for d in demo_apps.DEMO_APPLICATIONS]
    assert listed[10][:3] == ["in_comment", "凤栖路", "clerk"]
    counts = (n(session, Place), n(session, Address), n(session, Jurisdiction), n(session, User),
              n(session, HistoryRow))
    session.rollback()
    again = run_cli(cli_env, "demo")
    assert again.returncode == 0
    assert "places: +0" in again.stdout and "addresses: +0" in again.stdout
    assert "plates: +0" in again.stdout and "/p/" in again.stdout
    assert "applications: +0" in again.stdout
    assert (n(session, Place), n(session, Address), n(session, Jurisdiction), n(session, User),
            n(session, HistoryRow)) == counts
    session.rollback()
    assert run_cli(cli_env, "init").returncode == 0  # upgrading an upgraded database is a no-op


def test_demo_frame_has_management_areas_over_legal_townships(session):
    demo.load(session)
    session.commit()
    fengdong = session.scalar(select(Jurisdiction).where(Jurisdiction.name == "沣东新城"))
    assert fengdong.level == Level.MANAGEMENT and fengdong.parent.name == "西咸新区"
    managed = session.scalars(
        select(Jurisdiction).join(ManagementMembership,
                                  ManagementMembership.member_id == Jurisdiction.id)
        .where(ManagementMembership.area_id == fengdong.id)).all()
    # 沣东新城 manages townships whose legal parents are districts of both Xi'an and Xianyang
    legal_cities = {t.parent.parent.name for t in managed}
    assert legal_cities == {"西安市", "咸阳市"}
    assert {t.level for t in managed} == {"township"}
    assert n(session, User) == len(demo_data.DEMO_USERS)
    assert {u.roles for u in session.scalars(select(User))} == {
        r for _u, _d, r, _o in demo_data.DEMO_USERS}


def test_demo_addresses_are_numbered_odd_left_even_right_with_unique_codes(session):
    demo.load(session)
    session.commit()
    addresses = session.scalars(select(Address)).all()
    assert len(addresses) >= 300
    assert len({a.code for a in addresses}) == len(addresses)
    for a in addresses:
        assert (a.number % 2 == 1) == (a.side == "left"), (a.full_text, a.side)
        assert a.full_text.startswith("陕西省西咸新区") and a.full_text.endswith(f"{a.number}号")
        assert a.code.startswith(a.jurisdiction.code)
    road = session.scalar(select(Place).where(Place.name == "建章路"))
    on_road = sorted((a for a in addresses if a.road_id == road.id), key=lambda a: a.distance_m)
    assert [a.number for a in on_road] == sorted(a.number for a in on_road)
    assert road.romanization == "Jianzhang Lu" and road.match_keys.key_pinyin == "jianzhanglu"


def test_commands_on_an_unmigrated_database_say_to_run_init(tmp_path):
    import os

    env = dict(os.environ, PLACENAMES_DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}",
               PLACENAMES_INSTANCE_PATH=str(tmp_path / "instance"))
    env.pop("PLACENAMES_TEST_DATABASE_URL", None)
    result = run_cli(env, "check-name", "长安路", "--class", "road")
    assert result.returncode == 75 and "placenames init" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli(env, "init").returncode == 0
    assert run_cli(env, "check-name", "长安路", "--class", "road").returncode == 0


def test_the_demo_pool_can_seat_a_panel_whose_members_all_have_accounts(session):
    from placenames.models import Expert

    demo.load(session)
    demo.load(session)  # idempotent
    session.commit()
    experts = session.scalars(select(Expert).where(Expert.active.is_(True))).all()
    assert len(experts) >= 3
    assert all(e.user is not None and "expert" in e.user.role_set() for e in experts)
    # none shares the demo applicant's organization, which the draw excludes
    assert all(e.affiliation != "沣东新城建设局" for e in experts)


def test_a_database_that_cannot_be_reached_is_a_message_not_a_traceback(tmp_path):
    import socket

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PLACENAMES_DATABASE_URL=f"postgresql+psycopg://u@127.0.0.1:{port}/x",
               PLACENAMES_SECRET_KEY="t", PLACENAMES_INSTANCE_PATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "placenames.cli", "tokens", "list"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 75, out.stderr
    assert "Traceback" not in out.stderr and "数据库暂时无法访问" in out.stderr
