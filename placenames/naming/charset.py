"""The 通用规范汉字表 (8,105 characters in three tiers) and the traditional/variant mapping.

Data files: ``data/tongyong_guifan_2013.txt`` (the table, in its own order, with tiers) and
``data/variants.tsv`` (traditional and variant forms -> standard simplified forms, derived from
OpenCC's tables). Both are read once, on first use.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

Tier = Literal[1, 2, 3]


def _read(name: str) -> str:
    return resources.files("placenames.naming").joinpath("data/" + name).read_text("utf-8")


@cache
def tiers() -> dict[str, Tier]:
    """Return character -> tier (1 = 3,500 common, 2 = 3,000, 3 = 1,605 rare) for all 8,105."""
    table: dict[str, Tier] = {}
    tier: Tier = 1
    for line in _read("tongyong_guifan_2013.txt").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[tier "):
            tier = {"1": 1, "2": 2, "3": 3}[line[6]]  # type: ignore[assignment]
            continue
        for ch in line:
            table[ch] = tier
    return table


@cache
def variants() -> dict[str, tuple[str, ...]]:
    """Return traditional/variant character -> standard simplified candidates (first = usual)."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _read("variants.tsv").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            key, _, targets = line.partition("\t")
            out[key] = tuple(targets.split())
    return out


def char_tier(ch: str) -> Tier | None:
    """Return the tier (1, 2 or 3) of ``ch`` in the 通用规范汉字表, or None if it is not in it."""
    return tiers().get(ch)


def standard_form(ch: str) -> str | None:
    """Return the standard simplified form suggested for a traditional/variant character."""
    targets = variants().get(ch)
    return targets[0] if targets else None
