"""Engine and session per application, SpatiaLite loading, commit at the boundary.

``init_app`` builds the engine from the app's settings; request handlers and CLI commands
take the session from :func:`session`, call operations (which only flush) and commit once.
The session is rolled back and closed when the app context ends.
"""

from __future__ import annotations

import logging
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from flask import session as cookie_session
from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from . import spatial
from .replicas import replica_set

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")
log = logging.getLogger(__name__)


def make_engine(url: str, settings: dict[str, Any] | None = None) -> Engine:
    """Create an engine for ``url``; SQLite URLs get SpatiaLite and the safe pragmas."""
    settings = settings or {}
    if spatial.is_sqlite_url(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, module=spatial.sqlite_module())
        spatial.configure_sqlite(
            engine,
            settings.get("SPATIALITE_LIBRARY", "mod_spatialite"),
            settings.get("SQLITE_BUSY_TIMEOUT_MS", 30000),
        )
        return engine
    # no pre-ping: it costs a round trip per request; recycle idle connections instead
    return create_engine(url, pool_pre_ping=bool(settings.get("DB_POOL_PRE_PING")),
                         pool_recycle=1800)


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory to ``app``."""
    engine = make_engine(app.config["DATABASE_URL"], app.config)
    sessions = session_factory(engine, app.config, app.extensions.get("placenames.pii_keys"))
    info = sessions.kw["info"]
    app.extensions["placenames.engine"] = engine
    app.extensions["placenames.sessionmaker"] = sessions
    reader = sessionmaker(spatial.read_only(engine), expire_on_commit=False, info=info)
    event.listen(reader, "before_flush", _refuse_writes)
    app.extensions["placenames.reader"] = reader
    replicas = replica_set(app.config, app.config["DATABASE_URL"])
    for replica in replicas.replicas if replicas is not None else []:
        event.listen(replica.readers, "before_flush", _refuse_writes)
    app.extensions["placenames.replicas"] = replicas
    app.extensions["placenames.session_info"] = info
    app.teardown_appcontext(_close_session)


def session_factory(engine: Engine, settings: Any, pii_keys: Any) -> sessionmaker[Session]:
    """Sessions on ``engine`` that carry what operations need of the office's configuration
    (its word lists, the personal-data keyring) in ``session.info``, not via Flask."""
    info = {"lexicons": office_lexicons(settings.get("LEXICON_DIR")), "pii_keys": pii_keys}
    return sessionmaker(engine, expire_on_commit=False, info=info)


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    """Reader sessions (GET requests) never write: on PostgreSQL they run in autocommit, so a
    write there would not be undone by the rollback at the end of the request."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only (GET) request tried to write to the database")


class FixedSelect:
    """A fixed SELECT run straight on the DB-API cursor, compiled once per dialect.

    For the hottest public read only (the scan page's key lookup): there SQLAlchemy's work per
    execution (cache key, result set up, row processing) was a seventh of the request on
    PostgreSQL. The connection, transaction and pool are still SQLAlchemy's. Only for
    statements whose parameters and columns need no type conversion (strings, integers).
    """

    def __init__(self, stmt: Select[Any]) -> None:
        self._stmt = stmt
        self.Row = namedtuple("Row", [c.key for c in stmt.selected_columns])  # type: ignore[misc]
        self._compiled: dict[str, tuple[str, list[str] | None]] = {}

    def first(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The first row (a named tuple) or None."""
        sql, order = self._compiled.get(conn.dialect.name) or self._compile(conn)
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, [params[k] for k in order] if order is not None else params)
            row = cursor.fetchone()
        except conn.dialect.loaded_dbapi.Error as exc:
            lost = conn.dialect.is_disconnect(exc, raw, cursor)
            if lost:  # as SQLAlchemy would: drop the connection
                conn.invalidate(exc)
            # and raise what SQLAlchemy would (OperationalError…: the error handler's 503)
            raise DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost,
                                      dialect=conn.dialect) from exc
        finally:
            cursor.close()
        return None if row is None else self.Row(*row)

    def _compile(self, conn: Connection) -> tuple[str, list[str] | None]:
        compiled = self._stmt.compile(dialect=conn.dialect)
        order = list(compiled.positiontup) if compiled.positiontup is not None else None
        entry = self._compiled[conn.dialect.name] = (str(compiled), order)
        return entry


def office_lexicons(directory: str | None) -> Any:
    """The naming-rule word lists: the packaged defaults overlaid with the office's folder.

    The same folder extends the names engine's lexicon (readings, generics, protected words,
    romanization exceptions: ``placenames.naming.lexicon``), which is installed here for the
    whole process: every romanization and key computed afterwards uses it.
    """
    from .errors import BadInput
    from .naming import lexicon
    from .naming.errors import NameInputError
    from .naming.rules import load_lexicons

    if directory and not Path(directory).is_dir():
        raise BadInput(f"PLACENAMES_LEXICON_DIR is not a folder: {directory}")
    folder = Path(directory) if directory else None
    try:
        lexicon.install(folder)
        return load_lexicons(folder)
    except NameInputError as exc:
        raise BadInput(f"PLACENAMES_LEXICON_DIR: {exc.message_en} / {exc.message_zh}") from exc


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["placenames.engine"]  # type: ignore[no-any-return]


def session() -> Session:
    """The session of the current app context, created on first use.

    Requests with a safe method (GET, HEAD, OPTIONS) get a reader session, which on SQLite
    never takes the write lock; every other request and every CLI command gets a writer whose
    transactions take the lock at their start.
    """
    if "db_session" not in g:
        reading = has_request_context() and request.method in SAFE_METHODS
        replicas = current_app.extensions.get("placenames.replicas")
        if reading and replicas is not None and not cookie_session.get("_user_id"):
            # a public read: a replica's, when one may serve (staff read the primary)
            found = replicas.reader(current_app.extensions["placenames.session_info"])
            if found is not None:
                g.db_session, g.db_replica = found
                return g.db_session  # type: ignore[no-any-return]
        factory = "placenames.reader" if reading else "placenames.sessionmaker"
        g.db_session = current_app.extensions[factory]()
    return g.db_session  # type: ignore[no-any-return]


def write_apart(work: Callable[[Session], None]) -> None:
    """Run ``work`` in a short writer transaction of its own and commit it.

    For the few writes a read-only request must still make (a session's last-seen time, an
    audit event for a file taken away): a GET reads through a session that never writes.
    """
    writer = current_app.extensions["placenames.sessionmaker"]()
    try:
        work(writer)
        writer.commit()
    finally:
        writer.close()


def read_apart(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a reader session of its own and return what it returns.

    For long reads in a request that also writes (standardizing a thousand addresses before
    one audit event): the reader never holds SQLite's write lock, so other writers do not
    wait for the reads.
    """
    reader = current_app.extensions["placenames.reader"]()
    try:
        return work(reader)
    finally:
        reader.rollback()
        reader.close()


def _close_session(exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is None:
        return
    try:
        if exc is not None:
            s.rollback()
        s.close()  # rolls back whatever the request left open
    except DBAPIError as lost:
        # the database went away after the answer was made (PostgreSQL restarted): nothing
        # uncommitted survives a lost connection, so drop it instead of turning the answer
        # (a 201, or the 503 already chosen) into a 500
        log.warning("database connection lost while closing the session: %s",
                    str(lost.orig or lost).strip().splitlines()[0])
        s.invalidate()
