"""What the naming procedure publishes: names under public notice (公示, comments open) and
announced names (公告).

The public pages (:mod:`placenames.web.notices`) and the exchange API
(``/api/v1/announcements``) read the same selections here, so both show the same set. What is
published never carries personal data: commenters' names and phones stay with the comments.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from ...models.workflow import Application
from ...workflow import State

NOTICE_STATES = (State.IN_COMMENT,)
"""States in which a name is under public notice (公示)."""

TYPES = ("announcement", "notice")


def under_notice() -> ColumnElement[bool]:
    """Applications whose public notice runs now."""
    return Application.state.in_([str(s) for s in NOTICE_STATES])


def announced() -> ColumnElement[bool]:
    """Applications whose announcement (公告) has been published."""
    return Application.announced_on.is_not(None)


def published_type(app: Application) -> str:
    """``announcement`` once announced, else ``notice``."""
    return "announcement" if app.announced_on is not None else "notice"


def notices_select() -> Select[tuple[Application]]:
    """Names under notice now, the period ending soonest first."""
    return select(Application).where(under_notice()).order_by(Application.comment_closes)


def announcements_select(limit: int = 200) -> Select[tuple[Application]]:
    """Announced names, newest first."""
    return (select(Application).where(announced())
            .order_by(Application.announced_on.desc()).limit(limit))


def published_select(kind: str | None = None) -> Select[tuple[Application]]:
    """Notices and announcements (or one ``kind`` of them), ordered by id, with their
    candidates loaded."""
    where: Any = {"announcement": announced(), "notice": under_notice() & ~announced(),
                  None: or_(announced(), under_notice())}[kind]
    return (select(Application).where(where).options(selectinload(Application.candidates))
            .order_by(Application.id))


def published_one(session: Session, app_id: uuid.UUID) -> Application | None:
    """The notice or announcement ``app_id``, or None if it is not published."""
    return session.scalar(published_select().where(Application.id == app_id))
