"""Standardization for departments: their written addresses → the register's standard ones.

Each address goes through the geocoder (:func:`~placenames.ops.search.geocode_one`): the best
standard address with its code, point, quality, score and the reason. A request is bounded
(:data:`MAX_ADDRESSES` of at most :data:`MAX_LENGTH` characters) and leaves one audit event,
under the department's token, saying how many addresses were sent and how they matched.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from ...errors import BadInput
from ...models import AuditEvent
from .addresses import remembering_roads
from .geocode import geocode_one
from .results import QUALITIES, GeocodeMatch

MAX_ADDRESSES = 1000
MAX_LENGTH = 200


def check(texts: Sequence[str]) -> None:
    """BadInput unless there are 1..:data:`MAX_ADDRESSES` strings of at most
    :data:`MAX_LENGTH` characters."""
    if not 1 <= len(texts) <= MAX_ADDRESSES:
        raise BadInput(f"每次提交 1 至 {MAX_ADDRESSES} 条地址 / send 1 to {MAX_ADDRESSES} "
                       "addresses at a time")
    too_long = [i for i, t in enumerate(texts) if len(t) > MAX_LENGTH]
    if too_long:
        raise BadInput(f"第 {too_long[0] + 1} 条地址超过 {MAX_LENGTH} 字 / address "
                       f"{too_long[0] + 1} is longer than {MAX_LENGTH} characters")


def standardize(session: Session, texts: Sequence[str]) -> list[GeocodeMatch]:
    """The best standard address for each text, in order (reads only; a text that cannot be
    searched gives a ``none`` match saying why)."""
    check(texts)
    with remembering_roads(session):
        return [geocode_one(session, t) for t in texts]


def record(session: Session, matches: Sequence[GeocodeMatch], *, token_id: uuid.UUID,
           now: datetime) -> AuditEvent:
    """Add the request's audit event: how many addresses, how many of each quality."""
    counts = Counter(m.quality for m in matches)
    summary = ", ".join(f"{q} {counts[q]}" for q in QUALITIES)
    event = AuditEvent(at=now, actor_id=None, token_id=token_id, entity_type="api_token",
                       entity_id=str(token_id), action="standardize",
                       note=f"{len(matches)} addresses: {summary}")
    session.add(event)
    return event
