"""Deadlines of the procedure: the public comment period and the 15-day announce/file limits.

Conventions
    Time zone: days are counted on the China calendar. China has kept UTC+8 without daylight
    saving since 1991, so a fixed UTC+8 offset (``CHINA_TZ``) equals Asia/Shanghai for every
    date the service handles and needs no tz database.

    Counting days (民法典 arts. 201, 203, the general rule for periods counted in days): the
    day on which a period starts is not counted; the period ends at 24:00 of its last day; if
    the last day is a public holiday (passed in by the caller as ``holidays``; weekends count
    only if the caller lists them), the period ends with the first day after it.

    So a 10-day notice opened on 2024-06-01 at 10:00 runs to the end of 2024-06-11, and
    ``closes`` is the instant 2024-06-12 00:00 (UTC+8): the period is the half-open interval
    ``[opens, closes)``; the guard lets the office close it once ``now >= closes``. Approval
    on 2024-06-01 makes announcement and filing due on 2024-06-16 (on time through that day).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

#: China Standard Time, UTC+8 (identical to Asia/Shanghai since 1991).
CHINA_TZ = timezone(timedelta(hours=8), "CST")

#: Default length of the public notice (Xi'an practice; configurable).
DEFAULT_COMMENT_DAYS = 10
#: Announcement and filing are each due within this many days of approval (地名管理条例).
APPROVAL_LIMIT_DAYS = 15

DueStatus = Literal["ok", "due_soon", "overdue", "done"]


def china_date(moment: datetime) -> date:
    """The calendar date in China of an aware instant (for "today" from the clock)."""
    _require_aware(moment)
    return moment.astimezone(CHINA_TZ).date()


def last_day(start: date, days: int, holidays: Collection[date] = frozenset()) -> date:
    """The last day of a period of ``days`` days starting on ``start`` (start day not counted).

    A last day that falls on one of ``holidays`` moves to the next day that is not one.
    """
    if days < 1:
        raise ValueError("a period lasts at least one day")
    end = start + timedelta(days=days)
    while end in holidays:
        end += timedelta(days=1)
    return end


def comment_period(
    opens: datetime,
    days: int = DEFAULT_COMMENT_DAYS,
    *,
    holidays: Collection[date] = frozenset(),
) -> tuple[datetime, datetime]:
    """The public comment period opened at ``opens``: ``(opens, closes)``.

    ``closes`` is the first instant after the last day (00:00 UTC+8 of the following day),
    given in ``CHINA_TZ``; ``opens`` is returned unchanged. ``opens`` must be aware.
    """
    _require_aware(opens)
    end = last_day(china_date(opens), days, holidays)
    closes = datetime.combine(end + timedelta(days=1), time(0), tzinfo=CHINA_TZ)
    return opens, closes


def approval_deadlines(
    approval_date: date,
    days: int = APPROVAL_LIMIT_DAYS,
    *,
    holidays: Collection[date] = frozenset(),
) -> tuple[date, date]:
    """The last days for announcement (公告) and filing (备案): ``(announce_due, filing_due)``.

    Both limits run from the approval date by the same rule, so the two dates are equal; they
    are returned apart because the database keeps them apart.
    """
    due = last_day(approval_date, days, holidays)
    return due, due


def due_status(due: date, today: date, soon_days: int = 3, *, done: bool = False) -> DueStatus:
    """How a deadline stands on ``today``.

    Returns ``"done"`` if the step is done (late or not), ``"overdue"`` after the due day,
    ``"due_soon"`` from ``soon_days`` days before the due day through the due day itself,
    otherwise ``"ok"``.
    """
    if done:
        return "done"
    left = (due - today).days
    if left < 0:
        return "overdue"
    return "due_soon" if left <= soon_days else "ok"


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the datetime must be timezone-aware")
