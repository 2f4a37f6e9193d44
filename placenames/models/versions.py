"""Register counters: a version number that changes with every committed change to the map
(names, addresses, plates, jurisdictions, naming plans and their reserved names).

The map's tiles are named by this version (their ``ETag``), so a browser or proxy never keeps a
tile drawn before a change. One session hook notes that a flush or a bulk statement touched a
mapped record; just before the transaction commits, the counter is bumped in that same
transaction. Taking the counter's row lock last, at commit, keeps writers from deadlocking on it.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import spatial
from .addresses import Address
from .base import Base
from .jurisdictions import Jurisdiction
from .places import Place
from .plans import NamingPlan, ReservedName
from .plates import Plate

MAP_KEY = "map"
# a plan's approval or retirement changes what the public sees of its names (the planned layer)
MAP_TYPES = (Place, Address, Plate, Jurisdiction, NamingPlan, ReservedName)
MAP_TABLES = frozenset(t.__tablename__ for t in MAP_TYPES)
_FLAG = "placenames.map_changed"


class RegisterCounter(Base):
    """A named counter (``map``: the version of everything drawn on the map)."""

    __tablename__ = "register_counters"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def mark_map_changed(session: Session) -> None:
    """Note that this transaction changed mapped records by a path the hooks do not see."""
    session.info[_FLAG] = True


def map_version(session: Session) -> int:
    """The committed map version (0 for a register never written)."""
    value = session.scalar(select(RegisterCounter.value).where(RegisterCounter.key == MAP_KEY))
    return int(value or 0)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _ctx: Any) -> None:
    if any(isinstance(o, MAP_TYPES) for o in chain(session.new, session.dirty, session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: Any) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in MAP_TABLES:
        state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    session.flush()  # the last flush may be the one that changes the map
    if session.info.pop(_FLAG, False):
        spatial.bump_counter(session.connection(), RegisterCounter.__table__, MAP_KEY)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_FLAG, None)
