"""`placenames import names|addresses FILE`: progress, a summary, the report file, exit 0 when
imported and 65 with the report when rejected; --dry-run writes nothing."""

import csv

import import_builders as ib  # tests/ is on sys.path (pyproject.toml)
import pytest
from cli_builders import run_cli  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import select

from placenames.models import Address, Place
from placenames.ops.demo import loader as demo


@pytest.fixture
def register(session):
    demo.load(session)
    session.commit()
    session.close()
    return session


def test_dry_run_then_import_then_reimport(register, cli_env, tmp_path):
    s = register
    path = ib.xlsx(tmp_path / "地名.xlsx", ib.NAME_HEADER, ib.NEW_NAMES)
    before = ib.counts(s)
    s.rollback()
    out = tmp_path / "report.csv"
    dry = run_cli(cli_env, "import", "names", str(path), "--dry-run", "--report", str(out))
    assert dry.returncode == 0, dry.stderr
    assert "新增 4" in dry.stdout and "4 new" in dry.stdout and "dry run" in dry.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    s.expire_all()
    assert ib.counts(s) == before
    s.rollback()
    done = run_cli(cli_env, "import", "names", str(path), "--sheet", "地名")
    assert done.returncode == 0, done.stderr
    assert "4 new, 0 updated, 0 unchanged" in done.stdout and "imported" in done.stdout
    assert "4/4" in done.stderr  # the progress bar
    s.expire_all()
    assert s.scalar(select(Place.romanization).where(Place.name == "凤鸣路")) == "Fengming Lu"
    s.rollback()
    again = run_cli(cli_env, "import", "names", str(path))
    assert again.returncode == 0 and "0 new, 0 updated, 4 unchanged" in again.stdout


def test_a_rejected_file_exits_65_with_every_row_in_the_report(register, cli_env, tmp_path):
    s = register
    rows = [list(r) for r in ib.NEW_ADDRESSES]
    rows[0][3] = "不存在路"
    rows[2][4] = "八十八"
    path = ib.csv_file(tmp_path / "门牌.csv", ib.ADDRESS_HEADER, rows, "gbk")
    before = ib.counts(s)
    s.rollback()
    out = tmp_path / "report.csv"
    result = run_cli(cli_env, "import", "addresses", str(path), "--report", str(out))
    assert result.returncode == 65
    assert "row 2 [道路名称] error" in result.stderr and "row 4 [门牌号] error" in result.stderr
    assert "nothing imported" in result.stdout and "Traceback" not in result.stderr
    with out.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert [(r[0], r[1], r[3]) for r in lines[1:]] == [("2", "道路名称", "unknown_road"),
                                                       ("4", "门牌号", "bad_number")]
    s.expire_all()
    assert ib.counts(s) == before
    assert s.scalar(select(Address).where(Address.code == rows[1][1])) is None


def test_a_file_that_cannot_be_read_exits_65_and_a_missing_file_is_a_usage_error(
        register, cli_env, tmp_path):
    broken = tmp_path / "a.xlsx"
    broken.write_bytes(b"not a workbook")
    result = run_cli(cli_env, "import", "names", str(broken))
    assert result.returncode == 65 and "file error" in result.stderr
    assert "cannot read the workbook" in result.stderr
    missing = run_cli(cli_env, "import", "names", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
