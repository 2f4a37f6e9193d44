"""Read replicas: public reads go to PostgreSQL streaming replicas, everything else to the
primary.

``DATABASE_REPLICA_URLS`` (comma-separated) names the replicas. A GET, HEAD or OPTIONS request
from someone not signed in (the scan page, record pages, tiles, search, open data, the public
API) reads from a replica; staff, who are signed in, always read the primary, so they see their
own writes at once, and so does every write and every command.

A replica is used while it answers and its replay lag stays under
``DATABASE_REPLICA_MAX_LAG_SECONDS`` (10 s by default). Each process checks a replica at most
every :data:`CHECK_SECONDS` (its lag, from the standby's own clock: nothing waiting to be
replayed is no lag); a replica that is down or lagging is skipped, and when none is usable the
primary answers. A connection is taken from the replica when the request starts (with a
liveness check), so a replica stopped between two checks costs one failed connect, not the
request. ``/readyz`` reports each replica's state and lag.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from . import spatial
from .errors import BadInput

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0
DEFAULT_MAX_LAG = 10.0

LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0.0"
    " WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0.0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0.0)"
    " END::float8")
"""A standby's replay lag in seconds (0 when everything received is replayed)."""


@dataclass
class Replica:
    """One replica: its engine, the reader sessions on it, and what its last check found."""

    name: str
    engine: Engine
    readers: sessionmaker[Session]
    lag: float | None = None
    error: str | None = None
    checked: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, max_lag: float, *, force: bool = False) -> bool:
        """Whether the replica may serve now (checked again after :data:`CHECK_SECONDS`)."""
        now = time.monotonic()
        if force or now - self.checked >= CHECK_SECONDS:
            with self.lock:
                if force or now - self.checked >= CHECK_SECONDS:
                    self._measure()
                    self.checked = time.monotonic()
        return self.error is None and self.lag is not None and self.lag <= max_lag

    def _measure(self) -> None:
        try:
            with self.engine.connect() as conn:
                self.lag, self.error = float(conn.execute(LAG_SQL).scalar() or 0.0), None
        except Exception as exc:  # noqa: BLE001 - any failure makes the replica unusable
            self.lag, self.error = None, f"{type(exc).__name__}: {str(exc).strip()[:160]}"

    def state(self, max_lag: float) -> dict[str, Any]:
        """What /readyz says of it."""
        usable = self.check(max_lag, force=True)
        return {"name": self.name, "ok": usable, "lag_seconds": self.lag, "error": self.error,
                "max_lag_seconds": max_lag}


class ReplicaSet:
    """The app's replicas, taken in turn."""

    def __init__(self, replicas: list[Replica], max_lag: float) -> None:
        self.replicas, self.max_lag = replicas, max_lag
        self._turn = itertools.cycle(range(len(replicas)))

    def reader(self, info: dict[str, Any]) -> tuple[Session, str] | None:
        """A reader session on a usable replica, its connection already taken (closing the
        session gives it back), and the replica's name; None when no replica may serve."""
        for _ in range(len(self.replicas)):
            replica = self.replicas[next(self._turn)]
            if not replica.check(self.max_lag):
                continue
            session = replica.readers(info=info)
            try:
                session.connection()  # taken now, with the pool's liveness check
            except Exception as exc:  # noqa: BLE001 - stopped since its last check
                session.close()
                replica.error, replica.checked = f"{type(exc).__name__}", time.monotonic()
                log.warning("replica %s unusable: %s", replica.name, exc)
                continue
            return session, replica.name
        return None

    def states(self) -> list[dict[str, Any]]:
        """Each replica's state and lag, checked now."""
        return [r.state(self.max_lag) for r in self.replicas]

    def dispose(self) -> None:
        """Close every replica's connections."""
        for r in self.replicas:
            r.engine.dispose()


def replica_set(config: Any, primary_url: str) -> ReplicaSet | None:
    """The replicas of ``DATABASE_REPLICA_URLS`` (None when unset); BadInput when the primary
    is not PostgreSQL or a URL is not one."""
    raw = str(config.get("DATABASE_REPLICA_URLS") or "").strip()
    if not raw:
        return None
    if spatial.is_sqlite_url(primary_url):
        raise BadInput("DATABASE_REPLICA_URLS needs a PostgreSQL primary (DATABASE_URL)")
    replicas = []
    for i, url in enumerate(u.strip() for u in raw.split(",") if u.strip()):
        if not url.startswith("postgresql"):
            raise BadInput(f"DATABASE_REPLICA_URLS: not a PostgreSQL URL: {url[:60]!r}")
        engine = create_engine(url, pool_pre_ping=True, pool_recycle=1800,
                               connect_args={"connect_timeout": 2},
                               isolation_level="AUTOCOMMIT")
        host = make_url(url)
        name = f"replica{i + 1} ({host.host or 'socket'}:{host.port or 5432})"
        replicas.append(Replica(name, engine, sessionmaker(engine, expire_on_commit=False)))
    max_lag = float(config.get("DATABASE_REPLICA_MAX_LAG_SECONDS") or DEFAULT_MAX_LAG)
    return ReplicaSet(replicas, max_lag)
