"""Generic parts (通名) and the feature class each implies; ``split_name``.

A name is a specific part (专名) plus a generic part (通名): 长安(专名)路(通名). The generics, their
classes and readings are a table (``data/generics.tsv``, extended by the office's lexicon
folder: see ``lexicon``); the classes are plain lowercase strings so the database layer can
store them as they are.

Where the generic ends: the longest generic that ends the name is taken, **provided the rest is
a word** — the cut must not fall inside a word:

* a protected word (``words.tsv``: 碑林, 万柏林, 高新…) is never cut: 碑林区 is 碑林 + 区 (Beilin
  Qu), not 碑 + 林区;
* a compound administrative generic that ends in a shorter one (林区, 矿区, 新区, 特区 end in 区)
  is taken only after a specific of two characters or more: a county-level specific of one
  character followed by 林 or 新 is a two-character word (西林区, 新林区, 北林区 Beilin Qu;
  神农架林区 Shennongjia Linqu, 浦东新区 Pudong Xinqu, and 矿区 alone is Kuang Qu);
* names with ethnic parts keep them in the generic: autonomous areas (宁夏 + 回族自治区) and
  ethnic districts and townships (顺河 + 回族区, 长哨营 + 满族乡).

A specific may itself contain generics (太华路街道, 秦汉新城市民中心): ``specific_parts`` cuts
it there for the readings and the romanization.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from placenames.naming import lexicon as lex


class FeatureClass(StrEnum):
    """Feature classes in scope (value = the string stored in the database)."""

    ROAD = "road"
    STREET = "street"
    LANE = "lane"
    AVENUE = "avenue"
    BRIDGE = "bridge"
    TUNNEL = "tunnel"
    RESIDENTIAL = "residential"
    BUILDING = "building"
    SQUARE = "square"
    PARK = "park"
    VILLAGE = "village"
    COMMUNITY = "community"
    TOWNSHIP = "township"
    COUNTY = "county"
    PREFECTURE = "prefecture"
    CITY = "city"
    PROVINCE = "province"
    ISLAND = "island"


CLASSES: frozenset[str] = frozenset(c.value for c in FeatureClass)
ROAD_CLASSES: frozenset[str] = frozenset({"road", "street", "lane", "avenue"})
ADMIN_CLASSES: frozenset[str] = frozenset({"township", "county", "prefecture", "city", "province"})

GENERICS: dict[str, str] = {g: e.cls for g, e in lex.default().generics.items()}
"""The packaged generics: 通名 -> class (the office may add more: see ``generic_classes``)."""

VILLAGE_GENERICS: frozenset[str] = frozenset({"村", "庄", "堡", "营", "寨", "屯", "铺"})
"""Generics that have become part of the name: the whole name is written as one word (Wangcun)."""

SECTION_DIRECTIONALS = frozenset("东西南北中")
"""Single-syllable section words between 专名 and 通名 that belong to the generic (长安南路)."""

SECTION_MODIFIERS = frozenset("东西南北中前后左右直小")
"""One-syllable modifiers that join a road generic after a specific of two characters or more
(1984规则 2: 景山/后街, 造币/左路, 清波门/直街, 修文/西小巷, 东直门外/南后街)."""


def generic_classes() -> dict[str, str]:
    """The active generics (packaged and the office's): 通名 -> class."""
    return {g: e.cls for g, e in lex.active().generics.items()}


@lru_cache(maxsize=8192)
def generic_class(generic: str) -> str | None:
    """Return the class implied by a generic (通名), ignoring leading section words and an
    ethnic part (南小街 -> street, 回族自治区 -> province)."""
    generics = lex.active().generics
    for k in range(len(generic)):
        entry = generics.get(generic[k:])
        if entry is not None:
            head = generic[:k]
            if not head or all(ch in SECTION_MODIFIERS for ch in head) or _ethnic_prefix(head):
                return entry.cls
            return None
    return None


def _ethnic_prefix(text: str) -> bool:
    while text:
        for group in ETHNIC_GROUPS:
            form = next((f for f in (group + "族", group) if text.endswith(f)
                         and (f != group or len(group) >= 2)), None)
            if form is not None:
                text = text[: -len(form)]
                break
        else:
            return False
    return True


def _cuts_word(name: str, cut: int, active: lex.Lexicon) -> bool:
    """True if a protected word of ``active`` spans position ``cut`` of ``name``."""
    if 0 < cut < len(name) and name[cut - 1:cut + 1] not in active.word_pairs:
        return False  # no protected word holds the two characters either side of the cut
    words, longest = active.words, active.longest_protected
    for start in range(max(0, cut - longest + 1), cut):
        for end in range(cut + 1, min(len(name), start + longest) + 1):
            if name[start:end] in words:
                return True
    return False


def _rest_is_word(name: str, generic: str, active: lex.Lexicon) -> bool:
    cut = len(name) - len(generic)
    if active.words and _cuts_word(name, cut, active):
        return False
    if len(generic) > 1 and cut < 2:
        tail = active.generics.get(generic[1:])
        entry = active.generics[generic]
        if tail is not None and entry.cls in ADMIN_CLASSES and tail.cls in ADMIN_CLASSES:
            return False
    return True


def _longest_generic(name: str) -> str:
    active = lex.active()
    for size in range(min(active.longest_word, len(name) - 1), 0, -1):
        generic = name[-size:]
        if generic in active.generics and _rest_is_word(name, generic, active):
            return generic
    return ""


def split_name(name: str, cls: str | None = None) -> tuple[str, str]:
    """Split a cleaned name into (specific 专名, generic 通名).

    The longest generic ending the name whose rest is a word (see the module's docstring). A
    section word (东西南北中…) standing between a specific of two or more characters and a road
    or bridge generic joins the generic: 长安南路 -> ("长安", "南路"), 修文西小巷 -> ("修文",
    "西小巷"). Positional words (内外) stay with the specific: 朝阳门内大街 -> ("朝阳门内",
    "大街"). Ethnic parts join the generic: 宁夏回族自治区 -> ("宁夏", "回族自治区"), 顺河回族区
    -> ("顺河", "回族区").

    Args:
        name: a name already passed through ``clean_name``.
        cls: the feature class, if known. It does not change the split; it is accepted so that
            callers can pass what they have.

    Returns:
        (specific, generic); generic is "" when no known generic ends the name, and a name that
        is only a generic (e.g. "大街") is returned as (name, "").
    """
    del cls
    return _split(name)


@lru_cache(maxsize=65536)
def _split(name: str) -> tuple[str, str]:
    auto = _split_ethnic(name)
    if auto is not None:
        return auto
    generic = _longest_generic(name)
    if not generic:
        return name, ""
    specific = name[: -len(generic)]
    active = lex.active()
    if active.generics[generic].cls in _SECTIONED:
        k = len(specific) - _section_length(specific)
        if k < len(specific) and not (
                active.words and _cuts_word(name, k, active)):
            return specific[:k], specific[k:] + generic
    return specific, generic


_SECTIONED = ROAD_CLASSES | {"bridge"}
"""Classes whose generic takes the section words before it (长安南路)."""


def _section_length(specific: str) -> int:
    """How many trailing characters of a road's specific are section words of its generic:
    a direction (长安南路), one of 后前左右直小 (景山后街, 造币左路), or a direction and 小/后/前
    (修文西小巷, 东直门外南后街); two characters or more of specific must remain."""
    n = len(specific)
    if n >= 4 and specific[-2] in SECTION_DIRECTIONALS and specific[-1] in "小后前":
        return 2
    if n >= 3 and specific[-1] in SECTION_MODIFIERS:
        return 1
    return 0


_INNER_JOINING = frozenset("路街巷区县镇乡市省")
"""One-character generics inside a specific that end a part of it (解放路南小街 -> Jiefanglu)."""


def specific_parts(specific: str) -> tuple[tuple[int, int, bool], ...]:
    """Cut a specific at the generics and management-area names it contains: (start, end,
    is an area name) for each part. A generic of two characters or more after two characters
    of a part, and an area name anywhere, are parts of their own (秦汉|新城|市民, 长安|花园);
    a one-character generic of a road or division after two characters of a part ends that
    part if two characters or more follow (解放路|南小, 唐山市|汉沽). No cut inside a protected
    word."""
    if len(specific) < 3:
        return ((0, len(specific), False),)
    return _cached_parts(specific)


@lru_cache(maxsize=65536)
def _cached_parts(specific: str) -> tuple[tuple[int, int, bool], ...]:
    active = lex.active()
    n = len(specific)
    longest = active.longest_word
    cuts: list[tuple[int, int, bool]] = []
    last = 0  # start of the part being built
    i = 0
    while i < n:
        found = False
        for size in range(min(n - i, longest), 1, -1):  # an area name, anywhere
            word = specific[i:i + size]
            if word in active.areas:
                if i > last:
                    cuts.append((last, i, False))
                cuts.append((i, i + size, True))
                last = i = i + size
                found = True
                break
        if found:
            continue
        if i - last >= 2:
            for size in range(min(n - i, longest), 1, -1):  # a generic of two syllables or more
                word = specific[i:i + size]
                if word in active.generics and not _inside_word(specific, i, i + size):
                    cuts.append((last, i, False))
                    cuts.append((i, i + size, False))
                    last = i = i + size
                    found = True
                    break
            if found:
                continue
            if (specific[i] in _INNER_JOINING and n - i - 1 >= 2
                    and not _inside_word(specific, i, i + 1)):
                cuts.append((last, i + 1, False))
                last = i = i + 1
                continue
        i += 1
    if last < n:
        cuts.append((last, n, False))
    return tuple(cuts)


def _inside_word(text: str, start: int, end: int) -> bool:
    """True if a protected word of the lexicon covers a boundary of ``text[start:end]``."""
    active = lex.active()
    words, pairs = active.words, active.word_pairs
    crossed_start = start > 0 and text[start - 1:start + 1] in pairs
    crossed_end = end < len(text) and text[end - 1:end + 1] in pairs
    if not words or not (crossed_start or crossed_end):
        return False  # neither boundary lies between two characters of a protected word
    for a in range(max(0, start - 6), end):
        for b in range(a + 2, min(len(text), a + 8) + 1):
            if (a < start < b or a < end < b) and text[a:b] in words:
                return True
    return False


lex.register_cache(_split.cache_clear)
lex.register_cache(generic_class.cache_clear)
lex.register_cache(_cached_parts.cache_clear)


_ETHNIC: tuple[str, ...] = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)
ETHNIC_GROUPS: tuple[str, ...] = tuple(sorted(_ETHNIC, key=len, reverse=True))
"""The 55 minority nationalities (and 各, as in 各族自治县), longest first."""

_ETHNIC_GENERICS = ("自治区", "自治州", "自治县", "自治旗", "区", "乡", "镇", "苏木")
"""Generics an ethnic part may precede: autonomous areas (宁夏回族自治区) and the ethnic
districts and townships (顺河回族区, 梅里斯达斡尔族区, 民族乡 like 七家回族乡)."""


def _split_ethnic(name: str) -> tuple[str, str] | None:
    if "自治" not in name and "族" not in name:
        return None
    for generic in _ETHNIC_GENERICS:
        if not name.endswith(generic) or len(name) <= len(generic):
            continue
        head = name[: -len(generic)]
        autonomous = generic.startswith("自治")
        ethnic = ""
        while head:
            for group in ETHNIC_GROUPS:
                for form in (group + "族", group):
                    bare = form == group
                    if bare and (not autonomous or len(group) < 2 or len(head) - len(form) < 2):
                        continue
                    if head.endswith(form) and len(head) > len(form):
                        ethnic = form + ethnic
                        head = head[: -len(form)]
                        break
                else:
                    continue
                break
            else:
                break
        if autonomous:
            return head, ethnic + generic
        if ethnic and len(head) >= 2 and ethnic != "各族":
            return head, ethnic + generic
    return None


STATISTICAL_GROUPINGS: frozenset[str] = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
"""Rows of the NBS lists that group divisions for statistics and are no name of their own
(1101 市辖区, 5002 县, 4190 省直辖县级行政区划): they get no keys and are never screened."""

_PREFECTURE_GENERICS = ("地区", "盟", "自治州", "州")
_COMMUNITY_GENERICS = ("社区", "居委会")


def division_class(level: str, name: str) -> str:
    """The feature class of a division's name, from its level and its generic.

    province → province; city level → prefecture when the name ends in 地区/盟/自治州/州, else
    city; county → county; township → township; village level → community when the name ends
    in 社区/居委会, else village; a management area (西咸新区, 沣东新城) → county. An unknown
    level falls back to the class its generic implies, else county.
    """
    if level in ("province", "county", "township"):
        return level
    if level == "city":
        return "prefecture" if name.endswith(_PREFECTURE_GENERICS) else "city"
    if level == "village":
        return "community" if name.endswith(_COMMUNITY_GENERICS) else "village"
    if level == "management":
        return "county"
    return generic_class(split_name(name)[1]) or "county"
