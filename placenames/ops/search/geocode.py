"""Geocoding: a written address to standard addresses with a point, a score and a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...search.query import QueryError, parse_query
from . import addresses
from .lookup import check_limit
from .results import GeocodeMatch

REASONS: dict[str, tuple[str, str]] = {
    "exact": ("完全匹配。", "Every part matched."),
    "code": ("按地址代码找到。", "Found by its address code."),
    "plate": ("按门牌编号找到。", "Found by its plate id."),
    "road_by_sound": ("道路名称按读音或近似字找到，请核对。",
                      "The road was found by its sound or a near spelling; check it."),
    "number_not_found": ("该道路上没有这个门牌号，给出最近的号。",
                         "The road has no such number; the nearest number is given."),
    "incomplete": ("门牌号不完整。", "The house number is incomplete."),
    "no_number": ("没有门牌号，只找到道路。", "No house number was given; only the road matched."),
    "sub_number_differs": ("附号不符。", "The sub-number differs."),
    "building_differs": ("楼号不符。", "The building differs."),
    "unit_differs": ("单元不符。", "The unit differs."),
    "room_differs": ("室号不符。", "The room differs."),
    "jurisdiction_differs": ("所写的行政区划或管理区与该地址不符。",
                             "The area written does not agree with the address."),
    "road_not_found": ("登记簿中没有这条道路。", "The road is not in the register."),
    "no_road": ("没有识别出道路名称。", "No road name was recognised."),
    "no_address_parts": ("不是地址：没有道路或门牌号。", "Not an address: no road or number."),
    "empty": ("地址为空。", "The address is empty."),
}


def _none(text: str, code: str, zh: str | None = None, en: str | None = None) -> GeocodeMatch:
    dz, de = REASONS.get(code, (code, code))
    return GeocodeMatch(query=text, quality="none", score=0.0, reason_code=code,
                        reason=zh or dz, reason_en=en or de)


def geocode(session: Session, text: str, *, limit: int = 5) -> list[GeocodeMatch]:
    """Standard addresses for a written address, best first; never empty (a ``none`` match
    says why nothing fits). Raises :class:`QueryError` for text that cannot be searched."""
    query = parse_query(text)
    check_limit(limit)
    found = addresses.find(session, query, limit=limit)
    if not found.matches:
        return [_none(text, found.reason)]
    out = []
    for m in found.matches:
        zh, en = REASONS.get(m.reason_code, (m.reason_code, m.reason_code))
        a = m.address
        out.append(GeocodeMatch(
            query=text, quality=m.quality, score=m.score, reason_code=m.reason_code,
            reason=zh, reason_en=en, address_id=str(a.id), code=a.code, address=a.full_text,
            lon=float(m.lon) if m.lon is not None else None,
            lat=float(m.lat) if m.lat is not None else None, matched=m.matched))
    return out


def geocode_one(session: Session, text: str) -> GeocodeMatch:
    """The best match for one cell of a spreadsheet: a blank or unusable cell gives a
    ``none`` match with the reason, never an exception."""
    if not text or not text.strip():
        return _none(text, "empty")
    try:
        return geocode(session, text, limit=1)[0]
    except QueryError as exc:
        return _none(text, exc.code, exc.zh, exc.en)
