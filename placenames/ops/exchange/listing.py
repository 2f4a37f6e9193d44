"""Lists of the exchange API: filters, keyset pages with opaque cursors, validators.

Every list is in a fixed order (names, addresses, plates and announcements by id,
jurisdictions by code) and a page starts after the last key of the one before: a cursor
names that key, so a record inserted while a client walks the list never shifts the pages
(it shows up later in the walk if its key comes after the cursor), and no record is read
twice. A cursor is the key signed with the app's secret and the list's name
(``base64url(payload).signature``), so a garbled, truncated or edited cursor, or one from
another list, is refused with :class:`BadCursor` instead of starting somewhere unexpected.

The lists of register records have a cheap validator: the map version
(:func:`placenames.models.versions.map_version`) changes with every committed change of a
name, address, plate or jurisdiction, so (version, list, arguments) names a page's content
and a client's ``If-None-Match`` is answered 304 before any query runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ...errors import BadInput
from ...models import Address, Jurisdiction, Place, Plate
from ...models.places import HISTORICAL, PLAN_ONLY
from ...models.versions import map_version
from ...models.workflow import Application
from ...plates.ids import PlateIdError, normalize_plate_id
from ..procedure import publication
from . import records

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
REPRESENTATION = "1"
"""Bump when a record's representation changes, so every list's validator changes with it."""


class BadCursor(BadInput):
    """A cursor this list did not hand out."""


# --- cursors -----------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, kind: str, payload: str) -> str:
    mac = hmac.new(secret, f"cursor:{kind}:{payload}".encode("utf-8", "surrogatepass"),
                   hashlib.sha256)
    return _b64(mac.digest()[:12])


def encode_cursor(secret: bytes, kind: str, key: str) -> str:
    """The opaque cursor of list ``kind`` that starts after ``key``."""
    payload = _b64(json.dumps([key], separators=(",", ":")).encode())
    return f"{payload}.{_signature(secret, kind, payload)}"


def decode_cursor(secret: bytes, kind: str, cursor: str) -> str:
    """The key a cursor of list ``kind`` starts after; :class:`BadCursor` if it is not one
    this list handed out."""
    bad = BadCursor("cursor 无效：请使用上一页返回的 next_cursor，或不带 cursor 从头读取 / "
                    "invalid cursor: pass the next_cursor of the previous page unchanged, or "
                    "leave cursor out to start from the beginning")
    payload, _, signature = cursor.partition(".")
    expected = _signature(secret, kind, payload).encode()
    if not payload or not hmac.compare_digest(signature.encode("utf-8", "surrogatepass"),
                                              expected):
        raise bad
    try:
        key = json.loads(_unb64(payload))[0]
    except (ValueError, binascii.Error, IndexError, KeyError, TypeError):
        raise bad from None
    if not isinstance(key, str):
        raise bad
    return key


# --- pages -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """A page of a list: its records and the cursor of the next page (None at the end)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class Listing:
    """How to page one list: its select (already filtered and ordered by ``key``), the key
    column, how a key reads from a cursor and from a row, and the row's record."""

    kind: str
    stmt: Select[Any]
    key: Any
    parse_key: Callable[[str], Any]
    row_key: Callable[[Any], str]
    record: Callable[[Any], dict[str, Any]]


def _uuid_key(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def page(session: Session, listing: Listing, *, secret: bytes, cursor: str | None,
         limit: int = DEFAULT_LIMIT) -> Page:
    """The ``limit`` records after ``cursor`` (from the start without one)."""
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = listing.stmt
    if cursor:
        text = decode_cursor(secret, listing.kind, cursor)
        try:
            after = listing.parse_key(text)
        except ValueError:
            raise BadCursor("cursor 无效 / invalid cursor") from None
        stmt = stmt.where(listing.key > after)
    rows = session.execute(stmt.limit(limit + 1)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [listing.record(row) for row in rows]
    next_cursor = encode_cursor(secret, listing.kind, listing.row_key(rows[-1])) \
        if more and rows else None
    return Page(items, next_cursor)


# --- the lists ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class NameFilters:
    """Filters of ``/api/v1/names``; ``historical`` adds renamed and cancelled names (asking
    for one of those statuses implies it); the naming plan's reserved and released names are
    listed only when their status is asked for."""

    cls: str | None = None
    status: str | None = None
    division: str | None = None
    name: str | None = None
    updated_since: datetime | None = None
    bbox: records.BBox | None = None
    historical: bool = False


def names(session: Session, f: NameFilters) -> Listing:
    """The names list."""
    historical = f.historical or (f.status is not None and f.status in HISTORICAL)
    plan_names = f.status is not None and f.status in PLAN_ONLY  # asked for by status only
    stmt = records.filter_names(
        records.names_select(historical=historical, plan_names=plan_names),
        session.get_bind(), cls=f.cls,
        status=f.status, division=f.division, name=f.name, updated_since=f.updated_since,
        bbox=f.bbox)
    return Listing("names", stmt, Place.id, _uuid_key, lambda r: str(r["id"]),
                   records.name_record)


@dataclass(frozen=True)
class AddressFilters:
    """Filters of ``/api/v1/addresses``; ``historical`` adds retired addresses."""

    road_id: uuid.UUID | None = None
    jurisdiction: str | None = None
    status: str | None = None
    code: str | None = None
    updated_since: datetime | None = None
    bbox: records.BBox | None = None
    historical: bool = False


def addresses(session: Session, f: AddressFilters) -> Listing:
    """The addresses list."""
    historical = f.historical or (f.status is not None and f.status != "active")
    stmt = records.filter_addresses(
        records.addresses_select(historical=historical), session.get_bind(),
        road_id=f.road_id, jurisdiction=f.jurisdiction, status=f.status, code=f.code,
        updated_since=f.updated_since, bbox=f.bbox)
    return Listing("addresses", stmt, Address.id, _uuid_key, lambda r: str(r["id"]),
                   records.address_record)


@dataclass(frozen=True)
class PlateFilters:
    """Filters of ``/api/v1/plates``."""

    status: str | None = None
    batch_id: uuid.UUID | None = None
    address_code: str | None = None


def plates(session: Session, f: PlateFilters) -> Listing:
    """The plates list (with each plate's QR id: for tokens that may read plates only)."""
    stmt = records.filter_plates(records.plates_select(), status=f.status,
                                 batch_id=f.batch_id, address_code=f.address_code)
    return Listing("plates", stmt, Plate.id, _uuid_key, lambda r: str(r["id"]),
                   records.plate_record)


@dataclass(frozen=True)
class JurisdictionFilters:
    """Filters of ``/api/v1/jurisdictions``."""

    level: str | None = None
    parent: str | None = None
    code: str | None = None


def jurisdictions(session: Session, f: JurisdictionFilters) -> Listing:
    """The jurisdictions list, by code."""
    stmt = records.filter_jurisdictions(records.jurisdictions_select(), level=f.level,
                                        parent=f.parent, code=f.code)
    return Listing("jurisdictions", stmt, Jurisdiction.code, str, lambda r: str(r["code"]),
                   records.jurisdiction_record)


def announcements_page(session: Session, *, kind: str | None, now: datetime, secret: bytes,
                       cursor: str | None, limit: int = DEFAULT_LIMIT) -> Page:
    """A page of the published notices and announcements, by id."""
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = publication.published_select(kind)
    if cursor:
        try:
            after = uuid.UUID(decode_cursor(secret, "announcements", cursor))
        except ValueError:
            raise BadCursor("cursor 无效 / invalid cursor") from None
        stmt = stmt.where(Application.id > after)
    apps = session.scalars(stmt.limit(limit + 1)).all()
    more = len(apps) > limit
    apps = apps[:limit]
    items = [records.announcement_record(session, a, now) for a in apps]
    next_cursor = encode_cursor(secret, "announcements", str(apps[-1].id)) \
        if more and apps else None
    return Page(items, next_cursor)


# --- one record --------------------------------------------------------------------------------

def name(session: Session, name_id: uuid.UUID) -> dict[str, Any] | None:
    """The name ``name_id`` (current or historical), or None."""
    return records.load(session, "name", [name_id]).get(name_id)


def _first(session: Session, stmt: Select[Any],
           record: Callable[[Any], dict[str, Any]]) -> dict[str, Any] | None:
    row = session.execute(stmt.order_by(None).limit(1)).mappings().first()
    return record(row) if row is not None else None


def address(session: Session, code: str) -> dict[str, Any] | None:
    """The address with this code (active or retired), or None."""
    return _first(session, records.addresses_select(historical=True).where(Address.code == code),
                  records.address_record)


def plate(session: Session, plate_id: str) -> dict[str, Any] | None:
    """The plate with this QR id (as printed or typed: case and dashes do not matter)."""
    try:
        plate_id = normalize_plate_id(plate_id)
    except PlateIdError:
        return None
    return _first(session, records.plates_select().where(Plate.plate_id == plate_id),
                  records.plate_record)


def jurisdiction(session: Session, code: str) -> dict[str, Any] | None:
    """The jurisdiction with this code, or None."""
    return _first(session, records.jurisdictions_select().where(Jurisdiction.code == code),
                  records.jurisdiction_record)


def announcement(session: Session, app_id: uuid.UUID, now: datetime) -> dict[str, Any] | None:
    """The published notice or announcement ``app_id``, or None."""
    app = publication.published_one(session, app_id)
    return records.announcement_record(session, app, now) if app is not None else None


# --- validators --------------------------------------------------------------------------------

def register_etag(session: Session, kind: str, args: Mapping[str, Any], secret: bytes) -> str:
    """A validator of a page of a register list (names, addresses, plates, jurisdictions):
    the map version, the list, its arguments and the cursor key's fingerprint (a new secret
    signs different cursors). Read before the page, so it is never newer than the page."""
    fingerprint = _signature(secret, "etag", "")
    data = json.dumps([REPRESENTATION, kind, map_version(session), fingerprint,
                       sorted((k, str(v)) for k, v in args.items() if v is not None)],
                      ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def body_etag(body: bytes) -> str:
    """A validator of a body (announcements and single records)."""
    return hashlib.sha256(body).hexdigest()[:32]
