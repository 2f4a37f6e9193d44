"""``placenames plan …`` in this process (CliRunner on the test app): the plan's whole life,
the reserved names' states, and clear messages with exit codes on bad input."""

import plan_builders as pb
import procedure_builders as b
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from placenames.cli import main
from placenames.models import Application
from placenames.ops import plans


def invoke(app, *args):
    result = CliRunner().invoke(main, ["plan", *args], obj=app)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def world(app, session, tmp_path):
    b.world(session)
    session.commit()
    session.close()
    geo = tmp_path / "line.geojson"
    geo.write_text(pb.LINE, encoding="utf-8")
    return geo


def test_a_plan_through_the_cli(app, session, world):
    geo = world
    create = ("create", "QH-C", "--title", "秦汉新城地名规划（CLI）", "--area", "xixian-qinhan",
              "--start", "2026", "--end", "2030", "--theme", "秦汉文化", "--theme", "周文化")
    r = invoke(app, *create, "--actor", "clerk")
    assert r.exit_code == 0 and "QH-C created" in r.output
    assert invoke(app, *create, "--actor", "clerk").exit_code == 75  # the code is taken
    r = invoke(app, "approve", "QH-C", "--body", "西咸新区管委会", "--doc-no", "1号",
               "--date", "2026-02-01", "--actor", "clerk")
    assert r.exit_code == 77 and "批准规划" in r.output
    r = invoke(app, "approve", "QH-C", "--body", "西咸新区管委会", "--doc-no", "1号",
               "--date", "2026-02-30", "--actor", "committee")
    assert r.exit_code == 64 and "YYYY-MM-DD" in r.output
    r = invoke(app, "approve", "QH-C", "--body", "西咸新区管委会", "--doc-no", "1号",
               "--date", "2026-02-01", "--actor", "committee")
    assert r.exit_code == 0
    reserve = ("reserve", "QH-C", "长杨路", "--class", "road", "--meaning", pb.MEANING,
               "--theme", "秦汉文化", "--area", pb.WEICHENG)
    r = invoke(app, *reserve, "--geojson", str(geo), "--actor", "clerk")
    assert r.exit_code == 0 and "Changyang Lu" in r.output and "screen: clear" in r.output
    r = invoke(app, "reserve", "QH-C", "渭城路", "--class", "road", "--meaning", "x", "--theme",
               "周文化", "--area", pb.WEICHENG, "--wkt", "LINESTRING(108.79 34.38, 108.8 34.39)",
               "--actor", "clerk")
    assert r.exit_code == 65 and "screen: block" in r.output and "渭城路" in r.output
    r = invoke(app, "reserve", "QH-C", "丰京路", "--class", "road", "--meaning", "西周丰京",
               "--theme", "周文化", "--area", pb.WEICHENG, "--wkt", pb.WKT, "--actor", "clerk")
    assert r.exit_code == 0
    r = invoke(app, "take", "QH-C", "长杨路", "--actor", "clerk")
    assert r.exit_code == 0 and "/committee/applications/" in r.output
    r = invoke(app, "release", "QH-C", "丰京路", "--reason", "规划调整，道路取消",
               "--actor", "clerk")
    assert r.exit_code == 0
    r = invoke(app, "rescreen", "QH-C", "长杨路", "--actor", "clerk")
    assert r.exit_code == 0 and "screen:" in r.output
    shown = invoke(app, "show", "QH-C").output
    assert "[秦汉文化] 1" in shown and "taken" in shown and "released" in shown
    assert "规划调整，道路取消" in shown and pb.MEANING in shown
    listed = invoke(app, "list").output
    assert "QH-C" in listed and "QH-2026" in listed and "taken 1" in listed
    assert "QH-2026" not in invoke(app, "list", "--status", "draft").output
    r = invoke(app, "retire", "QH-C", "--reason", "期满", "--actor", "committee")
    assert r.exit_code == 0
    plan = plans.get_plan(session, "QH-C")
    assert plan.status == "retired" and plans.counts(plan)["taken"] == 1
    assert session.scalar(select(Application).where(
        Application.id == plan.reserved[0].application_id)).state == "draft"
    session.rollback()


BAD = [  # (arguments, exit status, words of the message)
    (("show", "NOPE"), 66, "NOPE"),
    (("create", "QH-X", "--title", "t", "--area", "xixian-qinhan", "--start", "2030", "--end",
      "2026", "--theme", "秦汉文化", "--actor", "clerk"), 64, "终止年"),
    (("create", "QH-X", "--title", "t", "--area", "xixian-qinhan", "--start", "2026", "--end",
      "2030", "--theme", "秦汉文化", "--actor", "nobody"), 66, "nobody"),
    (("reserve", "QH-2026", "某路", "--class", "road", "--meaning", "m", "--theme", "唐文化",
      "--wkt", "LINESTRING(108.79 34.38, 108.8 34.39)", "--area", "610404005", "--actor",
      "clerk"), 64, "主题"),
    (("reserve", "QH-2026", "某路", "--class", "road", "--meaning", "m", "--theme", "周文化",
      "--wkt", "LINESTRING(1 2", "--area", "610404005", "--actor", "clerk"), 64, "WKT"),
    (("reserve", "QH-2026", "某路", "--class", "road", "--meaning", "m", "--theme", "周文化",
      "--geojson", "/nonexistent.geojson", "--actor", "clerk"), 64, "nonexistent"),
    (("release", "QH-2026", "安陵路", "--reason", "x", "--actor", "clerk"), 64, "理由"),
    (("release", "QH-2026", "望夷路", "--reason", "再次释放", "--actor", "clerk"), 75, "已释放"),
    (("take", "QH-2026", "无此路", "--actor", "clerk"), 66, "无此路"),
]


def test_bad_input_is_a_message_and_an_exit_code(app, world):
    for args, code, words in BAD:
        r = invoke(app, *args)
        assert r.exit_code == code and words in r.output, (args, r.output)
