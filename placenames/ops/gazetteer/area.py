"""The chapters of a gazetteer: which jurisdictions an area code covers, and in what order.

An area is a management area (the New Area, or one new city). When it manages new cities of
its own (management areas whose parent it is), each new city is a part of the book: first a
chapter for the names the register puts on the new city itself (roads that cross townships),
then one chapter per township it manages, by code. Otherwise its own townships are the
chapters. A township's chapter also holds the names of its villages and communities. Names
put on the area itself come first. The arrangement is today's (see the package's docstring).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Jurisdiction, Level, ManagementMembership


@dataclass
class ChapterFrame:
    """A chapter to be: its jurisdiction, title, part, and the ids whose names it holds."""

    code: str
    title: str
    part: str
    ids: set[uuid.UUID] = field(default_factory=set)


def find_area(session: Session, code: str) -> Jurisdiction:
    """The management area ``code``; :class:`NotFound` (with the codes there are) when there
    is none."""
    code = (code or "").strip()
    area = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code,
                                                     Jurisdiction.level == Level.MANAGEMENT))
    if area is None:
        known = "、".join(session.scalars(select(Jurisdiction.code).where(
            Jurisdiction.level == Level.MANAGEMENT).order_by(Jurisdiction.code).limit(20)))
        raise NotFound(f"没有代码为“{code}”的管理区域（新区、新城）。可选：{known or '无'}。 / "
                       f"There is no management area {code!r}; known: {known or 'none'}.")
    return area


def _members(session: Session, area: Jurisdiction) -> list[Jurisdiction]:
    return list(session.scalars(
        select(Jurisdiction).join(ManagementMembership,
                                  ManagementMembership.member_id == Jurisdiction.id)
        .where(ManagementMembership.area_id == area.id,
               Jurisdiction.level != Level.MANAGEMENT)
        .order_by(Jurisdiction.code)))


def _with_villages(session: Session, chapters: list[ChapterFrame]) -> None:
    """Add each township's villages and communities to its chapter's ids."""
    by_parent = {i: c for c in chapters for i in c.ids}
    parents = list(by_parent)
    for start in range(0, len(parents), 500):
        for jid, parent in session.execute(select(Jurisdiction.id, Jurisdiction.parent_id).where(
                Jurisdiction.parent_id.in_(parents[start:start + 500]),
                Jurisdiction.level == Level.VILLAGE)):
            if parent is not None:
                by_parent[parent].ids.add(jid)


def chapter_frames(session: Session, area: Jurisdiction) -> list[ChapterFrame]:
    """The book's chapters in order (see the module's docstring); each jurisdiction once."""
    cities = list(session.scalars(select(Jurisdiction).where(
        Jurisdiction.parent_id == area.id, Jurisdiction.level == Level.MANAGEMENT)
        .order_by(Jurisdiction.code)))
    out = [ChapterFrame(area.code, f"{area.name}直管", "", {area.id})]
    seen = {area.id}
    for city in cities:
        out.append(ChapterFrame(city.code, f"{city.name}跨镇街", city.name, {city.id}))
        seen.add(city.id)
        for t in _members(session, city):
            if t.id not in seen:
                out.append(ChapterFrame(t.code, t.name, city.name, {t.id}))
                seen.add(t.id)
    for t in _members(session, area):  # townships of the area no new city manages
        if t.id not in seen:
            out.append(ChapterFrame(t.code, t.name, area.name if cities else "", {t.id}))
            seen.add(t.id)
    _with_villages(session, out)
    return out
