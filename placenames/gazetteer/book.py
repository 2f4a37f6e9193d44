"""The plain values of one edition of the gazetteer, and how its names are ordered.

A :class:`Book` is the New Area (or one new city) as the register stood on ``as_of``: its
chapters (one per township, or per management area for names that belong to no single
township), each with its names (:class:`Entry`) in the order printed: roads and streets first,
then bridges and tunnels, then residential areas, buildings, squares and parks, each group by
romanization. Each entry's number (序号) in its chapter is what the chapter map shows where
names crowd.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

CLASS_ORDER = ("avenue", "road", "street", "lane", "bridge", "tunnel", "residential",
               "building", "square", "park", "village", "community")
"""Classes in the order a chapter lists them; other classes come after, by code."""

LINE_CLASSES = frozenset({"avenue", "road", "street", "lane", "bridge", "tunnel"})
"""Classes drawn as the roads around a chapter on its map."""


@dataclass(frozen=True)
class Entry:
    """One name as printed: the register's values as of the edition's date."""

    key: str  # the record id
    name: str
    romanization: str
    cls: str
    class_label: str  # the class in words (道路, 桥梁…)
    location: str  # the location description, with the start and end points
    meaning: str  # 含义
    origin: str  # 来历/沿革
    geometry: dict[str, Any] | None = None  # GeoJSON, CGCS2000 lon/lat


@dataclass(frozen=True)
class Chapter:
    """The names of one township (or of one management area directly), under its part."""

    code: str  # the jurisdiction's code
    title: str  # its name
    part: str = ""  # the management area it belongs to (a new city); "" in a one-city book
    entries: list[Entry] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """The chapter's heading: its name and code."""
        return f"{self.title}（{self.code}）"


@dataclass(frozen=True)
class Book:
    """An edition: the area, the date it stands on, its chapters and its notes."""

    title: str  # 西咸新区地名录
    area: str
    area_code: str
    as_of: date
    printed_on: date
    chapters: list[Chapter]
    office: str = ""
    notes: list[str] = field(default_factory=list)  # 编制说明: the as-of rule and its limits

    @property
    def count(self) -> int:
        """The number of names in the edition."""
        return sum(len(c.entries) for c in self.chapters)

    def parts(self) -> list[tuple[str, list[Chapter]]]:
        """(part, its chapters) in the book's order; one part named "" in a one-city book."""
        out: list[tuple[str, list[Chapter]]] = []
        for chapter in self.chapters:
            if not out or out[-1][0] != chapter.part:
                out.append((chapter.part, []))
            out[-1][1].append(chapter)
        return out


def pinyin_key(romanization: str) -> str:
    """A romanization as sorted: lower case, without tone marks, apostrophes, spaces or
    hyphens (``Chang'an Lu`` → ``changanlu``); digits stay (``Jing 5 Lu`` → ``jing5lu``)."""
    plain = unicodedata.normalize("NFKD", romanization)
    return "".join(ch for ch in plain.lower() if ch.isascii() and ch.isalnum())


def entry_order(entry: Entry) -> tuple[int, str, str, str]:
    """Where an entry goes in its chapter: by class (:data:`CLASS_ORDER`), then by
    romanization, then by the characters of the name."""
    rank = CLASS_ORDER.index(entry.cls) if entry.cls in CLASS_ORDER else len(CLASS_ORDER)
    return (rank, entry.cls if rank == len(CLASS_ORDER) else "", pinyin_key(entry.romanization),
            entry.name)


def ordered(entries: list[Entry]) -> list[Entry]:
    """The entries of a chapter in printed order."""
    return sorted(entries, key=entry_order)


def location_text(desc: str | None, start: str | None, end: str | None) -> str:
    """The location column: the description, then the start and end points when known
    (``位于……；起于甲，止于乙``); "" when nothing is known."""
    parts = [(desc or "").strip()]
    start, end = (start or "").strip(), (end or "").strip()
    if start and end:
        parts.append(f"起于{start}，止于{end}")
    elif start or end:
        parts.append(f"起于{start}" if start else f"止于{end}")
    return "；".join(p for p in parts if p)
