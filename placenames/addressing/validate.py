"""Checks on the existing house numbers of one road.

:func:`validate_road` locates the entrances (see ``numbering``) and reports:

- ``wrong_side`` (error): the number's parity is not the parity of its side under the policy;
- ``duplicate`` (error): the same number (with sub-number) on more than one entrance;
- ``out_of_order`` (error): on one side, the number breaks the increasing order along the
  road; the entrances outside a longest increasing run are the ones reported;
- ``unusual_gap`` (warning): more numbers missing between two neighbours than expected —
  none in sequential mode, about one per ``interval_m`` in distance mode — plus ``max_gap``;
- ``skipped_number`` (warning): a number the policy says never to issue (e.g. 4, 13);
- ``unnumbered`` (info): an entrance without a number.

Each finding carries a code, a severity, the entrance ids and a message in Chinese and English.
"""

from __future__ import annotations

import bisect
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .geometry import LonLat
from .numbering import Entrance, HouseNumber, Location, NumberingPolicy, Side, locate


class Severity(enum.StrEnum):
    """How bad a finding is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FindingCode(enum.StrEnum):
    """What a finding is about."""

    WRONG_SIDE = "wrong_side"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    UNUSUAL_GAP = "unusual_gap"
    SKIPPED_NUMBER = "skipped_number"
    UNNUMBERED = "unnumbered"


@dataclass(frozen=True)
class Finding:
    """One problem found on a road."""

    code: FindingCode
    severity: Severity
    entrance_ids: tuple[str, ...]
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class _Row:
    entrance: Entrance
    number: HouseNumber
    location: Location


_SIDE_ZH = {"left": "左侧", "right": "右侧"}
_PARITY_ZH = {"odd": "单号", "even": "双号"}


def validate_road(
    centreline: Sequence[LonLat],
    entrances: Sequence[Entrance],
    policy: NumberingPolicy,
    *,
    max_gap: int = 5,
) -> list[Finding]:
    """Check the existing numbers of ``entrances`` on a road; return the findings.

    Input: the centreline (lon, lat vertices), the entrances with their existing numbers (see
    :class:`~placenames.addressing.numbering.Entrance`), the policy. ``max_gap`` is how many
    missing numbers beyond the expected ones are tolerated between neighbours.
    Output: findings ordered by kind (unnumbered, skipped, duplicates, wrong side, order, gaps).
    """
    locations = locate(centreline, [e.point for e in entrances], policy)
    rows = [
        _Row(e, e.number, loc)
        for e, loc in zip(entrances, locations, strict=True)
        if e.number is not None
    ]
    findings = [_unnumbered(e) for e in entrances if e.number is None]
    findings += [_skipped(r) for r in rows if not policy.allowed(r.number.number)]
    findings += _duplicates(rows)
    wrong = [r for r in rows if r.number.parity != policy.parity_of(r.location.side)]
    findings += [_wrong_side(r, policy) for r in wrong]
    wrong_ids = {r.entrance.id for r in wrong}
    for side in ("left", "right"):
        row = _side_rows([r for r in rows if r.entrance.id not in wrong_ids], side)
        findings += _out_of_order(row)
        findings += _gaps(row, policy, max_gap)
    return findings


def _side_rows(rows: list[_Row], side: Side) -> list[_Row]:
    on_side = [r for r in rows if r.location.side == side]
    return sorted(on_side, key=lambda r: (r.location.distance_along_m, r.entrance.id))


def _unnumbered(entrance: Entrance) -> Finding:
    return Finding(
        FindingCode.UNNUMBERED,
        Severity.INFO,
        (entrance.id,),
        f"出入口 {entrance.id} 尚无门牌号",
        f"entrance {entrance.id} has no number",
    )


def _skipped(row: _Row) -> Finding:
    n = row.number
    return Finding(
        FindingCode.SKIPPED_NUMBER,
        Severity.WARNING,
        (row.entrance.id,),
        f"{n}号按本路规则不应使用",
        f"number {n} is one the policy skips",
    )


def _duplicates(rows: list[_Row]) -> list[Finding]:
    by_number: dict[HouseNumber, list[str]] = defaultdict(list)
    for r in rows:
        by_number[r.number].append(r.entrance.id)
    return [
        Finding(
            FindingCode.DUPLICATE,
            Severity.ERROR,
            tuple(ids),
            f"{n}号重复({len(ids)}处)",
            f"number {n} is used {len(ids)} times",
        )
        for n, ids in sorted(by_number.items())
        if len(ids) > 1
    ]


def _wrong_side(row: _Row, policy: NumberingPolicy) -> Finding:
    side = row.location.side
    expected = policy.parity_of(side)
    return Finding(
        FindingCode.WRONG_SIDE,
        Severity.ERROR,
        (row.entrance.id,),
        f"{row.number}号位于道路{_SIDE_ZH[side]},该侧应为{_PARITY_ZH[expected]}",
        f"number {row.number} is on the {side} side, which takes {expected} numbers",
    )


def _out_of_order(row: list[_Row]) -> list[Finding]:
    keep = _longest_increasing(row)
    return [
        Finding(
            FindingCode.OUT_OF_ORDER,
            Severity.ERROR,
            (r.entrance.id,),
            f"{r.number}号与沿路顺序不符(距起点{r.location.distance_along_m:.0f}米)",
            f"number {r.number} is out of order along the road "
            f"(at {r.location.distance_along_m:.0f} m)",
        )
        for i, r in enumerate(row)
        if i not in keep
    ]


def _longest_increasing(row: list[_Row]) -> set[int]:
    """Indices of one longest non-decreasing subsequence of the numbers (patience sort)."""
    tails: list[HouseNumber] = []
    tail_index: list[int] = []
    parent: list[int] = [-1] * len(row)
    for i, r in enumerate(row):
        k = bisect.bisect_right(tails, r.number)  # equal numbers: duplicates, not order
        parent[i] = tail_index[k - 1] if k else -1
        if k == len(tails):
            tails.append(r.number)
            tail_index.append(i)
        else:
            tails[k], tail_index[k] = r.number, i
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(i)
        i = parent[i]
    return keep


def _gaps(row: list[_Row], policy: NumberingPolicy, max_gap: int) -> list[Finding]:
    findings = []
    for a, b in zip(row, row[1:], strict=False):
        if b.number.number <= a.number.number:
            continue
        between = range(a.number.number + 2, b.number.number, 2)
        missing = sum(1 for n in between if policy.allowed(n))
        expected = _expected_missing(a.location, b.location, policy)
        if missing - expected > max_gap:
            findings.append(_gap_finding(a, b, missing))
    return findings


def _expected_missing(a: Location, b: Location, policy: NumberingPolicy) -> int:
    if policy.mode == "sequential":
        return 0
    step = policy.interval_m
    slots = int(b.distance_along_m // step) - int(a.distance_along_m // step)
    return max(0, slots - 1)


def _gap_finding(a: _Row, b: _Row, missing: int) -> Finding:
    return Finding(
        FindingCode.UNUSUAL_GAP,
        Severity.WARNING,
        (a.entrance.id, b.entrance.id),
        f"{a.number}号与{b.number}号之间空缺{missing}个号",
        f"{missing} numbers missing between {a.number} and {b.number}",
    )
