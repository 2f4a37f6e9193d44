"""A database and app that live for a whole test module (the search tests read, never write).

The conftest's fixtures give each test a fresh database; the search quality and fuzz tests load
a register once and ask it hundreds of queries, so they build their own: a copy of the migrated
template on SpatiaLite, the test database on PostGIS (emptied afterwards, as ``db_url`` does).
Modules using it mark themselves ``db`` (``pytestmark``) so that the PostGIS pass runs them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from db_builders import empty_postgis  # tests/ is on sys.path (pyproject.toml)
from flask import Flask

from placenames import create_app


@contextmanager
def module_app(template: str, tmp: Path, **config: object) -> Iterator[Flask]:
    """An app on a database of its own for a module (``template`` is conftest's ``_template``)."""
    if template.startswith("postgresql"):
        url = template
    else:
        shutil.copyfile(template, tmp / "placenames.db")
        url = f"sqlite:///{tmp / 'placenames.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True,
                      "INSTANCE_PATH": str(tmp / "instance"),
                      "PUBLIC_BASE_URL": "https://dm.example.gov.cn", **config})
    try:
        yield app
    finally:
        app.extensions["placenames.engine"].dispose()
        if url.startswith("postgresql"):
            empty_postgis(url)
