"""Parse free-text Chinese addresses into :class:`~placenames.addressing.compose.AddressParts`.

Pipeline:

1. :func:`normalize_text`: NFKC (full-width digits and letters to ASCII), drop spaces and
   punctuation except the sub-number hyphen, read ``3#楼``/``3#`` as 3号楼/3号;
2. walk the text from the left, trying the slots in address order (province, city, county,
   management area, township, community/village, group, road, number, premises, building,
   unit, room). A slot that does not match is skipped, so missing levels are tolerated;
   a later slot never goes back to an earlier one. Text no slot understands is collected
   in ``ParseResult.unparsed``.

Administrative levels are recognised by a :class:`Gazetteer` of known names when one is
given (longest match first; also the short form without the generic, 陕西 → 陕西省), and
otherwise by their generic suffix (省 市 区 县 新区 新城 街道 镇 乡 社区 村; roads: 路 街 大道
巷 环 坊 段 高速 …).
Numbers may be Arabic or Chinese numerals (十二号 → 12); sub-numbers as 12-1号 or 12之1号.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..numerals import DIGITS, UNITS, chinese_number
from .compose import AddressParts

LEVELS = ("province", "city", "county", "subarea", "township", "community")

_CJK = "\u4e00-\u9fff"
_NUM = rf"(?:\d+|[{''.join(DIGITS)}{''.join(UNITS)}]+)"
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")

# Inside an administrative name these mark a lower level: the match is refused.
_NOT_IN_ADMIN_NAME = re.compile(r"[路街巷号楼栋幢室组\d]|大道|单元")
_NOT_IN_TOWNSHIP_NAME = re.compile(r"[号室组\d]|单元")  # 西一路街道 is a real name

_ROAD_GENERIC_AHEAD = re.compile(r"大道|大街|路|街(?!道)|巷")
_TOWNSHIP_GENERIC_AHEAD = re.compile(r"街道|街办")
_ADMIN_SUFFIX_RE: dict[str, re.Pattern[str]] = {
    "province": re.compile(rf"^([{_CJK}]{{2,7}}?)(?:省|自治区|特别行政区)"),
    "city": re.compile(rf"^([{_CJK}]{{2,8}}?)(?:市|自治州|地区|盟)"),
    "county": re.compile(rf"^([{_CJK}]{{1,8}}?)(?:新区|区|县|自治县|旗|市)"),
    "subarea": re.compile(rf"^([{_CJK}]{{2,8}}?)(?:新城|开发区|园区|工业园)"),
    "township": re.compile(rf"^([{_CJK}]{{1,8}}?)(?:街道办事处|街道|街办|镇街道|镇|乡)"),
    "community": re.compile(rf"^([{_CJK}]{{1,10}}?)(?:社区居委会|社区|村委会|村|居委会)"),
}
_ROAD_RE = re.compile(
    rf"^[{_CJK}\dA-Za-z]{{1,14}}?(?:大道|大街|胡同|高速|路|街|巷|道|里|弄|环|坊|段)(?=\d|{_NUM}(?:(?:-|之){_NUM})?号|$)"
)
_GROUP_RE = re.compile(rf"^({_NUM})(?:村民小组|组)")
_NUMBER_RE = re.compile(rf"^({_NUM})(?:(?:-|之)({_NUM}))?号(?!楼)")
_BUILDING_RE = re.compile(rf"^([A-Za-z]\d*|\d+[A-Za-z]?|{_NUM})(号楼|栋|幢|座)")
_UNIT_RE = re.compile(rf"^({_NUM})单元")
_ROOM_RE = re.compile(r"^(\d+[A-Za-z]?)(室|房|户)")
_BARE_ROOM_RE = re.compile(r"^(\d+[A-Za-z]?)$")
_PREMISES_RE = re.compile(
    rf"^[{_CJK}A-Za-z]{{2,20}}?(?=$|(?:[A-Za-z]\d*|\d+[A-Za-z]?|{_NUM})(?:号楼|栋|幢|座|单元|室))"
)


class Gazetteer:
    """Known jurisdiction names per level, for resolving prefixes the suffix rules cannot.

    ``names`` maps a level (``province``, ``city``, ``county``, ``subarea``, ``township``,
    ``community``) to its full names. With ``allow_short`` a name also matches without its
    generic (陕西 for 陕西省, 未央 for 未央区) and is returned in full.
    """

    def __init__(self, names: Mapping[str, Iterable[str]], *, allow_short: bool = True) -> None:
        self._forms: dict[str, dict[str, str]] = {}
        for level, level_names in names.items():
            if level not in LEVELS:
                raise ValueError(f"unknown level {level!r}; use one of {LEVELS}")
            self._forms[level] = _forms_of(level_names, level, allow_short)
        self._lengths = {
            level: sorted({len(f) for f in forms}, reverse=True)
            for level, forms in self._forms.items()
        }

    def has(self, level: str) -> bool:
        """True if names were given for ``level``."""
        return level in self._forms

    def match(self, level: str, text: str) -> tuple[str, int] | None:
        """Longest known name of ``level`` at the start of ``text``: (full name, chars used)."""
        forms = self._forms.get(level, {})
        for length in self._lengths.get(level, []):
            full = forms.get(text[:length])
            if full is not None:
                return full, length
        return None


def _forms_of(names: Iterable[str], level: str, allow_short: bool) -> dict[str, str]:
    forms: dict[str, str] = {}
    for name in names:
        forms[name] = name
        pattern = _ADMIN_SUFFIX_RE[level]
        match = pattern.match(name)
        if allow_short and match and match.end() == len(name):
            short = _strip_generic(name, level)
            if len(short) >= 2:
                forms.setdefault(short, name)
    return forms


_GENERICS = {
    "province": ("特别行政区", "自治区", "省"),
    "city": ("自治州", "地区", "市", "盟"),
    "county": ("自治县", "新区", "区", "县", "旗", "市"),
    "subarea": ("开发区", "工业园", "新城", "园区"),
    "township": ("街道办事处", "街道", "街办", "镇", "乡"),
    "community": ("社区居委会", "社区", "村委会", "居委会", "村"),
}


def _strip_generic(name: str, level: str) -> str:
    for generic in _GENERICS[level]:
        if name.endswith(generic):
            return name[: -len(generic)]
    return name


@dataclass(frozen=True)
class ParseResult:
    """The parts recognised and the pieces of text that were not understood, in order."""

    parts: AddressParts
    unparsed: tuple[str, ...] = ()


_PUNCT_KEEP = {"-", "#"}


def normalize_text(text: str) -> str:
    """NFKC, no spaces or punctuation (hyphens kept), dashes/之-forms unified, 3#楼 → 3号楼."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[‐‑‒–—―﹣]", "-", text)
    kept = [c for c in text if c in _PUNCT_KEEP or not _is_space_or_punct(c)]
    text = "".join(kept)
    text = re.sub(r"#楼", "号楼", text)
    return text.replace("#", "号")


def _is_space_or_punct(char: str) -> bool:
    category = unicodedata.category(char)
    return char.isspace() or category.startswith("P") or category.startswith("S")


def cn_numeral_to_int(text: str) -> int:
    """Arabic or Chinese numerals to int: "12", "十二", "一百零八", "一八八" (digit by digit)."""
    value = chinese_number(text)
    if value is None:
        raise ValueError(f"not a numeral: {text!r}")
    return value


_Slot = Callable[[str, Gazetteer | None, dict[str, Any]], int]


@dataclass
class _State:
    values: dict[str, Any] = field(default_factory=dict)
    unparsed: list[str] = field(default_factory=list)
    pending: str = ""

    def flush(self) -> None:
        if self.pending:
            self.unparsed.append(self.pending)
            self.pending = ""


def parse_address(text: str, gazetteer: Gazetteer | None = None) -> ParseResult:
    """Parse one free-text address; see the module docstring for the rules.

    Input: the text and, optionally, a :class:`Gazetteer`. Output: a :class:`ParseResult`
    whose ``parts`` hold what was recognised and ``unparsed`` the leftovers.
    """
    rest = normalize_text(text)
    state = _State()
    next_slot = 0
    while rest:
        found = _try_slots(rest, next_slot, gazetteer, state.values)
        if found is None:
            state.pending += rest[0]
            rest = rest[1:]
            continue
        state.flush()
        next_slot, used = found
        rest = rest[used:]
    state.flush()
    return ParseResult(_to_parts(state.values), tuple(state.unparsed))


def _try_slots(
    text: str, start: int, gazetteer: Gazetteer | None, values: dict[str, Any]
) -> tuple[int, int] | None:
    """Try slots from ``start``; return (next slot index, chars used) for the first match."""
    for index in range(start, len(_SLOTS)):
        used = _SLOTS[index](text, gazetteer, values)
        if used:
            return index + 1, used
    return None


def _admin_slot(level: str) -> _Slot:
    def slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
        if gazetteer is not None and gazetteer.has(level):
            known = gazetteer.match(level, text)
            if known is not None:
                values[level] = known[0]
                return known[1]
        name = _admin_by_suffix(level, text, values)
        if name:
            values[level] = name
        return len(name)

    return slot


def _admin_by_suffix(level: str, text: str, values: dict[str, Any]) -> str:
    if level == "province":
        for city in _MUNICIPALITIES:
            if text.startswith(city):
                return city
    if level == "city" and values.get("province") in _MUNICIPALITIES:
        return ""
    match = _ADMIN_SUFFIX_RE[level].match(text)
    forbidden = _NOT_IN_TOWNSHIP_NAME if level == "township" else _NOT_IN_ADMIN_NAME
    if not match or forbidden.search(match.group(1)):
        return ""
    if _ROAD_GENERIC_AHEAD.match(text, match.end()):
        return ""  # 南村路: the 村 belongs to a road name
    if level != "township" and _TOWNSHIP_GENERIC_AHEAD.match(text, match.end()):
        return ""  # 红旗街道: the 旗 belongs to a township name
    return match.group(0)


def _road_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _ROAD_RE.match(text)
    if not match or "街道" in match.group(0):
        return 0
    values["road"] = match.group(0)
    return match.end()


def _group_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _GROUP_RE.match(text)
    if not match:
        return 0
    values["group"] = cn_numeral_to_int(match.group(1))
    return match.end()


def _number_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _NUMBER_RE.match(text)
    if not match:
        return 0
    values["number"] = cn_numeral_to_int(match.group(1))
    if match.group(2):
        values["sub_number"] = cn_numeral_to_int(match.group(2))
    return match.end()


def _premises_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _PREMISES_RE.match(text)
    if not match or _BUILDING_RE.match(text) or _UNIT_RE.match(text):
        return 0
    values["premises"] = match.group(0)
    return match.end()


def _building_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _BUILDING_RE.match(text)
    if not match:
        return 0
    label = match.group(1)
    is_cn = not label.isascii()
    values["building"] = str(cn_numeral_to_int(label)) if is_cn else label.upper()
    values["building_kind"] = match.group(2)
    return match.end()


def _unit_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _UNIT_RE.match(text)
    if not match:
        return 0
    values["unit"] = cn_numeral_to_int(match.group(1))
    return match.end()


def _room_slot(text: str, gazetteer: Gazetteer | None, values: dict[str, Any]) -> int:
    match = _ROOM_RE.match(text)
    if match is None and _has_any(values, "number", "building", "unit"):
        match = _BARE_ROOM_RE.match(text)
    if not match:
        return 0
    values["room"] = match.group(1).upper()
    return match.end()


def _has_any(values: dict[str, Any], *keys: str) -> bool:
    return any(k in values for k in keys)


_SLOTS: tuple[_Slot, ...] = (
    *(_admin_slot(level) for level in LEVELS),
    _group_slot,
    _road_slot,
    _number_slot,
    _premises_slot,
    _building_slot,
    _unit_slot,
    _room_slot,
)


def _to_parts(values: dict[str, Any]) -> AddressParts:
    return replace(AddressParts(), **values)


def parse_parts(text: str, gazetteer: Gazetteer | None = None) -> AddressParts:
    """Shortcut: only the parts of :func:`parse_address`."""
    return parse_address(text, gazetteer).parts
