"""Name stories as the public reads them: published stories only.

The record page and the scan page show a name's published story (:func:`published_story`);
``/stories`` lists them (:func:`published_stories`); a photo is served only while its story
is published, or to staff (:func:`photo_path`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import NameStory, Place, StoryPhoto, StoryStatus
from ...models.places import PLAN_ONLY
from ...storage import Shelf
from ..procedure.uploads import CONTENT_TYPES


@dataclass(frozen=True)
class PhotoView:
    """A photo of a published story."""

    id: str
    caption: str
    source: str
    width: int
    height: int


@dataclass(frozen=True)
class StoryView:
    """A published story of one name."""

    place_id: str
    name: str
    romanization: str | None
    cls: str
    status: str  # the name's status (in force, renamed…)
    meaning: str
    origin: str
    sources: str
    heritage: bool
    photos: tuple[PhotoView, ...]


def photos_of(session: Session, story_id: uuid.UUID) -> list[PhotoView]:
    """The photos of one story, in order."""
    return _photos(session, [story_id])[story_id]


def _photos(session: Session, story_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PhotoView]]:
    out: dict[uuid.UUID, list[PhotoView]] = {i: [] for i in story_ids}
    if not story_ids:
        return out
    for p in session.scalars(select(StoryPhoto).where(StoryPhoto.story_id.in_(story_ids))
                             .order_by(StoryPhoto.position, StoryPhoto.created_at)):
        out[p.story_id].append(PhotoView(str(p.id), p.caption, p.source, p.width, p.height))
    return out


def _query():  # type: ignore[no-untyped-def]
    return (select(NameStory, Place).join(Place, Place.id == NameStory.place_id)
            .where(NameStory.status == StoryStatus.PUBLISHED, Place.status.not_in(PLAN_ONLY)))


def _view(story: NameStory, place: Place, photos: list[PhotoView]) -> StoryView:
    return StoryView(str(place.id), place.name, place.romanization, place.cls, place.status,
                     story.meaning, story.origin, story.sources, story.heritage, tuple(photos))


def published_story(session: Session, place_id: uuid.UUID | str | None) -> StoryView | None:
    """The published story of a name, or None."""
    if place_id is None:
        return None
    try:
        pid = place_id if isinstance(place_id, uuid.UUID) else uuid.UUID(str(place_id))
    except ValueError:
        return None
    row = session.execute(_query().where(NameStory.place_id == pid)).first()
    if row is None:
        return None
    story, place = row
    return _view(story, place, _photos(session, [story.id])[story.id])


def published_stories(session: Session, *, heritage_only: bool = False) -> list[StoryView]:
    """Every published story, heritage names first, then by name."""
    stmt = _query().order_by(NameStory.heritage.desc(), Place.name)
    if heritage_only:
        stmt = stmt.where(NameStory.heritage.is_(True))
    rows = session.execute(stmt).all()
    photos = _photos(session, [s.id for s, _p in rows])
    return [_view(s, p, photos[s.id]) for s, p in rows]


def photo_path(session: Session, photo_id: str, folder: Shelf, *, staff: bool
               ) -> tuple[str, str]:
    """The file of a story photo (relative to ``folder``) and its content type;
    :class:`NotFound` unless its story is published (staff see every photo)."""
    try:
        pid = uuid.UUID(photo_id)
    except ValueError:
        raise NotFound("没有这张照片 / no such photo") from None
    photo = session.get(StoryPhoto, pid)
    if photo is None or not staff and photo.story.status != StoryStatus.PUBLISHED:
        raise NotFound("没有这张照片 / no such photo")
    kind = CONTENT_TYPES.get(Path(photo.path).suffix)
    if kind is None or not folder.exists(photo.path):
        raise NotFound("照片文件不存在 / the photo's file is missing")
    return photo.path, kind
