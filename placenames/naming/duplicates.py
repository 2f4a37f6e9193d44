"""Duplicate and homophone screening, pure scoring (no database): ``score``.

The database layer selects the candidates within the legal scope (built-up area, province,
county, nation) and passes them with their stored keys; this module decides what each one means.

Severity policy, from 条例 art. 9 "不应重名，并避免同音" (no duplicates, avoid homophones):

* ``exact`` — same standard name, active candidate: block;
* ``reuse`` — same name and class as a renamed or cancelled name: block (a cancelled name is
  not reused for a feature of the same class);
* ``same_specific`` — same 专名 with another 通名 (长安路 / 长安街): block within the same class
  family (roads with roads), warn across families (长安路 / 长安小区);
* ``homophone`` — same toneless 专名 pinyin, other characters: warn;
* ``near_homophone`` — same fuzzy key (dialect confusions folded): warn;
* ``directional`` — same 专名 once a direction or "new/old/big/small" prefix, or a trailing
  direction, is stripped (新长安路 / 长安路, 景放西小区 / 景放路): warn;
* ``similar`` — rapidfuzz ratio of the toneless 专名 pinyin at or above the threshold: info
  (warn at 95 and above).

Renamed and cancelled candidates produce only ``reuse`` blocks; their other matches are info.
Each candidate yields at most one hit, the strongest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.fuzz import ratio

from placenames.naming.generics import ROAD_CLASSES
from placenames.naming.keys import NameKeys

STATUSES = ("proposed", "in_procedure", "approved", "in_force", "reserved", "renamed", "cancelled")
HISTORICAL = frozenset({"renamed", "cancelled"})
PREFIXES = tuple("东西南北新老大小上下前后中内外")
"""One-character prefixes stripped for the ``directional`` comparison."""
DIRECTIONS = tuple("东西南北中")
"""One-character direction suffixes stripped for the ``directional`` comparison (景放西/景放)."""

_SEVERITY_RANK = {"block": 0, "warn": 1, "info": 2}
_FAMILIES = (ROAD_CLASSES | {"bridge", "tunnel"}, frozenset({"residential", "building"}))


@dataclass(frozen=True)
class Candidate:
    """An existing name within the scope, with its stored keys.

    ``record`` says what holds the name: a ``place`` (``id`` is the place's) or a
    ``division`` (``id`` is the jurisdiction's, ``code`` and ``level`` its own, ``status``
    in place terms: in_force for an active division, cancelled for an abolished one, and
    ``jurisdiction_code`` the code of its parent, where it lies).
    """

    id: str
    name: str
    cls: str | None
    status: str
    jurisdiction_code: str | None
    distance_m: float | None
    keys: NameKeys
    record: str = "place"
    code: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class Hit:
    """A candidate that conflicts with the proposal, and why (``record``, ``code`` and
    ``level`` as in :class:`Candidate`)."""

    id: str
    name: str
    cls: str | None
    status: str
    jurisdiction_code: str | None
    distance_m: float | None
    kind: str
    score: float
    severity: str
    reason_zh: str
    reason_en: str
    record: str = "place"
    code: str | None = None
    level: str | None = None


def _family(cls: str | None) -> frozenset[str] | None:
    for fam in _FAMILIES:
        if cls in fam:
            return fam
    return None


def _same_family(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    return a == b or (_family(a) is not None and _family(a) == _family(b))


def stem(name: str) -> str | None:
    """The name without its last character, when two or more remain (庆大街 → 庆大): where
    the 专名/通名 split is ambiguous (庆+大街 or 庆大+街), the stem of one name may be the
    专名 of the other."""
    return name[:-1] if len(name) >= 3 else None


def _stem_match(name: str, keys: NameKeys, cand: Candidate) -> bool:
    mine, theirs = stem(name), stem(cand.name)
    return (mine is not None and mine == cand.keys.specific) or \
        (theirs is not None and theirs == keys.specific)


def core_specific(specific: str) -> str:
    """The 专名 without one leading direction/new/old prefix or one trailing direction, when
    at least two characters remain (新长安 → 长安, 景放西 → 景放, 东风 stays)."""
    if len(specific) >= 3 and specific[0] in PREFIXES:
        return specific[1:]
    if len(specific) >= 3 and specific[-1] in DIRECTIONS:
        return specific[:-1]
    return specific


def _judge(
    name: str, cls: str | None, keys: NameKeys, cand: Candidate, threshold: float
) -> tuple[str, float, str, str, str] | None:
    """Return (kind, score, severity, reason_zh, reason_en) for the strongest match, or None."""
    ck = cand.keys
    label = f"“{cand.name}”"
    historical = cand.status in HISTORICAL
    if name == cand.name:
        if historical and (cls is None or cand.cls is None or cls == cand.cls):
            return ("reuse", 100.0, "block",
                    f"与已{_zh_status(cand.status)}地名{label}"
                    "同名同类，"
                    "注销或更名的地名不得重新用于同类地物",
                    f"Same name and class as {cand.name!r}, which was {cand.status}: "
                    "a retired name is not reused for a feature of the same class")  # fmt: skip
        sev = "info" if historical else "block"
        return ("exact", 100.0, sev, f"与已登记地名{label}重名",
                f"Same name as the registered {cand.name!r}")  # fmt: skip
    if keys.specific and (keys.specific == ck.specific or _stem_match(name, keys, cand)):
        sev = "block" if _same_family(cls, cand.cls) else "warn"
        return ("same_specific", 95.0, "info" if historical else sev,
                f"与已登记地名{label}专名相同（{keys.specific}）",
                f"Same specific part as {cand.name!r} ({keys.specific})")  # fmt: skip
    if keys.specific_pinyin and keys.specific_pinyin == ck.specific_pinyin:
        return ("homophone", 90.0, "info" if historical else "warn",
                f"与已登记地名{label}专名同音（{keys.specific_pinyin}）",
                f"Sounds the same as {cand.name!r} ({keys.specific_pinyin})")  # fmt: skip
    if keys.fuzzy and keys.fuzzy == ck.fuzzy:
        return ("near_homophone", 80.0, "info" if historical else "warn",
                f"与已登记地名{label}读音相近（{keys.specific_pinyin} / {ck.specific_pinyin}）",
                f"Sounds close to {cand.name!r} "
                f"({keys.specific_pinyin} / {ck.specific_pinyin})")  # fmt: skip
    a, b = core_specific(keys.specific), core_specific(ck.specific)
    if a and (a != keys.specific or b != ck.specific) and \
            (a == b or a == ck.specific or b == keys.specific):
        return ("directional", 75.0, "info" if historical else "warn",
                f"与已登记地名{label}仅方位或新旧等前缀不同（{a}）",
                f"Differs from {cand.name!r} only by a direction or new/old prefix "
                f"({a})")  # fmt: skip
    # the 专名 carries the name: a shared long 通名 (小区, 大厦) would make unrelated names
    # look alike if whole names were compared
    sim = ratio(keys.specific_pinyin or keys.pinyin, ck.specific_pinyin or ck.pinyin)
    if sim >= threshold:
        sev = "warn" if sim >= 95 and not historical else "info"
        return ("similar", round(sim, 1), sev,
                f"与已登记地名{label}拼音相似（相似度 {sim:.0f}）",
                f"Pinyin similar to {cand.name!r} (similarity {sim:.0f})")  # fmt: skip
    return None


def _zh_status(status: str) -> str:
    return {"renamed": "更名", "cancelled": "注销"}.get(status, "登记")


def score(
    proposed_name: str,
    proposed_cls: str | None,
    proposed_keys: NameKeys,
    candidates: Iterable[Candidate],
    *,
    similarity_threshold: float = 85,
    proposed_id: str | None = None,
) -> list[Hit]:
    """Screen a proposed name against candidates; return hits sorted by severity then score.

    Args:
        proposed_name: the cleaned proposed name.
        proposed_cls: its feature class.
        proposed_keys: ``keys.name_keys`` of the proposal.
        candidates: existing names within the legal scope, with stored keys.
        similarity_threshold: minimum rapidfuzz ratio (0-100) for a ``similar`` hit.
        proposed_id: id of the proposal itself, when it is already stored; skipped if met.
    """
    hits: list[Hit] = []
    for cand in candidates:
        if proposed_id is not None and cand.id == proposed_id:
            continue
        judged = _judge(proposed_name, proposed_cls, proposed_keys, cand, similarity_threshold)
        if judged is None:
            continue
        kind, value, severity, zh, en = judged
        hits.append(Hit(cand.id, cand.name, cand.cls, cand.status, cand.jurisdiction_code,
                        cand.distance_m, kind, value, severity, zh, en,
                        record=cand.record, code=cand.code, level=cand.level))  # fmt: skip
    hits.sort(key=lambda h: (_SEVERITY_RANK[h.severity], -h.score, h.name, h.id))
    return hits
