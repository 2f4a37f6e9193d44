"""Supervision of signs (督促设立地名标志): what each sign still asks of its unit, and when.

Pure: plain values in, plain values out.

Deadline
    After a name is announced, its responsible units have ``days`` (the office's setting,
    ``PLACENAMES_SIGN_DAYS``, 60 by default) to set up its signs: a sign is due on the
    announcement date plus ``days``. A sign the office records later than that (an older road
    brought into the register, a sign added by hand, the successor of a replaced sign, a
    renamed road's signs) is due ``days`` after it was recorded. Days are calendar days on the
    China calendar (:mod:`.deadlines`); a sign is late from the day after its due date.

Duty
    ``install`` for a sign required or ordered; ``replace`` for one damaged or missing, or
    standing with a renamed road's old name; ``remove`` for one standing for a cancelled name;
    ``none`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .signs import Pending, SignState

DEFAULT_SIGN_DAYS = 60
"""Days a responsible unit has to set up a road's signs after the name is announced."""

DUTY_LABELS_ZH = {"install": "待设置", "replace": "待更换", "remove": "待拆除"}


def due_date(announced_on: date | None, recorded_on: date, days: int = DEFAULT_SIGN_DAYS
             ) -> date:
    """The day by which a sign must stand: ``days`` after the announcement, or after the day
    the sign was recorded when that is later (or the name was never announced here)."""
    if days < 1:
        raise ValueError("the deadline must be at least one day")
    if announced_on is not None and announced_on + timedelta(days=days) >= recorded_on:
        return announced_on + timedelta(days=days)
    return recorded_on + timedelta(days=days)


def duty_of(state: SignState | str, pending: Pending | str | None) -> str:
    """What the sign still asks of its unit: ``install``, ``replace``, ``remove`` or
    ``none``."""
    s = SignState(str(state))
    if s in (SignState.REPLACED, SignState.REMOVED):
        return "none"
    if pending == Pending.REMOVE:
        return "remove"
    if s in (SignState.DAMAGED, SignState.MISSING) or pending == Pending.REPLACE:
        return "replace"
    if s in (SignState.REQUIRED, SignState.ORDERED):
        return "install"
    return "none"


def is_late(duty: str, due_on: date | None, today: date) -> bool:
    """True when the sign has a duty and its due date has passed."""
    return duty != "none" and due_on is not None and today > due_on


def days_late(due_on: date | None, today: date) -> int:
    """Whole days past the due date (0 when not late)."""
    return max(0, (today - due_on).days) if due_on is not None else 0


@dataclass(slots=True)
class UnitTally:
    """One responsible unit's signs: how many stand, how many are outstanding and late."""

    unit: str
    total: int = 0
    standing: int = 0
    outstanding: dict[str, int] = field(default_factory=dict)
    late: int = 0
    oldest_due: date | None = None

    @property
    def outstanding_total(self) -> int:
        """Signs with a duty, late or not."""
        return sum(self.outstanding.values())


def tally(rows: Iterable[tuple[str, str, str | None, date | None]], today: date
          ) -> list[UnitTally]:
    """Per unit (rows of unit, state, pending, due date): the counts the dashboard shows,
    units with late signs first (most late first), then by name."""
    units: dict[str, UnitTally] = {}
    for unit, state, pending, due_on in rows:
        t = units.setdefault(unit, UnitTally(unit))
        duty = duty_of(state, pending)
        if SignState(state) not in (SignState.REPLACED, SignState.REMOVED):
            t.total += 1
        if state == SignState.INSTALLED and duty == "none":
            t.standing += 1
        if duty != "none":
            t.outstanding[duty] = t.outstanding.get(duty, 0) + 1
            if is_late(duty, due_on, today):
                t.late += 1
                if due_on is not None and (t.oldest_due is None or due_on < t.oldest_due):
                    t.oldest_due = due_on
    return sorted(units.values(), key=lambda t: (-t.late, t.unit))
