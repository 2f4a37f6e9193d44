"""The map's layers: what each holds, from which zoom, and how much detail a tile keeps.

The rules are pure data so the tile server, the map page's style and the tests read the same
table. A name class appears from the zoom at which a person would look for it: avenues from the
city view, lanes and buildings only when streets are readable. Addresses and plates are door
points, shown from zoom 15.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

# class → first zoom at which the class is in the names layer (its order is the importance
# by which a crowded tile keeps its features)
CLASS_MIN_ZOOM: dict[str, int] = {
    "avenue": 8, "road": 11, "village": 11, "bridge": 12, "tunnel": 12, "street": 13,
    "community": 13, "square": 13, "park": 13, "lane": 14, "residential": 14,
    "building": 14,
}
DETAIL_ZOOM = 15
"""From this zoom a name carries its pinyin, status and class code (labels show pinyin from 16);
below it, what the map draws and links: id, name, class and status group."""
MAX_FEATURES = 1000
"""At most this many features of one layer in one tile: the most important (by class, then the
longest) are kept, as tile makers drop the densest features at small scales."""
DEFAULT_CLASS_MIN_ZOOM = 12

NOT_ON_NAMES_LAYER = ("reserved", "released")
"""Place statuses the names layer never carries: a reserved name (备用地名) is drawn on the
``planned`` layer, and only as planned; a released one is nowhere on the map."""
PLANNED_PLAN_STATUSES_PUBLIC = ("approved",)
"""Plan statuses whose reserved names the public tiles carry (as planned names); staff
tiles (:data:`PLANNED_STAFF_ATTRIBUTES`) carry the reserved names of every plan."""
PLANNED_STAFF_ATTRIBUTES = ("plan_status", "taken")
"""What the staff tiles of the planned layer add to its public attributes: the plan's status
and whether an application holds the name (1) or not (0)."""

# Place statuses and how the map groups them (historical ones are hidden by default)
STATUS_GROUP: dict[str, str] = {
    "in_force": "in_force", "approved": "in_force",
    "proposed": "in_procedure", "in_procedure": "in_procedure",
    "reserved": "reserved",
    "renamed": "historical", "cancelled": "historical",
}

# jurisdiction level → first zoom at which its outline is drawn
LEVEL_MIN_ZOOM: dict[str, int] = {
    "province": 0, "city": 5, "management": 7, "county": 7, "township": 10, "village": 13,
}


@dataclass(frozen=True)
class Layer:
    """A vector-tile layer: its name, zoom range and the attributes every feature carries."""

    name: str
    min_zoom: int
    max_zoom: int
    attributes: tuple[str, ...]

    def serves(self, z: int) -> bool:
        """True when tiles of zoom ``z`` carry this layer's features."""
        return self.min_zoom <= z <= self.max_zoom


LAYERS: dict[str, Layer] = {
    "names": Layer("names", 8, 22, ("id", "name", "cls", "group", "pinyin", "status",
                                    "class_code")),
    "planned": Layer("planned", 10, 22, ("id", "name", "cls", "pinyin", "plan_code", "plan",
                                         "theme")),
    "addresses": Layer("addresses", 15, 22, ("id", "code", "label", "full_text", "road_id",
                                             "status")),
    "plates": Layer("plates", 15, 22, ("id", "plate_id", "status", "address_code")),
    "jurisdictions": Layer("jurisdictions", 0, 22, ("id", "code", "name", "level")),
}


def class_rank(cls: str) -> int:
    """Importance of a class in a crowded tile: lower is kept first."""
    return CLASS_MIN_ZOOM.get(cls, DEFAULT_CLASS_MIN_ZOOM)


def layer(name: str) -> Layer:
    """The layer called ``name``, or KeyError."""
    return LAYERS[name]


def classes_at(z: int) -> list[str]:
    """Name classes shown at zoom ``z`` (known classes only; others from the default zoom)."""
    return sorted(c for c, first in CLASS_MIN_ZOOM.items() if first <= z)


def other_classes_shown(z: int) -> bool:
    """True when classes outside :data:`CLASS_MIN_ZOOM` are shown at zoom ``z``."""
    return z >= DEFAULT_CLASS_MIN_ZOOM


def levels_at(z: int) -> list[str]:
    """Jurisdiction levels whose outlines are drawn at zoom ``z``."""
    return sorted(lv for lv, first in LEVEL_MIN_ZOOM.items() if first <= z)


def status_group(status: str) -> str:
    """The map's status group of a place status: in_force, in_procedure, reserved, historical."""
    return STATUS_GROUP.get(status, "in_procedure")


def feature_id(record_id: uuid.UUID) -> int:
    """The vector-tile feature id of a record: the top 52 bits of its UUID.

    52 bits keep the id exact in JavaScript numbers (MapLibre's feature state) and make a
    collision within one tile practically impossible. Both backends compute the same id.
    """
    return record_id.int >> 76


def number_label(number: int | None, suffix: str | None) -> str:
    """The short door label drawn at an address point: 7号, 12-1号 (empty when unnumbered)."""
    if number is None:
        return ""
    return f"{number}-{suffix}号" if suffix else f"{number}号"
