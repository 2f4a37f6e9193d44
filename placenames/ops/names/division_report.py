"""Collisions among division names, reported when a division list is imported.

Real lists hold names that the screen would stop if they were proposed today: 18 townships
named 城关街道 in Shaanxi, 鼓楼区 in four provinces, 陕西省 and 山西省. An import does not stop
for them — the divisions exist by law — but the office should know them: after the rows are
written, every imported (new or renamed) division is compared, in its legal scope (条例 art.
9: townships within the province, villages and communities within the county, county level
and above nationwide), with every stored division of the levels its class is screened
against (``screen.DIVISION_LEVELS``), the file's own rows included.

Reported are exact duplicates (the same name) and homophones (the same toneless 专名 pinyin:
the same 专名 with another 通名, such as 太华镇 / 太华街道, or other characters, such as 陕西 /
山西), grouped: one entry for each name held by several divisions and one for each sound held
by several names. Kind and severity are the pure scorer's (``naming.duplicates.score``); the
screen of a new proposal also warns at near-homophones, directional variants and similar
spellings, which the report leaves out to stay readable on a national list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Jurisdiction
from ...naming import duplicates
from ...naming.generics import division_class
from .screen import DIVISION_LEVELS, division_candidate, divisions_select

SCOPE_PREFIX = {"township": 2, "village": 6}
"""Code prefix that makes a division's legal scope (none: nationwide)."""
_SEVERITY_RANK = {"block": 0, "warn": 1, "info": 2}


@dataclass(frozen=True)
class Collision:
    """Divisions whose names collide in one legal scope.

    ``kind`` is ``exact`` (one name, several divisions), ``same_specific`` (one 专名 under
    several 通名) or ``homophone`` (one sound, other characters); ``severity`` is what the
    screen would say of a new proposal (block or warn); ``members`` are (code, name) pairs.
    """

    kind: str
    severity: str
    scope_zh: str
    scope_en: str
    members: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """The names of the group, ``城关街道 ×18`` or ``陕西省 / 山西省``."""
        names = list(dict.fromkeys(n for _c, n in self.members))
        return f"{names[0]} ×{len(self.members)}" if len(names) == 1 else " / ".join(names)


@dataclass
class CollisionReport:
    """What an import's names collide with; information only."""

    collisions: list[Collision] = field(default_factory=list)
    unkeyed: list[tuple[str, str]] = field(default_factory=list)
    """Imported (code, name) without keys: statistical groupings (市辖区) and names the engine
    cannot read (zone names with brackets); they are not screened."""

    def count(self, kind: str) -> int:
        """How many groups of ``kind`` (exact; homophone counts same_specific too)."""
        kinds = {"exact", "reuse"} if kind == "exact" else {"same_specific", "homophone"}
        return sum(c.kind in kinds for c in self.collisions)

    @property
    def divisions(self) -> int:
        """How many divisions are in at least one collision."""
        return len({code for c in self.collisions for code, _n in c.members})


def _scope_key(level_class: str, code: str) -> str:
    n = SCOPE_PREFIX.get(level_class)
    return code[:n] if n else ""


def import_collisions(session: Session, imported: Collection[str], level: str) -> CollisionReport:
    """The collisions of the divisions with codes ``imported`` (all of ``level``) with the
    stored divisions of the levels their class is screened against, in their legal scope."""
    report = CollisionReport()
    if not imported:
        return report
    cls = division_class(level, "")
    wanted = set(imported)
    scopes = {_scope_key(cls, c) for c in wanted}
    buckets: dict[tuple[str, str], list[Any]] = defaultdict(list)
    stmt = divisions_select().where(Jurisdiction.level.in_(DIVISION_LEVELS[cls]))
    for row in session.connection().execute(stmt).mappings():  # Core: no ORM rows to build
        if row["key_specific_pinyin"] is None:
            if row["code"] in wanted:
                report.unkeyed.append((row["code"], row["name"]))
            continue
        scope = _scope_key(cls, row["code"])
        if scope in scopes:
            buckets[(scope, row["key_specific_pinyin"])].append(row)
    names = _scope_names(session, scopes)
    colliding = [(key, rows) for key, rows in buckets.items()
                 if len(rows) > 1 and any(r["code"] in wanted for r in rows)]
    for (scope, _sound), rows in sorted(colliding, key=lambda item: item[0]):
        members = [division_candidate(r) for r in rows]
        report.collisions += _group(members, wanted, names.get(scope, scope))
    report.unkeyed.sort()
    return report


def _group(members: list[duplicates.Candidate], wanted: set[str], where: str
           ) -> list[Collision]:
    """The collisions of one bucket (one sound in one scope): one per name held by several
    divisions (touching an imported one), and one for the sound when several names share it."""
    by_name: dict[str, list[duplicates.Candidate]] = defaultdict(list)
    for m in sorted(members, key=lambda m: m.code or ""):
        by_name[m.name].append(m)
    scope_zh = f"{where}内" if where else "全国"
    scope_en = f"within {where}" if where else "nationwide"
    out = []
    for same in by_name.values():
        if len(same) > 1 and any(m.code in wanted for m in same):
            judged = _strongest(same)
            if judged is not None:
                out.append(Collision(*judged, scope_zh, scope_en, _pairs(same)))
    if len(by_name) > 1:
        firsts = [group[0] for group in by_name.values()]
        judged = _strongest(firsts)
        if judged is not None:
            out.append(Collision(*judged, scope_zh, scope_en, _pairs(
                m for group in by_name.values() for m in group)))
    return out


def _strongest(members: list[duplicates.Candidate]) -> tuple[str, str] | None:
    """(kind, severity) of the strongest block or warn hit between ``members``, scored as if
    the first were proposed against the others."""
    first, others = members[0], members[1:]
    hits = [h for h in duplicates.score(first.name, first.cls, first.keys, others)
            if h.severity in ("block", "warn")]
    if not hits:
        return None
    hits.sort(key=lambda h: (_SEVERITY_RANK[h.severity], -h.score))
    return hits[0].kind, hits[0].severity


def _pairs(members: Iterable[duplicates.Candidate]) -> tuple[tuple[str, str], ...]:
    return tuple((m.code or "", m.name) for m in members)


def _scope_names(session: Session, scopes: set[str]) -> dict[str, str]:
    """Names of the scopes' divisions (陕西省 for 61), the code where none is stored."""
    codes = scopes - {""}
    if not codes:
        return {}
    found: dict[str, Any] = dict(session.execute(
        select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))).all())
    return {c: found.get(c, c) for c in codes}
