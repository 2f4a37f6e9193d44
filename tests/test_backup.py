"""Backup and restore through the real command, on both backends: a drill restores the demo
register into an empty database and finds the same counts and records."""

import shutil
import uuid
from pathlib import Path

import audit_builders as ab  # tests/ is on sys.path (pyproject.toml)
import pytest
from cli_builders import run_cli  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from placenames import backup as register_backup
from placenames import spatial
from placenames.db import make_engine
from placenames.models import AuditEvent, Place
from placenames.ops.demo import loader as demo
from placenames.ops.names import rebuild


@pytest.fixture
def empty_db(db_url, tmp_path):
    """The URL of a second, empty database on the same backend (dropped afterwards)."""
    if not db_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"placenames_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(db_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(db_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_backup_restores_into_an_empty_database_with_the_same_register(
        session, cli_env, empty_db, tmp_path):
    demo.load(session)
    session.commit()
    ab.procedure_run(session)  # audit events with opinions and comments to verify after
    road = session.scalar(select(Place).where(Place.name == "建章路"))
    expected = (road.id, road.romanization, road.meaning, road.version)
    n_places = session.scalar(select(func.count()).select_from(Place))
    n_events = session.scalar(select(func.count()).select_from(AuditEvent))
    session.close()  # on SQLite an open read transaction holds the lock the command needs
    # files the register refers to: a survey photo, meeting minutes, a plate photo, a story's
    instance = Path(cli_env["PLACENAMES_INSTANCE_PATH"])
    uploads = {"procedure/4f0c/survey-1.jpg": b"\xff\xd8 photo", "procedure/4f0c/minutes.pdf":
               b"%PDF-1.7 minutes %%EOF", "plate_photos/P1-ab12.png": b"\x89PNG plate",
               "stories/9a1b/c0ffee.jpg": b"\xff\xd8 story photo"}
    for name, data in uploads.items():
        (instance / name).parent.mkdir(parents=True, exist_ok=True)
        (instance / name).write_bytes(data)
    (instance / "batches").mkdir(exist_ok=True)
    (instance / "batches" / "made-again.pdf").write_bytes(b"%PDF generated")
    out = tmp_path / "register.backup"
    made = run_cli(cli_env, "backup", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert out.stat().st_size > 0
    again = run_cli(cli_env, "backup", "--out", str(out))
    assert again.returncode == 75 and "not overwritten" in again.stderr
    # a new machine: an empty database and a new instance folder, with the personal-data key
    # brought from where it is kept apart from the backups
    elsewhere = tmp_path / "new-instance"
    elsewhere.mkdir()
    shutil.copy(instance / "pii_key", elsewhere / "pii_key")
    env = dict(cli_env, PLACENAMES_DATABASE_URL=empty_db,
               PLACENAMES_INSTANCE_PATH=str(elsewhere))
    restored = run_cli(env, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    counts = made.stdout.split(": ", 1)[1]
    assert restored.stdout.split(": ", 1)[1] == counts
    assert f"places {n_places}," in counts and f"files {len(uploads)}" in counts
    for name, data in uploads.items():
        assert (elsewhere / name).read_bytes() == data
    assert not (elsewhere / "batches").exists()
    engine = make_engine(empty_db)
    with Session(engine) as s:
        back = s.scalar(select(Place).where(Place.name == "建章路"))
        assert (back.id, back.romanization, back.meaning, back.version) == expected
        # the spatial columns came back with their geometry and index
        assert s.scalar(select(Place.geom.ST_AsText()).where(Place.id == back.id)) \
            .startswith("LINESTRING")
    engine.dispose()
    # the restored audit log is intact: its chain and the opinions' and comments' digests
    checked = run_cli(env, "audit", "verify")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"ok: {n_events} events\n") and n_events > 0
    twice = run_cli(env, "restore", str(out))
    assert twice.returncode == 75 and "already holds" in twice.stderr


def test_a_file_that_is_no_backup_is_refused(cli_env, empty_db, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 10)
    env = dict(cli_env, PLACENAMES_DATABASE_URL=empty_db)
    r = run_cli(env, "restore", str(junk))
    assert r.returncode == 64 and "not a backup" in r.stderr
    missing = run_cli(env, "restore", str(tmp_path / "nothing.backup"))
    assert missing.returncode == 66


def test_a_file_archive_with_a_path_out_of_the_instance_is_refused(cli_env, empty_db, tmp_path):
    import io
    import tarfile

    out = tmp_path / "register.backup"
    out.write_bytes(b"SQLite format 3\0")
    with tarfile.open(tmp_path / "register.backup.files.tar", "w") as tar:
        entry = tarfile.TarInfo("procedure/../../escaped.txt")
        entry.size = 2
        tar.addfile(entry, io.BytesIO(b"hi"))
    env = dict(cli_env, PLACENAMES_DATABASE_URL=empty_db)
    done = run_cli(env, "restore", str(out))
    assert done.returncode == 64 and "never has" in done.stderr
    assert not (tmp_path / "escaped.txt").exists()


def test_a_backup_leaves_out_the_shadows_of_a_rebuild_under_way(session, engine, empty_db,
                                                                 tmp_path):
    """A keys rebuild's shadow tables are not the register: a backup taken while one runs
    holds the live tables only, and the running rebuild keeps its shadows."""
    session.close()
    shadows = rebuild.begin(engine)
    try:
        out = tmp_path / "during-rebuild.backup"
        register_backup.backup(engine, out)
        assert {t.name for t in shadows.tables} <= set(inspect(engine).get_table_names())
    finally:
        rebuild.give_up(engine)
    restored = make_engine(empty_db)
    try:
        register_backup.restore(restored, out)
        tables = set(inspect(restored).get_table_names())
    finally:
        restored.dispose()
    assert {"places", "place_keys", "place_syllables"} <= tables
    assert not {t for t in tables if t.endswith(spatial.SHADOW_SUFFIX)}
