"""The real commands: a 100-plate round trip through PDF, raster and a QR decoder back to the
scan page; a batch killed mid-render and resumed; numbering and status commands."""

import csv
import shutil
import signal
import subprocess
import sys
import time

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
import zxingcpp
from cli_builders import run_cli as run  # tests/ is on sys.path (pyproject.toml)
from PIL import Image
from sqlalchemy import func, select

from placenames.models import AuditEvent
from placenames.models.plates import BatchStatus, Plate, PrintBatch
from placenames.plates.payload import parse_plate_url

BASE = "https://dm.example.gov.cn"  # the app fixture's PUBLIC_BASE_URL
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler")


@pytest.fixture
def env(cli_env):
    return {**cli_env, "PLACENAMES_PUBLIC_BASE_URL": BASE}



def manifest(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@needs_poppler
def test_round_trip_100_plates_pdf_raster_decode_and_fetch(env, session, client, tmp_path):
    b.registry(session, per_road=50)
    session.commit()
    out = tmp_path / "batch" / "plates.pdf"
    done = run(env, "plates", "batch", "--area", "xixian-fengdong", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "100 plates stored" in done.stderr
    rows = manifest(out.with_name("plates.manifest.csv"))
    assert len(rows) == 100 and len({r["plate_id"] for r in rows}) == 100
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(out), str(tmp_path / "page")],
                   check=True)
    decoded = []
    for page in sorted(tmp_path.glob("page-*.png")):
        with Image.open(page) as img:
            decoded += [code.text for code in zxingcpp.read_barcodes(img)]
    assert sorted(decoded) == sorted(r["url"] for r in rows)  # every code, each once
    by_id = {r["plate_id"]: r for r in rows}
    for url in decoded:
        scanned = parse_plate_url(url, BASE)
        path = url[len(BASE):]
        page = client.get(path)
        assert page.status_code == 200
        assert by_id[scanned.plate_id]["address"] in page.get_data(as_text=True)
        body = client.get(path, headers={"Accept": "application/json"}).get_json()
        assert body["address"]["zh"] == by_id[scanned.plate_id]["address"]
    stored = session.scalars(select(Plate).order_by(Plate.position)).all()
    assert [p.plate_id for p in stored] == [r["plate_id"] for r in rows]


def _kill_while_rendering(env, args, timeout=120):
    """Start the command, wait for its ids to be stored, let it draw a while, SIGKILL it."""
    proc = subprocess.Popen([sys.executable, "-m", "placenames.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    line = ""
    while "plates stored" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
        assert line or proc.poll() is None, proc.stderr.read()
    batch_id = line.split()[1].rstrip(":")
    time.sleep(1.0)  # a few plates are drawn (the pause makes drawing take seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return batch_id


def _copy_sqlite(engine, db_url, target):
    raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN: VACUUM needs autocommit
    try:
        raw.driver_connection.execute(f"VACUUM INTO '{target}'")
    finally:
        raw.close()
    return f"sqlite:///{target}"


def test_a_killed_batch_resumes_to_what_an_uninterrupted_run_gives(env, session, engine,
                                                                   db_url, tmp_path):
    b.registry(session, per_road=30)
    session.commit()
    copy_url = None
    if db_url.startswith("sqlite"):  # a copy of the registry before any batch
        copy_url = _copy_sqlite(engine, db_url, tmp_path / "copy.db")
    args = ["plates", "batch", "--area", "xixian", "--out", str(tmp_path / "a" / "plates.pdf")]
    batch_id = _kill_while_rendering({**env, "PLACENAMES_BATCH_PAUSE_MS": "100"}, args)
    assert not (tmp_path / "a" / "plates.pdf").exists()  # nothing half-written posing as done
    batch = session.scalar(select(PrintBatch).where(PrintBatch.status == BatchStatus.RENDERING))
    assert str(batch.id) == batch_id and batch.plate_count == 60
    ids_before = [p.plate_id for p in session.scalars(select(Plate).order_by(Plate.position))]
    session.rollback()

    again = run(env, "plates", "batch", "--area", "xixian", "--out", "x.pdf")
    assert again.returncode == 75 and batch_id in again.stderr  # refuses a second batch
    resumed = run(env, "plates", "batch", "--resume", batch_id, "--out",
                  str(tmp_path / "a" / "plates.pdf"))
    assert resumed.returncode == 0, resumed.stderr
    plates = session.scalars(select(Plate).order_by(Plate.position)).all()
    assert [p.plate_id for p in plates] == ids_before  # no id issued again
    assert [p.position for p in plates] == list(range(1, 61))  # no gap
    assert len({p.address_id for p in plates}) == 60 == len({p.plate_id for p in plates})
    assert session.get(PrintBatch, plates[0].batch_id).status == BatchStatus.RENDERED
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "issue")) == 60
    session.rollback()
    a_rows = manifest(tmp_path / "a" / "plates.manifest.csv")
    assert [r["plate_id"] for r in a_rows] == ids_before

    # rendering the batch once more, uninterrupted, gives the very same files
    again = run(env, "plates", "batch", "--resume", batch_id, "--out",
                str(tmp_path / "b" / "plates.pdf"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a" / "plates.pdf").read_bytes() == \
        (tmp_path / "b" / "plates.pdf").read_bytes()
    assert manifest(tmp_path / "b" / "plates.manifest.csv") == a_rows

    if copy_url:  # an uninterrupted run of the same selection on the copy: same layout
        clean = run({**env, "PLACENAMES_DATABASE_URL": copy_url}, *args[:-1],
                    str(tmp_path / "c" / "plates.pdf"))
        assert clean.returncode == 0, clean.stderr
        c_rows = manifest(tmp_path / "c" / "plates.manifest.csv")

        def layout(rows):
            return [{k: v for k, v in r.items() if k not in ("plate_id", "url")} for r in rows]

        assert layout(c_rows) == layout(a_rows)


def test_batch_command_rejects_bad_input_with_exit_codes(env, session, tmp_path):
    b.registry(session, per_road=2, roads=("建章路",))
    session.commit()
    out = str(tmp_path / "p.pdf")
    assert run(env, "plates", "batch", "--out", out).returncode == 64
    assert run(env, "plates", "batch", "--road", "建章路", "--area", "xixian",
               "--out", out).returncode == 64
    assert run(env, "plates", "batch", "--road", "无此路", "--out", out).returncode == 66
    assert run(env, "plates", "batch", "--resume", "nope", "--out", out).returncode == 64
    bad_csv = tmp_path / "codes.csv"
    bad_csv.write_text("code\nabc\n", encoding="utf-8")
    r = run(env, "plates", "batch", "--csv", str(bad_csv), "--out", out)
    assert r.returncode == 65 and "line 2" in r.stderr and "Traceback" not in r.stderr


def test_set_status_and_mark_printed_commands(env, session, tmp_path):
    b.registry(session, per_road=2, roads=("建章路",))
    b.clerk(session)
    session.commit()
    out = tmp_path / "p.pdf"
    assert run(env, "plates", "batch", "--road", "建章路", "--out", str(out)).returncode == 0
    batch_id = session.scalar(select(PrintBatch.id))
    pid = session.scalar(select(Plate.plate_id).where(Plate.position == 1))
    session.rollback()
    early = run(env, "plates", "set-status", pid, "installed", "--installer", "王")
    assert early.returncode == 75 and "Traceback" not in early.stderr
    printed = run(env, "plates", "mark-printed", str(batch_id), "--actor", "clerk1")
    assert printed.returncode == 0 and "2 plates printed" in printed.stdout
    ok = run(env, "plates", "set-status", pid.lower(), "installed", "--installer", "王",
             "--date", "2026-12-01", "--actor", "clerk1")
    assert ok.returncode == 0 and "printed -> installed" in ok.stdout
    replaced = run(env, "plates", "set-status", pid, "replaced")
    assert replaced.returncode == 0 and "replacement plate" in replaced.stdout
    assert run(env, "plates", "set-status", pid, "printed").returncode == 75
    assert run(env, "plates", "set-status", pid, "lost").returncode == 64
    assert run(env, "plates", "set-status", "0" * 17, "printed").returncode == 66
    plate = session.scalar(select(Plate).where(Plate.plate_id == pid))
    assert plate.status == "replaced" and plate.installer == "王"
    assert str(plate.installed_on) == "2026-12-01"


def test_addresses_number_and_validate_commands(env, session):
    j, built = b.registry(session, per_road=6, roads=("世纪大道",))
    place, addrs = built["世纪大道"]
    addrs[0].number = 4  # an even number on the odd side
    session.commit()
    bad = run(env, "addresses", "validate", "世纪大道")
    assert bad.returncode == 65 and "wrong_side" in bad.stdout and addrs[0].code in bad.stdout
    dry = run(env, "addresses", "number", "世纪大道", "--renumber", "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout
    session.expire_all()
    assert session.get(type(addrs[0]), addrs[0].id).number == 4
    session.rollback()
    done = run(env, "addresses", "number", "世纪大道", "--renumber", "--policy", "default")
    assert done.returncode == 0, done.stderr
    good = run(env, "addresses", "validate", "世纪大道")
    assert good.returncode == 0 and "0 errors" in good.stdout
    assert run(env, "addresses", "number", "无此路").returncode == 66
    assert run(env, "addresses", "validate", "世纪大道", "--skip", "x").returncode == 64
    session.expire_all()
    assert session.get(type(addrs[0]), addrs[0].id).number == 1
