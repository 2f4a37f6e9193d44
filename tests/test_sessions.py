"""Request sessions: GET requests read through a session that never writes."""

import pytest
from sqlalchemy import bindparam, func, select, text

from placenames import db
from placenames.models import Jurisdiction


def _jurisdiction() -> Jurisdiction:
    return Jurisdiction(code="610100000000", name="西安市", level="city")


def test_a_get_request_that_tries_to_write_is_refused_and_nothing_is_stored(app, session):
    with app.test_request_context("/", method="GET"):
        s = db.session()
        s.add(_jurisdiction())
        with pytest.raises(RuntimeError, match="read-only"):
            s.flush()
    assert session.scalar(select(func.count()).select_from(Jurisdiction)) == 0


def test_a_post_request_writes(app, session):
    with app.test_request_context("/", method="POST"):
        s = db.session()
        s.add(_jurisdiction())
        s.commit()
    assert session.scalar(select(func.count()).select_from(Jurisdiction)) == 1


def test_a_reader_holds_no_open_transaction_between_statements_on_postgis(app, db_url):
    """On PostgreSQL a GET reads in autocommit: no BEGIN, no idle-in-transaction backend."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL behaviour; SQLite readers hold one deferred snapshot")
    with app.test_request_context("/", method="GET"):
        s = db.session()
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        s.scalar(select(func.count()).select_from(Jurisdiction))
        with db.engine().connect() as other:
            state = other.scalar(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                                 {"pid": pid})
    assert state == "idle"


def test_a_fixed_select_drops_a_connection_the_server_closed(app, db_url):
    """After the server ends a pooled connection (a restart), the next request reads again."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL behaviour: a server that drops connections")
    from sqlalchemy.exc import OperationalError

    query = db.FixedSelect(select(Jurisdiction.code).where(Jurisdiction.code == bindparam("c")))
    with app.test_request_context("/", method="GET"):
        s = db.session()
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        with db.engine().connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError):  # SQLAlchemy's, as the 503 handler expects
            query.first(s.connection(), {"c": "x"})
    with app.test_request_context("/", method="GET"):
        assert query.first(db.session().connection(), {"c": "x"}) is None
