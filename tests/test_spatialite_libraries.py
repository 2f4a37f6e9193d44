"""SpatiaLite's PROJ and GEOS must not capture the ones inside the pyproj and shapely wheels."""

import subprocess
import sys

REPORT = "import pyproj, shapely; print(pyproj.proj_version_str, shapely.geos_version_string)"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_pyproj_keeps_its_own_proj_after_spatialite_is_loaded_and_the_process_exits_cleanly(
        tmp_path):
    alone = _run(REPORT)
    assert alone.returncode == 0, alone.stderr
    after = _run(
        "from placenames.db import make_engine\n"
        f"engine = make_engine('sqlite:///{tmp_path / 'x.db'}')\n"
        "with engine.connect() as conn:\n"
        "    conn.exec_driver_sql('SELECT spatialite_version()').scalar()\n"
        f"{REPORT}\n")
    # before the fix: pyproj reported Debian's PROJ and the process died at exit (SIGSEGV)
    assert after.returncode == 0, after.stderr
    assert after.stdout == alone.stdout

