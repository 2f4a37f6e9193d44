"""Fixtures: a fresh, migrated database per test on the backend chosen by the environment.

``PLACENAMES_TEST_DATABASE_URL`` unset → SpatiaLite (a copy of a migrated template file per
test); set to a ``postgresql+psycopg://`` URL → PostGIS (migrated once, tables emptied after
each test). ``scripts/test`` runs the suite once per backend; tests that use these fixtures are
marked ``db`` automatically, so the PostGIS pass runs exactly them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import demo_snapshot  # tests/ is on sys.path (pyproject.toml)
import pytest
from db_builders import empty_postgis
from flask import Flask
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from placenames import config as config_mod
from placenames import create_app, db, migrate, pii
from placenames.db import make_engine
from placenames.models import Base

# CI runs the same examples every time (a landing must not hang on a random draw) and, on a
# loaded 2-core machine, does not time individual examples; local runs explore freely.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# argon2's cheapest parameters in tests (argon2-cffi's advice): a demo load hashes ten passwords
os.environ.setdefault("PLACENAMES_ARGON2_PROFILE", "CHEAPEST")

DB_FIXTURES = {"app", "client", "session", "engine", "cli_env", "db_url"}
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_report_header() -> str:
    return f"placenames backend: {backend_name()}"


def backend_name() -> str:
    return "postgis" if os.environ.get("PLACENAMES_TEST_DATABASE_URL") else "spatialite"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a template file (SpatiaLite) or the test database (PostGIS)."""
    url = os.environ.get("PLACENAMES_TEST_DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        migrate.upgrade(engine)
        engine.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return str(path)


@pytest.fixture(scope="session")
def _demo_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("demo_scratch")
    demo_snapshot.drop_scratch()


@pytest.fixture(autouse=True)
def _demo_copied(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database test's ``demo.load`` copies the rows of one real load (tests/demo_snapshot.py);
    ``@pytest.mark.real_demo_load`` keeps the real loader."""
    if request.node.get_closest_marker("db") is None or \
            request.node.get_closest_marker("real_demo_load") is not None:
        return
    from placenames.ops.demo import loader

    template = request.getfixturevalue("_template")
    folder = request.getfixturevalue("_demo_scratch")
    monkeypatch.setattr(loader, "load", demo_snapshot.cached_load(loader.load, template, folder))


@pytest.fixture
def db_url(_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database for this test."""
    if _template.startswith("postgresql"):
        yield _template
        empty_postgis(_template)
    else:
        target = tmp_path / "placenames.db"
        shutil.copyfile(_template, target)
        yield f"sqlite:///{target}"


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({
        "DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"), "PUBLIC_BASE_URL": "https://dm.example.gov.cn",
        "JOBS_QUEUE": "immediate",  # jobs run in the request; tests/test_jobs.py runs workers
    })
    yield app
    app.extensions["placenames.engine"].dispose()


@pytest.fixture
def client(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def demo_clerk(app: Flask, client, session):  # type: ignore[no-untyped-def]
    """The demo register loaded and committed, and ``client`` signed in as its clerk."""
    from account_builders import sign_in

    from placenames.ops.demo import loader as demo

    demo.load(session)
    session.commit()
    session.close()
    sign_in(app, client, "clerk")
    return client


@pytest.fixture
def _sessions(request: pytest.FixtureRequest, db_url: str,
              tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The session factory of the test's app; for a test that uses no app, one made as the app
    makes it (``db.session_factory``), without the 0.1-0.3 s of building an app."""
    if "app" in request.fixturenames:
        app: Flask = request.getfixturevalue("app")
        yield app.extensions["placenames.sessionmaker"]
        return
    instance = str(tmp_path / "instance")
    settings = config_mod.load(instance, {"DATABASE_URL": db_url, "SECRET_KEY": "test-secret"})
    engine = make_engine(db_url, settings)
    yield db.session_factory(engine, settings, pii.load_keyring(settings["PII_KEY"], instance))
    engine.dispose()


@pytest.fixture
def engine(_sessions: sessionmaker[Session]) -> Engine:
    return _sessions.kw["bind"]  # type: ignore[no-any-return]


@pytest.fixture
def session(_sessions: sessionmaker[Session]) -> Iterator[Session]:
    s = _sessions()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running the ``placenames`` command against the test database."""
    env = dict(os.environ)
    env.update({"PLACENAMES_DATABASE_URL": db_url, "PLACENAMES_SECRET_KEY": "test",
                "PLACENAMES_INSTANCE_PATH": str(tmp_path / "instance")})
    return env
