"""The expert panel (专家论证): a reproducible random draw from the pool, and its result.

Draw
    The pool is put in a canonical order (sorted by expert id) and drawn with
    ``random.Random(seed)``, so the stored seed and the same pool give the same panel again and
    anyone can check the draw. Experts of the applicant's organizations
    (``exclude_affiliations``, compared after Unicode NFKC, trimming, collapsing spaces and
    case-folding) and any ``exclude_ids`` (personal conflicts) are not eligible. With
    ``required_specialties`` the panel must hold at least one expert of each; panels are drawn
    uniformly among those that do (rejection sampling, then a deterministic greedy fallback
    for tight pools). The panel is returned in draw order.

Result
    Each opinion is ``agree``, ``agree_with_changes`` or ``disagree``. ``agree_with_changes``
    counts *in favour* of the name, but conditionally: if the plain ``agree`` opinions alone
    reach the rule's threshold the result is ``agree``; if only agree + agree_with_changes
    reach it, the result is ``agree_with_changes`` (the changes asked for must be handled);
    otherwise ``disagree``. Thresholds over n opinions: ``majority`` more than half,
    ``two_thirds`` at least two thirds, ``unanimous`` all n.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .errors import PanelError

Opinion = Literal["agree", "agree_with_changes", "disagree"]
Rule = Literal["majority", "unanimous", "two_thirds"]
OPINIONS: tuple[Opinion, ...] = ("agree", "agree_with_changes", "disagree")
RULES: tuple[Rule, ...] = ("majority", "unanimous", "two_thirds")

_REJECTION_TRIES = 2000


@dataclass(frozen=True)
class ExpertRef:
    """An expert of the pool as the draw sees it (id as a string, e.g. a UUID's text)."""

    id: str
    name: str = ""
    affiliation: str | None = None
    specialties: frozenset[str] = field(default_factory=frozenset)


def new_seed() -> int:
    """A fresh random seed to draw with and to store beside the panel."""
    return secrets.randbits(63)


def draw_panel(
    experts: Sequence[ExpertRef],
    size: int,
    seed: int,
    *,
    exclude_affiliations: Collection[str],
    required_specialties: Iterable[str] = (),
    exclude_ids: Collection[str] = (),
) -> list[ExpertRef]:
    """Draw ``size`` eligible experts with ``random.Random(seed)``; same inputs, same panel.

    Raises:
        PanelError: ``size`` below 1 (``panel_size_invalid``); fewer eligible experts than
            ``size`` (``too_few_experts``); a required specialty no eligible expert has
            (``specialty_unavailable``); no panel of ``size`` covers every required specialty
            (``specialties_not_covered``).
        ValueError: two experts share an id.
    """
    if size < 1:
        raise PanelError("panel_size_invalid", f"论证专家人数须至少为 1（给定 {size}）。",
                         f"A panel needs at least one expert (got {size}).")
    eligible = _eligible(experts, exclude_affiliations, exclude_ids)
    if len(eligible) < size:
        raise PanelError(
            "too_few_experts",
            f"专家库中符合回避要求的专家只有 {len(eligible)} 人，不足 {size} 人。",
            f"Only {len(eligible)} eligible experts in the pool after exclusions; "
            f"{size} needed.")
    required = sorted(set(required_specialties))
    for spec in required:
        if not any(spec in e.specialties for e in eligible):
            raise PanelError("specialty_unavailable", f"没有可抽取的“{spec}”专业专家。",
                             f"No eligible expert has the specialty '{spec}'.")
    rng = random.Random(seed)
    if not required:
        return rng.sample(eligible, size)
    for _ in range(_REJECTION_TRIES):
        panel = rng.sample(eligible, size)
        if _covers(panel, required):
            return panel
    return _greedy(eligible, size, required, rng)


def panel_result(opinions: Sequence[str], rule: str = "majority") -> Opinion:
    """The panel's conclusion from its opinions under ``rule`` (see the module docstring).

    Raises:
        ValueError: no opinions, an unknown opinion or an unknown rule.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; use one of {', '.join(RULES)}")
    if not opinions:
        raise ValueError("a panel result needs at least one opinion")
    unknown = [o for o in opinions if o not in OPINIONS]
    if unknown:
        raise ValueError(f"unknown opinion {unknown[0]!r}; use one of {', '.join(OPINIONS)}")
    counts = Counter(opinions)
    n = len(opinions)
    agree = counts["agree"]
    if _reaches(agree, n, rule):
        return "agree"
    if _reaches(agree + counts["agree_with_changes"], n, rule):
        return "agree_with_changes"
    return "disagree"


def _reaches(k: int, n: int, rule: str) -> bool:
    """Whether ``k`` of ``n`` opinions reach the threshold of ``rule``."""
    if rule == "majority":
        return 2 * k > n
    if rule == "two_thirds":
        return 3 * k >= 2 * n
    return k == n


def _norm(text: str | None) -> str:
    """An organization name folded for comparison."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def _eligible(
    experts: Sequence[ExpertRef], exclude_affiliations: Collection[str],
    exclude_ids: Collection[str],
) -> list[ExpertRef]:
    """The experts that may be drawn, in canonical (id) order."""
    ids = [e.id for e in experts]
    if len(set(ids)) != len(ids):
        raise ValueError("two experts in the pool share an id")
    banned = {_norm(a) for a in exclude_affiliations} - {""}
    skip = set(exclude_ids)
    return sorted((e for e in experts
                   if e.id not in skip and not (_norm(e.affiliation) and
                                                _norm(e.affiliation) in banned)),
                  key=lambda e: e.id)


def _covers(panel: Sequence[ExpertRef], required: Sequence[str]) -> bool:
    return all(any(spec in e.specialties for e in panel) for spec in required)


def _greedy(
    eligible: list[ExpertRef], size: int, required: list[str], rng: random.Random,
) -> list[ExpertRef]:
    """Pick experts covering the most uncovered specialties (ties by ``rng``), then fill."""
    panel: list[ExpertRef] = []
    missing = set(required)
    while missing and len(panel) < size:
        rest = [e for e in eligible if e not in panel]
        best = max(len(missing & e.specialties) for e in rest)
        pick = rng.choice([e for e in rest if len(missing & e.specialties) == best])
        panel.append(pick)
        missing -= pick.specialties
    if missing:
        raise PanelError(
            "specialties_not_covered",
            f"{size} 人的专家组无法覆盖所需专业：{'、'.join(sorted(missing))}。",
            f"No panel of {size} covers the required specialties: "
            f"{', '.join(sorted(missing))}.")
    rest = [e for e in eligible if e not in panel]
    return panel + rng.sample(rest, size - len(panel))
