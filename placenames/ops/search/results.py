"""What the search, the geocoder and the reverse geocoder return: plain data, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ...search.query import Query


@dataclass
class Hit:
    """One result: a name (``kind="name"``) or a standard address (``kind="address"``).

    ``matched`` says how it was found: ``exact``, ``prefix``, ``substring``, ``pinyin``,
    ``initials``, ``homophone``, ``typo``, ``code`` (an address code), ``plate`` (a plate id)
    or ``address`` (an address read from its parts). ``spans`` are the [start, end) character
    ranges of ``label`` that matched, for highlighting. A historical name (renamed,
    cancelled) or a match on an alias or former name (``via``/``via_kind``) carries the
    current name it points to (``current_id``/``current_name``).
    """

    kind: str
    id: str
    label: str
    matched: str
    score: float
    spans: list[tuple[int, int]] = field(default_factory=list)
    cls: str | None = None
    status: str = ""
    romanization: str | None = None
    historical: bool = False
    via: str | None = None
    via_kind: str | None = None
    current_id: str | None = None
    current_name: str | None = None
    code: str | None = None
    lon: float | None = None
    lat: float | None = None
    bbox: list[float] | None = None
    distance_m: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = asdict(self)
        out["spans"] = [list(s) for s in self.spans]
        return out


@dataclass
class SearchResult:
    """Results grouped into names and addresses, best first."""

    query: Query
    names: list[Hit] = field(default_factory=list)
    addresses: list[Hit] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the API's answer)."""
        return {"q": self.query.raw, "names": [h.as_dict() for h in self.names],
                "addresses": [h.as_dict() for h in self.addresses]}


QUALITIES = ("exact", "partial", "none")


@dataclass
class GeocodeMatch:
    """A standard address found for a free-text address, or ``quality="none"`` and why.

    ``quality``: ``exact`` (every part given was found: road, number and the building, unit
    and room when given, with no conflicting jurisdiction), ``partial`` (the road was found
    but not every part, or only by sound; the point is then the nearest known one), ``none``.
    ``matched`` lists the parts found (``road``, ``number``, ``building``, ``unit``, ``room``,
    ``township``, ``subarea``…). ``reason_code``/``reason``/``reason_en`` explain the quality.
    """

    query: str
    quality: str
    score: float
    reason_code: str
    reason: str
    reason_en: str
    address_id: str | None = None
    code: str | None = None
    address: str | None = None
    lon: float | None = None
    lat: float | None = None
    matched: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class ReverseResult:
    """Nearest addresses and names around a point, nearest first, with ``distance_m``."""

    lon: float
    lat: float
    radius_m: float
    addresses: list[Hit] = field(default_factory=list)
    names: list[Hit] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"lon": self.lon, "lat": self.lat, "radius_m": self.radius_m,
                "addresses": [h.as_dict() for h in self.addresses],
                "names": [h.as_dict() for h in self.names]}
