"""`placenames import divisions` on the real NBS 2022 lists."""

from pathlib import Path

import pytest
from cli_builders import run_cli  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import func, select

from placenames.errors import ImportRejected
from placenames.models import Jurisdiction
from placenames.ops.registry import divisions


def count(session, level=None):
    stmt = select(func.count()).select_from(Jurisdiction)
    if level:
        stmt = stmt.where(Jurisdiction.level == level)
    return session.scalar(stmt)


def import_upper_levels(session, admin):
    for name in ("provinces", "cities", "areas"):
        divisions.import_csv(session, admin / f"nbs2022_{name}.csv")
    session.commit()


def test_all_41352_townships_import_through_the_cli_with_progress(shared_data, session, cli_env):
    admin = shared_data / "admin_divisions"
    import_upper_levels(session, admin)
    result = run_cli(cli_env, "import", "divisions", str(admin / "nbs2022_streets.csv"))
    assert result.returncode == 0, result.stderr
    assert "41352 inserted" in result.stdout
    assert "41352/41352" in result.stderr  # progress
    session.rollback()
    assert count(session, "township") == 41352
    assert count(session, "province") == 31 and count(session, "county") == 2978
    sanqiao = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "610112002"))
    assert sanqiao.name == "三桥街道" and sanqiao.parent.name == "未央区"
    assert sanqiao.parent.parent.parent.name == "陕西省"
    session.rollback()  # end the read so the next writer gets the lock
    # re-import: nothing duplicated, nothing changed
    again = run_cli(cli_env, "import", "divisions", str(admin / "nbs2022_streets.csv"))
    assert again.returncode == 0 and "0 inserted, 0 updated, 41352 unchanged" in again.stdout
    session.expire_all()
    assert count(session, "township") == 41352


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_with_bad_rows_is_rejected_whole_with_line_numbers(shared_data, session, cli_env,
                                                                   tmp_path):
    admin = shared_data / "admin_divisions"
    for name in ("provinces", "cities"):
        divisions.import_csv(session, admin / f"nbs2022_{name}.csv")
    session.commit()
    before = count(session)
    session.rollback()
    lines = (admin / "nbs2022_areas.csv").read_text(encoding="utf-8").splitlines()[:12]
    lines[4] = '11010X,"坏代码区",1101,11'  # line 5 of the file
    lines[8] = '110109,"",1101,11'  # line 9: empty name
    bad = _write(tmp_path / "areas.csv", lines)
    result = run_cli(cli_env, "import", "divisions", str(bad))
    assert result.returncode == 65
    assert "line 5:" in result.stderr and "line 9:" in result.stderr
    assert "line 6:" not in result.stderr
    session.expire_all()
    assert count(session) == before  # nothing half-imported


def test_reimport_updates_a_renamed_division_instead_of_adding_one(session, tmp_path):
    header = "code,name"
    divisions.import_csv(session, _write(tmp_path / "p.csv", [header, '61,"陕西省"']))
    result = divisions.import_csv(session, _write(tmp_path / "p2.csv",
                                                  [header, '61,"陕西"', '62,"甘肃省"']))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    assert count(session) == 2
    assert session.scalar(select(Jurisdiction.name).where(Jurisdiction.code == "61")) == "陕西"


@pytest.mark.parametrize("lines, reason", [
    (["code,name", '61,"陕西省"', '61,"重复"'], "duplicate"),
    (["code,name,cityCode,provinceCode", '610112,"未央区",6101,61'], "parent not found"),
    (["code,name,cityCode,provinceCode", '610112,"未央区",6201,62'], "parent code"),
    (["foo,bar", "1,2"], "unrecognised header"),
    (["code,name"], "no rows"),
])
def test_bad_files_get_a_clear_reason(session, tmp_path, lines, reason):
    with pytest.raises((ImportRejected, divisions.BadInput)) as info:
        divisions.import_csv(session, _write(tmp_path / "f.csv", lines))
    text = info.value.user_msg + " ".join(r for _l, r in getattr(info.value, "problems", []))
    assert reason in text
    assert count(session) == 0


def test_a_binary_file_is_rejected_with_a_message(session, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(divisions.BadInput, match="cannot read"):
        divisions.import_csv(session, path)
