"""Lexicon of generic parts (通名) and the feature class each implies; ``split_name``.

A name is a specific part (专名) plus a generic part (通名): 长安(专名)路(通名). The classes are
plain lowercase strings so the database layer can store them as they are.
"""

from __future__ import annotations

from enum import StrEnum


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

GENERICS: dict[str, str] = {
    # roads, streets, lanes
    "路": "road", "公路": "road", "环路": "road", "快速路": "road", "支路": "road",
    "辅路": "road", "道": "road", "线": "road", "段": "road",
    "街": "street", "大街": "street", "步行街": "street", "横街": "street", "正街": "street",
    "大道": "avenue",
    "巷": "lane", "胡同": "lane", "里": "lane", "坊": "lane", "弄": "lane", "条": "lane",
    # bridges and tunnels
    "桥": "bridge", "大桥": "bridge", "立交桥": "bridge", "立交": "bridge", "高架桥": "bridge",
    "天桥": "bridge", "高架": "bridge",
    "隧道": "tunnel", "地道": "tunnel", "涵洞": "tunnel",
    # squares and parks
    "广场": "square",
    "公园": "park", "游园": "park", "绿地": "park",
    # residential areas
    "小区": "residential", "苑": "residential", "园": "residential", "花园": "residential",
    "家园": "residential", "府": "residential", "庭": "residential", "公寓": "residential",
    "山庄": "residential", "新村": "residential", "佳苑": "residential", "雅苑": "residential",
    "名苑": "residential", "花苑": "residential", "华庭": "residential", "华府": "residential",
    "公馆": "residential", "家属院": "residential", "宿舍": "residential", "居": "residential",
    "湾": "residential", "郡": "residential", "邸": "residential", "院": "residential",
    # buildings
    "大厦": "building", "中心": "building", "楼": "building", "大楼": "building",
    "商厦": "building", "写字楼": "building", "综合楼": "building", "塔": "building",
    "馆": "building", "座": "building", "酒店": "building", "商场": "building",
    # villages and communities
    "村": "village", "庄": "village", "堡": "village", "营": "village", "寨": "village",
    "屯": "village", "铺": "village", "村委会": "village",
    "社区": "community", "居委会": "community",
    # administrative units
    "镇": "township", "乡": "township", "街道": "township", "街道办事处": "township",
    "苏木": "township", "民族乡": "township",
    "区": "county", "县": "county", "旗": "county", "新区": "county", "林区": "county",
    "特区": "county", "自治县": "county", "自治旗": "county", "新城": "county",
    "地区": "prefecture", "盟": "prefecture", "自治州": "prefecture", "州": "prefecture",
    "市": "city",
    "群岛": "island", "列岛": "island",
    "省": "province", "自治区": "province", "特别行政区": "province",
}  # fmt: skip
"""通名 -> class. The longest generic that ends a name wins (大街 over 街, 立交桥 over 桥)."""

VILLAGE_GENERICS: frozenset[str] = frozenset({"村", "庄", "堡", "营", "寨", "屯", "铺"})
"""Generics that have become part of the name: the whole name is written as one word (Wangcun)."""

SECTION_DIRECTIONALS = frozenset("东西南北中")
"""Single-syllable section words between 专名 and 通名 that belong to the generic (长安南路)."""

_MAX_GENERIC = max(len(g) for g in GENERICS)


def generic_class(generic: str) -> str | None:
    """Return the class implied by a generic (通名), ignoring a leading section word."""
    if generic in GENERICS:
        return GENERICS[generic]
    if len(generic) > 1 and generic[0] in SECTION_DIRECTIONALS:
        return GENERICS.get(generic[1:])
    return None


def _longest_generic(name: str) -> str:
    for size in range(min(_MAX_GENERIC, len(name) - 1), 0, -1):
        if name[-size:] in GENERICS:
            return name[-size:]
    return ""


def split_name(name: str, cls: str | None = None) -> tuple[str, str]:
    """Split a cleaned name into (specific 专名, generic 通名) by the longest generic suffix.

    A section word (东西南北中) standing between a specific of two or more characters and a
    road generic joins the generic: 长安南路 -> ("长安", "南路"). Positional words (内外前后)
    stay with the specific: 朝阳门内大街 -> ("朝阳门内", "大街"). Autonomous-area generics keep
    their ethnic part: 宁夏回族自治区 -> ("宁夏", "回族自治区").

    Args:
        name: a name already passed through ``clean_name``.
        cls: the feature class, if known. It does not change the split; it is accepted so that
            callers can pass what they have.

    Returns:
        (specific, generic); generic is "" when no known generic ends the name, and a name that
        is only a generic (e.g. "大街") is returned as (name, "").
    """
    del cls
    auto = _split_autonomous(name)
    if auto is not None:
        return auto
    generic = _longest_generic(name)
    if not generic:
        return name, ""
    specific = name[: -len(generic)]
    if (
        len(specific) >= 3
        and specific[-1] in SECTION_DIRECTIONALS
        and GENERICS[generic] in ROAD_CLASSES | {"bridge"}
    ):
        return specific[:-1], specific[-1] + generic
    return specific, generic


_ETHNIC: tuple[str, ...] = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)
ETHNIC_GROUPS: tuple[str, ...] = tuple(sorted(_ETHNIC, key=len, reverse=True))
"""The 55 minority nationalities (and 各, as in 各族自治县), longest first."""


def _split_autonomous(name: str) -> tuple[str, str] | None:
    for generic in ("自治区", "自治州", "自治县", "自治旗"):
        if name.endswith(generic) and len(name) > len(generic):
            head = name[: -len(generic)]
            ethnic = ""
            while head:
                for group in ETHNIC_GROUPS:
                    for form in (group + "族", group):
                        bare = form == group
                        if bare and (len(group) < 2 or len(head) - len(form) < 2):
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
