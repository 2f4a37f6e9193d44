"""Run Alembic migrations from code: upgrade, downgrade, current revision, drift check."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from . import spatial

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    """An Alembic Config pointing at the project's ``migrations/`` folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _run(engine: Engine, fn: Any, *args: Any, attributes: dict[str, Any] | None = None) -> None:
    cfg = alembic_config()
    cfg.attributes.update(attributes or {})
    with (engine.connect() as conn, spatial.foreign_keys_deferred_for_migration(conn),
          conn.begin()):
        if spatial.backend_name(conn) == "postgis":
            spatial.ensure_postgis(conn)
        cfg.attributes["connection"] = conn
        fn(cfg, *args)


def upgrade(engine: Engine, revision: str = "head", *,
            attributes: dict[str, Any] | None = None) -> None:
    """Bring the schema up to ``revision``. ``attributes`` reach the revisions as
    ``context.config.attributes`` (``pii_keys``: the app's personal-data keyring, which the
    revision that encrypts contacts uses)."""
    _run(engine, command.upgrade, revision, attributes=attributes)


def downgrade(engine: Engine, revision: str = "base", *,
              attributes: dict[str, Any] | None = None) -> None:
    """Take the schema down to ``revision`` (``attributes`` as for :func:`upgrade`)."""
    _run(engine, command.downgrade, revision, attributes=attributes)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def head_revision() -> str | None:
    """The newest revision in ``migrations/`` (read once a process: the scripts are part of
    the installed code)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when in step)."""
    from .models import Base

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "include_object": include_object, "compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Leave SpatiaLite's bookkeeping tables and GeoAlchemy2's spatial indexes out of diffs."""
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and name and spatial.spatialite_internal_table(name):
        return False
    if name and spatial.search_text_index_object(name):
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))
