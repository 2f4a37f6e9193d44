"""Writing, reviewing and publishing name stories (地名故事), and their photos.

Every change goes through the one guard (:func:`placenames.workflow.stories.decide`) and leaves
an audit event (``entity_type`` ``story``). Photos are checked and re-encoded as the
procedure's site photos are (:mod:`placenames.ops.procedure.uploads`: JPEG, PNG or WebP, EXIF
dropped) and stored under the story folder with random names. The caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict, GuardRefused, NotFound
from ...models import AuditEvent, NameStory, Place, StoryPhoto, User
from ...models.places import PLAN_ONLY
from ...storage import Shelf
from ...workflow import stories as guard
from ...workflow.errors import WorkflowError
from ...workflow.stories import StoryAction, StoryState
from ..procedure import uploads

MAX_PHOTOS = 8
STALE_MSG = ("这篇地名故事已被他人修改，请刷新后重试。",
             "Someone else changed this story meanwhile; reload it and try again.")


@dataclass(frozen=True)
class StoryInput:
    """What staff typed for a story."""

    meaning: str
    origin: str
    sources: str


def decide(state: str, action: StoryAction, actor: User, *, author_id: uuid.UUID | None = None
           ) -> StoryState:
    """The story guard for ``actor``, its refusals as :class:`GuardRefused` (403/409)."""
    try:
        return guard.decide(state, action, roles=actor.role_set(),
                            actor_is_author=author_id is not None and author_id == actor.id)
    except WorkflowError as exc:
        raise GuardRefused(exc) from None


def validate(data: StoryInput) -> dict[str, str]:
    """The typed text, cleaned; :class:`GuardRefused` (400) says what is wrong."""
    try:
        return guard.validate(data.meaning, data.origin, data.sources)
    except WorkflowError as exc:
        raise GuardRefused(exc) from None


def story_of(session: Session, place_id: uuid.UUID | str) -> NameStory | None:
    """The story of a place, if one was started."""
    return session.scalar(select(NameStory).where(NameStory.place_id == _uuid(place_id)))


def get(session: Session, story_id: uuid.UUID | str) -> NameStory:
    """A story by id, or :class:`NotFound`."""
    story = session.get(NameStory, _uuid(story_id))
    if story is None:
        raise NotFound(f"没有这篇地名故事 / no such story: {str(story_id)[:40]}")
    return story


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"没有这个记录 / no such record: {str(value)[:40]}") from None


def _event(session: Session, story: NameStory, action: StoryAction, before: str, after: str,
           actor: User, now: datetime, note: str | None = None) -> None:
    """An audit event, its action ``story_<action>`` (the audit log's codes are shared by
    every kind of record: a story's submission is not an application's)."""
    session.add(AuditEvent(at=now, actor_id=actor.id, entity_type="story",
                           entity_id=str(story.id), action=f"story_{action}", from_state=before,
                           to_state=after, note=note))


def _check_version(story: NameStory, expected: int | None) -> None:
    if expected is not None and story.version != expected:
        raise Conflict(f"{STALE_MSG[0]} / {STALE_MSG[1]}")


def start(session: Session, place_id: uuid.UUID | str, data: StoryInput, *, actor: User,
          now: datetime) -> NameStory:
    """Start the story of a name of the register (one per name): a draft by ``actor``."""
    place = session.get(Place, _uuid(place_id))
    if place is None or place.status in PLAN_ONLY:
        raise NotFound(f"登记簿中没有这个地名 / no such name in the register: {place_id}")
    if story_of(session, place.id) is not None:
        raise Conflict("这个地名已有故事，请修改原稿 / this name has a story already; edit it")
    decide(StoryState.DRAFT, StoryAction.EDIT, actor)
    values = validate(data)
    story = NameStory(place_id=place.id, status=StoryState.DRAFT, author_id=actor.id,
                      created_at=now, updated_at=now, **values)
    session.add(story)
    session.flush()
    _event(session, story, StoryAction.EDIT, StoryState.DRAFT, StoryState.DRAFT, actor, now,
           note="开始撰写 / started")
    return story


def edit(session: Session, story: NameStory, data: StoryInput, *, actor: User, now: datetime,
         expected_version: int | None = None) -> None:
    """Change a draft's text; the editor becomes its author (the one whom review excludes)."""
    _check_version(story, expected_version)
    decide(story.status, StoryAction.EDIT, actor)
    values = validate(data)
    for key, value in values.items():
        setattr(story, key, value)
    story.author_id = actor.id
    story.updated_at = now
    _event(session, story, StoryAction.EDIT, story.status, story.status, actor, now)


def act(session: Session, story: NameStory, action: StoryAction | str, *, actor: User,
        now: datetime, note: str | None = None, expected_version: int | None = None) -> str:
    """Submit, publish, return (with ``note``, required) or revise a story; its new state."""
    _check_version(story, expected_version)
    action = StoryAction(str(action))
    if action in (StoryAction.EDIT, StoryAction.MARK_HERITAGE):
        raise ValueError(f"use edit() or mark_heritage() for {action}")
    before = story.status
    target = decide(before, action, actor, author_id=story.author_id)
    note = (note or "").strip() or None
    if action is StoryAction.RETURN and not note:
        raise BadInput("退回时请说明需要修改的地方 / say what to change when returning a story")
    if action is StoryAction.PUBLISH:
        story.reviewer_id, story.published_at, story.review_note = actor.id, now, None
    elif action is StoryAction.RETURN:
        story.reviewer_id, story.review_note = actor.id, note
    elif action is StoryAction.REVISE:
        story.published_at = None
    story.status = target
    story.updated_at = now
    _event(session, story, action, before, target, actor, now, note=note)
    return target


def mark_heritage(session: Session, story: NameStory, heritage: bool, *, actor: User,
                  now: datetime, note: str | None = None) -> None:
    """Set or clear the 地名文化遗产 mark of the story's name."""
    decide(story.status, StoryAction.MARK_HERITAGE, actor)
    if story.heritage == heritage:
        return
    story.heritage = heritage
    story.updated_at = now
    _event(session, story, StoryAction.MARK_HERITAGE, story.status, story.status, actor, now,
           note=("地名文化遗产 / heritage" if heritage else "取消地名文化遗产 / not heritage")
           + (f": {note}" if note else ""))


def add_photo(session: Session, story: NameStory, folder: Shelf, original_name: str, raw: bytes,
              caption: str, source: str, *, actor: User, now: datetime) -> StoryPhoto:
    """Add a checked photo with its caption and source (both required) to a draft."""
    decide(story.status, StoryAction.EDIT, actor)
    caption, source = (caption or "").strip(), (source or "").strip()
    if not caption or not source:
        raise BadInput("请填写照片的说明和来源 / give the photo's caption and its source")
    if len(caption) > 200 or len(source) > 200:
        raise BadInput("说明和来源各至多 200 字 / caption and source: 200 characters each")
    count = session.scalar(select(func.count()).where(StoryPhoto.story_id == story.id)) or 0
    if count >= MAX_PHOTOS:
        raise BadInput(f"每篇故事至多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos a story")
    photo = uploads.clean_photo(original_name, raw)
    stored = uploads.store_photos([photo], folder.sub(str(story.id)))[0]
    row = StoryPhoto(story_id=story.id, position=count, path=f"{story.id}/{stored['file']}",
                     width=photo.width, height=photo.height, caption=caption, source=source,
                     created_at=now)
    session.add(row)
    story.updated_at = now
    _event(session, story, StoryAction.EDIT, story.status, story.status, actor, now,
           note=f"添加照片 / photo added: {caption}")
    return row


def remove_photo(session: Session, story: NameStory, photo_id: uuid.UUID | str, *,
                 actor: User, now: datetime) -> str:
    """Remove a photo from a draft; its file (relative to the stories' shelf) to delete once
    the change is committed."""
    decide(story.status, StoryAction.EDIT, actor)
    photo = session.get(StoryPhoto, _uuid(photo_id))
    if photo is None or photo.story_id != story.id:
        raise NotFound("这篇故事没有这张照片 / the story has no such photo")
    session.delete(photo)
    story.updated_at = now
    _event(session, story, StoryAction.EDIT, story.status, story.status, actor, now,
           note=f"删除照片 / photo removed: {photo.caption}")
    return photo.path
