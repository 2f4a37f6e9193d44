"""What a typed query means: characters, pinyin, initials, a code, or an address.

:func:`parse_query` turns raw text from a search box, an API call or a spreadsheet cell into a
:class:`Query`, or refuses it with a :class:`QueryError` that says why in Chinese and English.
It never looks at the database; the retrieval (``placenames.ops.search``) asks the query for the
forms it needs:

- ``text``: the characters, NFKC-normalized, traditional and variant forms made standard
  simplified (長安路 → 长安路), spaces and punctuation removed (the sub-number hyphen kept);
- ``pinyin``: the whole query as toneless pinyin, ü written ``v``: Chinese characters are read
  (长an路 → changanlu), typed pinyin loses its spaces, apostrophes, tone marks and tone
  numbers (Xī'ān, xi1 an1 → xian);
- ``latin``: the typed letters alone when the query has no Chinese character (for initials);
- ``syllables``: the query's syllables when it can be cut into valid pinyin syllables
  (the last may be incomplete), which gives its fuzzy key and its initials;
- ``code`` / ``plate_id``: an address code (digits only) or a plate id, which lead straight
  to that address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..naming.charset import standard_form
from ..naming.keys import _DEFAULT_FOLD, fold_syllable
from ..naming.normalize import is_han
from ..naming.readings import syllables as read_syllables
from ..naming.readings import valid_syllables
from ..plates.errors import PlateIdError
from ..plates.ids import normalize_plate_id

MAX_QUERY_LENGTH = 100
"""Longest query accepted, in characters (a long address with its whole jurisdiction path)."""

_TONE_MARKS = str.maketrans({"ǖ": "v", "ǘ": "v", "ǚ": "v", "ǜ": "v", "ü": "v", "Ü": "v"})
_TONE_NUMBER = re.compile(r"(?<=[a-z])[1-5](?=[a-z]|$)")
_CODE = re.compile(r"\d{9,24}")


class QueryError(ValueError):
    """A query that cannot be searched; ``zh`` and ``en`` say why to a person."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.code = code
        self.zh = zh
        self.en = en

    @property
    def message(self) -> str:
        """The bilingual message (Chinese first)."""
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query; see the module docstring for what each form holds."""

    raw: str
    text: str
    pinyin: str
    latin: str
    syllables: tuple[str, ...]
    has_han: bool
    code: str | None = None
    plate_id: str | None = None

    @property
    def fuzzy(self) -> str:
        """The pinyin with the usual dialect confusions folded (as the stored fuzzy keys)."""
        if not self.syllables:
            return ""
        return "".join(fold_syllable(s, *_DEFAULT_FOLD) for s in self.syllables)

    @property
    def initials(self) -> str:
        """The first letter of each syllable (长an路 → cal)."""
        return "".join(s[:1] for s in self.syllables)

    @property
    def looks_like_address(self) -> bool:
        """True when the query has a house number, unit, room or group in it."""
        return bool(re.search(r"\d|号|单元|室|组|栋|幢", self.text)) and self.has_han


def _is_noise(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch.isspace() or cat[0] in "PSZ" or cat in ("Mn", "Me", "Sk")


def _refuse_controls(raw: str) -> None:
    for ch in raw:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\t\n\r\u200d\ufe0f":
            raise QueryError(
                "control_char",
                f"查询含有控制字符或不可见字符（U+{ord(ch):04X}）。",
                f"The query contains a control or invisible character (U+{ord(ch):04X}).")


def clean_text(raw: str) -> str:
    """NFKC, standard simplified characters, lower-case letters, no spaces or punctuation;
    the hyphen (12-1号) and the apostrophe of pinyin (xi'an) are kept for the next steps."""
    text = unicodedata.normalize("NFKC", raw).translate(_TONE_MARKS)
    out = []
    for ch in text:
        if is_han(ch):
            out.append(standard_form(ch) or ch)
            continue
        ch = _strip_tone_marks(ch)
        if len(ch) != 1:
            continue
        elif ch in "-'#":
            out.append(ch)
        elif ch.isspace() and out and out[-1].isascii() and out[-1].isalpha():
            out.append("'")  # a space between typed syllables marks where one ends
        elif ch.isalnum():
            out.append(ch.lower())
        elif not _is_noise(ch):
            out.append(ch)
    return "".join(out)


def _strip_tone_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


@lru_cache(maxsize=4096)
def split_pinyin(letters: str, *, partial_last: bool = True) -> tuple[str, ...]:
    """Cut typed letters into pinyin syllables, fewest syllables first (xian → xian, not xi an;
    use an apostrophe for xi'an). With ``partial_last`` the last piece may be the start of a
    syllable (shij → shi j). Returns () when the letters cannot be cut."""
    valid = valid_syllables()
    prefixes = _syllable_prefixes()
    n = len(letters)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = letters[i:j]
            ok = piece in valid or (partial_last and j == n and piece in prefixes)
            if ok:
                cand = (*here, piece)
                old = best[j]
                if old is None or len(cand) < len(old):
                    best[j] = cand
    return best[n] or ()


@lru_cache(maxsize=1)
def _syllable_prefixes() -> frozenset[str]:
    return frozenset(s[:k] for s in valid_syllables() for k in range(1, len(s)))


def _pinyin_of(text: str) -> tuple[str, list[str]]:
    """Pinyin of the cleaned text (letters kept, Chinese read) and its syllables."""
    out: list[str] = []
    sylls: list[str] = []
    latin_run = ""

    def flush_latin() -> None:
        nonlocal latin_run
        if latin_run:
            for part in latin_run.split("'"):
                if part:
                    sylls.extend(split_pinyin(part) or (part,))
            out.append(latin_run.replace("'", ""))
            latin_run = ""

    han_run = ""

    def flush_han() -> None:
        nonlocal han_run
        if han_run:
            for syl in read_syllables(han_run):
                if syl is None:
                    continue  # a character without any known reading: nothing to match
                plain = syl.rstrip("12345")
                out.append(plain)
                sylls.append(plain)
            han_run = ""

    for ch in text:
        if is_han(ch):
            flush_latin()
            han_run += ch
        elif ch.isascii() and (ch.isalpha() or ch == "'"):
            flush_han()
            latin_run += ch
        else:
            flush_han()
            flush_latin()
            out.append(ch)
    flush_han()
    flush_latin()
    return "".join(out), sylls


def parse_query(raw: object) -> Query:
    """Parse a query as typed; raise :class:`QueryError` when there is nothing to search.

    Refused: text that is not a string, empty or blank, longer than
    :data:`MAX_QUERY_LENGTH`, with control characters, or with nothing but punctuation,
    symbols and emoji.
    """
    if not isinstance(raw, str):
        raise QueryError("not_text", "查询必须是文本。", "The query must be text.")
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError("too_long", f"查询过长（最多 {MAX_QUERY_LENGTH} 个字）。",
                         f"The query is too long (at most {MAX_QUERY_LENGTH} characters).")
    _refuse_controls(raw)
    if not raw.strip():
        raise QueryError("empty", "请输入要查找的名称或地址。",
                         "Type a name or an address to search for.")
    text = clean_text(raw)
    meaningful = [ch for ch in text if is_han(ch) or (ch.isascii() and ch.isalnum())]
    if not meaningful:
        raise QueryError("no_words", "查询中没有可查找的汉字、字母或数字。",
                         "The query has no characters, letters or digits to search for.")
    text = "".join(ch for ch in text
                   if is_han(ch) or ch.isascii() and (ch.isalnum() or ch in "-'#"))
    has_han = any(is_han(ch) for ch in text)
    letters = text
    if not has_han:
        letters = _TONE_NUMBER.sub("", letters)
    pinyin, sylls = _pinyin_of(letters)
    latin = "" if has_han else re.sub(r"[^a-z]", "", letters)
    code = text if _CODE.fullmatch(text) else None
    plate_id = None
    if not has_han and len(re.sub(r"[-\s]", "", raw)) == 17:
        try:
            plate_id = normalize_plate_id(raw)
        except PlateIdError:
            plate_id = None
    return Query(raw=raw, text=text.replace("'", ""), pinyin=pinyin.replace("#", ""),
                 latin=latin, syllables=tuple(s for s in sylls if s.isalpha()),
                 has_han=has_han, code=code, plate_id=plate_id)
