"""The word lexicon of the names engine, and the office's additions to it.

Four tables, each a tab-separated file in ``placenames/naming/data`` with a source for every
entry (a test fails on an entry without one):

* ``readings.tsv`` — ``word  syllables  source``: the reading of a word (tone-numbered pinyin,
  one syllable per character; ``v`` = ü, 5 = neutral). A word written ``=六合`` is a place's
  own name: its reading holds only where it is the whole specific part (专名) of a name
  (六合区 Lùhé Qū), not where the same characters are part of a longer specific (六合窑巷: there
  they are the common word liùhé, and the polyphone rule asks staff). A one-character entry is
  the character's place-name default, used only where no word covers the character.
* ``generics.tsv`` — ``generic  class  syllables  source``: the generic parts (通名), the class
  each implies, and its reading; `` / `` in the syllables divides a compound generic into the
  words it is written as (回族区 ``hui2 zu2 / qu1`` → Huizu Qu). A reading written
  ``bao3|bu3|pu4`` is open: the first is the default and the polyphone rule asks staff.
* ``words.tsv`` — ``word  kind  source``: ``word`` = a word that contains a generic's characters
  and stays whole (碑林: 碑林区 is Beilin Qu, never Bei Linqu); ``area`` = a management-area
  name that a longer name may contain (秦汉新城: 秦汉新城市民中心 → Qinhan Xincheng Shimin
  Zhongxin).
* ``romanization_exceptions.tsv`` — ``name  spelling  scope  source``: romanizations that are
  not the Hanyu Pinyin of the characters (see ``romanize``).

An office extends or corrects any table with a file of the same name in its lexicon folder
(``PLACENAMES_LEXICON_DIR``; the naming-rule word lists live there too). Office lines have the
same columns, a source included; ``!word`` drops a packaged entry. :func:`install` makes a
folder's lexicon the one every function of the engine uses (the app does so at start, with
``LEXICON_DIR``); the engine's caches are cleared then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from placenames.naming.errors import NameInputError

READINGS_FILE = "readings.tsv"
GENERICS_FILE = "generics.tsv"
WORDS_FILE = "words.tsv"
EXCEPTIONS_FILE = "romanization_exceptions.tsv"
FILES = (READINGS_FILE, GENERICS_FILE, WORDS_FILE, EXCEPTIONS_FILE)

CLASS_NAMES = frozenset({
    "road", "street", "lane", "avenue", "bridge", "tunnel", "residential", "building", "square",
    "park", "village", "community", "township", "county", "prefecture", "city", "province",
    "island",
})  # fmt: skip
"""The feature classes a generic may imply (``generics.FeatureClass`` values)."""

EXCEPTION_SCOPES = ("name", "place", "everywhere")
"""Where an exception holds: ``name`` = the whole name only; ``place`` = the name of the place
itself (alone or with an administrative generic: 呼和浩特市), not a road or building named
after it (呼和浩特路 is Huhehaote Lu); ``everywhere`` = every name containing it as its
specific (陕西: 陕西北路 is Shaanxi Beilu)."""

_TONE3 = re.compile(r"[a-z]+[1-5]")


@dataclass(frozen=True)
class Generic:
    """A generic part: its class, its reading (one tone3 syllable per character, the default
    where several are listed), the other readings of each character when open, and where its
    words divide (character offsets where a new written word starts, 0 excluded)."""

    cls: str
    syllables: tuple[str, ...]
    open_readings: tuple[tuple[str, ...], ...]
    breaks: tuple[int, ...]


@dataclass(frozen=True)
class Spelling:
    """A romanization that is not the Hanyu Pinyin of the characters."""

    spelling: str
    scope: str


@dataclass(frozen=True, eq=False)
class Lexicon:
    """One office's complete lexicon (packaged defaults with the office's additions)."""

    readings: Mapping[str, tuple[str, ...]]
    own_names: Mapping[str, tuple[str, ...]]
    generics: Mapping[str, Generic]
    words: frozenset[str]
    areas: frozenset[str]
    exceptions: Mapping[str, Spelling]
    sources: Mapping[tuple[str, str], str]
    directory: Path | None = None
    longest_word: int = 1
    """Length of the longest reading, generic or protected word (the segmenters' window)."""
    longest_protected: int = 1
    """Length of the longest protected word."""
    word_tails: frozenset[str] = frozenset()
    """Every proper ending of a reading entry (县 of 单县, 堡 of 十里堡): the generics a
    lexicon word may take with it."""
    first_chars: Mapping[str, int] = field(default_factory=dict)
    """Character -> length of the longest reading entry or generic that starts with it."""
    word_pairs: frozenset[str] = frozenset()
    """Every two neighbouring characters inside a protected word: no protected word spans a
    cut between two characters that are not such a pair (the segmenters' quick test)."""

    def source_of(self, table: str, key: str) -> str | None:
        """The source given for an entry of a table (``readings``, ``generics``…)."""
        return self.sources.get((table, key))


def _first_chars(*tables: Iterator[str] | Mapping[str, object] | frozenset[str]
                 ) -> dict[str, int]:
    out: dict[str, int] = {}
    for table in tables:
        for word in table:
            if len(word) > out.get(word[0], 0):
                out[word[0]] = len(word)
    return out


def _bad(fname: str, lineno: int, why_zh: str, why_en: str) -> NameInputError:
    return NameInputError(
        "bad_lexicon_entry",
        f"词表 {fname} 第 {lineno} 行有误：{why_zh}",
        f"Line {lineno} of {fname} is not valid: {why_en}",
    )


def _rows(text: str, fname: str, columns: int) -> Iterator[tuple[int, list[str] | str]]:
    """Yield (line number, fields) for data lines, (line number, word) for ``!word`` lines."""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            yield lineno, line[1:].strip()
            continue
        fields = [f.strip() for f in raw.rstrip("\r\n").split("\t")]
        if len(fields) < columns or not all(fields[:columns]):
            raise _bad(fname, lineno, f"应有 {columns} 列（以制表符分隔），含来源。",
                       f"expected {columns} tab-separated columns, the source included.")
        yield lineno, fields


def _syllables(value: str, word: str, fname: str, lineno: int) -> tuple[str, ...]:
    sylls = tuple(value.split())
    if len(sylls) != len(word) or not all(_TONE3.fullmatch(s) for s in sylls):
        raise _bad(fname, lineno, f"“{word}”的读音应为每字一个带调号的拼音音节（如 chang2）。",
                   f"the reading of {word!r} must be one tone-numbered syllable per character "
                   "(e.g. chang2).")
    return sylls


@dataclass
class _Builder:
    readings: dict[str, tuple[str, ...]]
    own_names: dict[str, tuple[str, ...]]
    generics: dict[str, Generic]
    words: set[str]
    areas: set[str]
    exceptions: dict[str, Spelling]
    sources: dict[tuple[str, str], str]

    def add_readings(self, text: str, fname: str) -> None:
        for lineno, row in _rows(text, fname, 3):
            if isinstance(row, str):
                target = self.own_names if row.startswith("=") else self.readings
                target.pop(row.lstrip("="), None)
                continue
            word, reading, source = row[0], row[1], row[2]
            own = word.startswith("=")
            word = word.lstrip("=")
            sylls = _syllables(reading, word, fname, lineno)
            (self.own_names if own else self.readings)[word] = sylls
            (self.readings if own else self.own_names).pop(word, None)
            self.sources[("readings", ("=" if own else "") + word)] = source

    def add_generics(self, text: str, fname: str) -> None:
        for lineno, row in _rows(text, fname, 4):
            if isinstance(row, str):
                self.generics.pop(row, None)
                continue
            generic, cls, reading, source = row[0], row[1], row[2], row[3]
            if cls not in CLASS_NAMES:
                raise _bad(fname, lineno, f"未知的地名类别“{cls}”。", f"unknown class {cls!r}.")
            parts = reading.split("/")
            breaks: list[int] = []
            chosen: list[str] = []
            others: list[tuple[str, ...]] = []
            for part in parts:
                if chosen:
                    breaks.append(len(chosen))
                for item in part.split():
                    options = tuple(item.split("|"))
                    chosen.append(options[0])
                    others.append(options[1:])
            _syllables(" ".join(chosen), generic, fname, lineno)
            for opts in others:
                _syllables(" ".join(opts), "x" * len(opts), fname, lineno)
            self.generics[generic] = Generic(cls, tuple(chosen), tuple(others), tuple(breaks))
            self.sources[("generics", generic)] = source

    def add_words(self, text: str, fname: str) -> None:
        for lineno, row in _rows(text, fname, 3):
            if isinstance(row, str):
                self.words.discard(row)
                self.areas.discard(row)
                continue
            word, kind, source = row[0], row[1], row[2]
            if kind not in ("word", "area"):
                raise _bad(fname, lineno, "第二列应为 word 或 area。",
                           "the second column must be 'word' or 'area'.")
            (self.words if kind == "word" else self.areas).add(word)
            self.sources[("words", word)] = source

    def add_exceptions(self, text: str, fname: str) -> None:
        for lineno, row in _rows(text, fname, 4):
            if isinstance(row, str):
                self.exceptions.pop(row, None)
                continue
            name, spelling, scope, source = row[0], row[1], row[2], row[3]
            if scope not in EXCEPTION_SCOPES:
                raise _bad(fname, lineno, f"第三列应为 {'/'.join(EXCEPTION_SCOPES)} 之一。",
                           f"the third column must be one of {', '.join(EXCEPTION_SCOPES)}.")
            self.exceptions[name] = Spelling(spelling, scope)
            self.sources[("exceptions", name)] = source


def _packaged(fname: str) -> str:
    return resources.files("placenames.naming").joinpath("data", fname).read_text("utf-8")


def load(directory: Path | None = None) -> Lexicon:
    """Load the packaged lexicon and overlay the office's folder on it.

    Raises:
        NameInputError: a line of a lexicon file is malformed (code ``bad_lexicon_entry``), or
            a file cannot be read as UTF-8 text (code ``bad_lexicon_file``).
    """
    b = _Builder({}, {}, {}, set(), set(), {}, {})
    adders: dict[str, Callable[[str, str], None]] = {
        READINGS_FILE: b.add_readings, GENERICS_FILE: b.add_generics,
        WORDS_FILE: b.add_words, EXCEPTIONS_FILE: b.add_exceptions,
    }  # fmt: skip
    for fname, add in adders.items():
        add(_packaged(fname), fname)
        if directory is not None and (directory / fname).is_file():
            try:
                text = (directory / fname).read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise NameInputError(
                    "bad_lexicon_file", f"无法读取词表 {fname}：{exc}",
                    f"The lexicon file {fname} cannot be read: {exc}") from exc
            add(text, fname)
    first = _first_chars(b.readings, b.own_names, b.generics)
    longest = max([1, *first.values(), *(len(w) for w in b.words | b.areas)])
    return Lexicon(readings=b.readings, own_names=b.own_names, generics=b.generics,
                   words=frozenset(b.words), areas=frozenset(b.areas), exceptions=b.exceptions,
                   sources=b.sources, directory=directory, longest_word=longest,
                   longest_protected=max((len(w) for w in b.words), default=1),
                   word_tails=frozenset(w[k:] for table in (b.readings, b.own_names)
                                        for w in table for k in range(1, len(w))),
                   first_chars=first,
                   word_pairs=frozenset(w[k:k + 2] for w in b.words for k in range(len(w) - 1)))


_DEFAULT: Lexicon | None = None
_ACTIVE: Lexicon | None = None
_CACHES: list[Callable[[], None]] = []


def default() -> Lexicon:
    """The packaged lexicon (no office folder)."""
    global _DEFAULT, _ACTIVE
    if _DEFAULT is None:
        _DEFAULT = load(None)
        if _ACTIVE is None:
            _ACTIVE = _DEFAULT
    return _DEFAULT


def active() -> Lexicon:
    """The lexicon the engine uses now (the packaged one unless :func:`install` was called)."""
    return _ACTIVE if _ACTIVE is not None else default()


def register_cache(clear: Callable[[], None]) -> None:
    """Register a cache that depends on the lexicon; :func:`install` clears it."""
    _CACHES.append(clear)


def install(lexicon: Lexicon | Path | None) -> Lexicon:
    """Make ``lexicon`` (or the lexicon of a folder; None = the packaged one) the active one."""
    global _ACTIVE
    chosen = load(lexicon) if isinstance(lexicon, Path) else lexicon
    if chosen is None:
        chosen = default()
    if chosen is not _ACTIVE:
        _ACTIVE = chosen
        for clear in _CACHES:
            clear()
    return active()


@contextmanager
def using(lexicon: Lexicon | Path | None) -> Iterator[Lexicon]:
    """Use ``lexicon`` inside a ``with`` block, then restore the previous one (tests)."""
    previous = _ACTIVE
    try:
        yield install(lexicon)
    finally:
        install(previous)
