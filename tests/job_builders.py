"""Helpers for tests of background jobs: a real worker process (`placenames worker` on the
SQLite queue file, with a short lease) and a second web app on the same database and instance
folder (another web process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from placenames import create_app


def worker(cli_env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    """Start ``placenames worker`` in its own session (kill it with ``os.killpg``); its output
    goes to ``<tmp_path>/<name>.log``."""
    env = {**cli_env, "PLACENAMES_JOBS_QUEUE": "sqlite", "PLACENAMES_JOBS_LEASE_SECONDS": "3",
           "PLACENAMES_PUBLIC_BASE_URL": "https://dm.example.gov.cn"}
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the process keeps it
    proc = subprocess.Popen([sys.executable, "-m", "placenames.cli", "worker"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return proc


def second_app(app):  # type: ignore[no-untyped-def]
    """Another web app on the same database and instance folder, on the SQLite queue."""
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
                        "INSTANCE_PATH": app.instance_path, "JOBS_QUEUE": "sqlite",
                        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"]})
    other.config["WTF_CSRF_ENABLED"] = False
    return other
