"""Staff pages of name stories (地名故事): ``/staff/stories``.

Office staff start a name's story from its record page or by finding the name here, write its
meaning, origin and sources, add photos with captions and sources, and submit it; someone
other than its author publishes it or returns it with a note; a published story is revised
back to a draft. Clerks mark heritage names (地名文化遗产). Every page is for the roles that
see the procedure; each action goes through the story guard, so a button shown by mistake
still answers 403. A refused form is shown again with the message and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from .. import db
from ..errors import BadInput, PlacenamesError
from ..models import AuditEvent, NameStory, Place, StoryStatus
from ..models.places import PLAN_ONLY
from ..ops import stories
from ..storage import Shelf
from ..workflow.plans import VIEW_ROLES
from ..workflow.stories import (
    ACTION_LABELS_ZH,
    STATE_LABELS_ZH,
    StoryAction,
    StoryState,
    allowed,
)
from .auth import roles_required
from .committee import actor, now
from .forms import form_version
from .labels import enum_label

bp = Blueprint("stories_staff", __name__, url_prefix="/staff/stories")

signed_in = roles_required(VIEW_ROLES, _l("Your roles do not give access to this page."))
TEXT_FIELDS = ("meaning", "origin", "sources")
LIST_LIMIT = 500


def story_folder() -> Shelf:
    """Where story photos are kept: the store's ``stories`` prefix."""
    return Shelf(current_app.extensions["placenames.storage"], "stories")


def story_state_label(state: str) -> str:
    """A story state in the page's language."""
    return enum_label(state, StoryState, STATE_LABELS_ZH)


def story_action_label(action: StoryAction | str) -> str:
    """A story action in the page's language (as the audit log has it, too)."""
    return enum_label(str(action), StoryAction, ACTION_LABELS_ZH, strip="story_",
                      capitalize=True)


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"story_state_label": story_state_label, "story_action_label": story_action_label}


def _input(form: Any) -> stories.StoryInput:
    return stories.StoryInput(meaning=form.get("meaning", ""), origin=form.get("origin", ""),
                              sources=form.get("sources", ""))


@bp.get("")
@signed_in
def index() -> str:
    """Every story by state; a box to find a name and start its story."""
    s = db.session()
    status = request.args.get("status") or None
    if status not in {None, *(x.value for x in StoryState)}:
        status = None
    stmt = (select(NameStory, Place).join(Place, Place.id == NameStory.place_id)
            .order_by(NameStory.updated_at.desc()).limit(LIST_LIMIT))
    if status:
        stmt = stmt.where(NameStory.status == status)
    q = (request.args.get("q") or "").strip()[:60]
    found: list[Place] = []
    if q:
        found = list(s.scalars(select(Place).where(Place.name.startswith(q),
                                                   Place.status.not_in(PLAN_ONLY))
                               .order_by(Place.name).limit(30)))
    started = {p.id for p in found} and set(s.scalars(select(NameStory.place_id).where(
        NameStory.place_id.in_([p.id for p in found]))))
    return render_template("stories/index.html", rows=s.execute(stmt).all(), status=status,
                           q=q, found=found, started=started or set(),
                           may_write="clerk" in actor().role_set())


def _form(place: Place, story: NameStory | None, v: dict[str, str], error: str | None,
          status: int = 200) -> tuple[str, int]:
    return render_template("stories/form.html", place=place, story=story, v=v,
                           error=error), status


@bp.route("/new/<uuid:place_id>", methods=["GET", "POST"])
@signed_in
def new(place_id: Any) -> tuple[str, int] | Response:
    """Start a name's story (clerks); its meaning and origin from the record to begin with."""
    s = db.session()
    place = s.get(Place, place_id)
    if place is None or place.status in PLAN_ONLY:
        raise BadInput(_("No such name in the register."))
    existing = stories.story_of(s, place.id)
    if existing is not None:
        return redirect(url_for(".show", story_id=existing.id))
    if request.method == "GET":
        stories.decide(StoryState.DRAFT, StoryAction.EDIT, actor())
        v = {"meaning": place.meaning or "", "origin": place.history or "", "sources": ""}
        return _form(place, None, v, None)
    v = {k: request.form.get(k, "") for k in TEXT_FIELDS}
    try:
        story = stories.start(s, place.id, _input(request.form), actor=actor(), now=now())
    except PlacenamesError as exc:
        s.rollback()
        return _form(place, None, v, exc.user_msg, exc.http_status)
    s.commit()
    flash(_("Story of %(name)s started as a draft.", name=place.name), "ok")
    return redirect(url_for(".show", story_id=story.id))


@bp.route("/<uuid:story_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(story_id: Any) -> tuple[str, int] | Response:
    """Edit a draft (clerks)."""
    s = db.session()
    story = stories.get(s, story_id)
    if request.method == "GET":
        stories.decide(story.status, StoryAction.EDIT, actor())
        return _form(story.place, story, {k: getattr(story, k) for k in TEXT_FIELDS}, None)
    v = {k: request.form.get(k, "") for k in TEXT_FIELDS}
    try:
        stories.edit(s, story, _input(request.form), actor=actor(), now=now(),
                     expected_version=form_version(request.form))
    except PlacenamesError as exc:
        s.rollback()
        story = stories.get(s, story_id)
        return _form(story.place, story, v, exc.user_msg, exc.http_status)
    s.commit()
    flash(_("Story saved."), "ok")
    return redirect(url_for(".show", story_id=story.id))


def _page(story: NameStory, *, error: str | None = None, v: dict[str, str] | None = None,
          status: int = 200) -> tuple[str, int]:
    s = db.session()
    me = actor()
    roles = me.role_set()
    author = story.author_id == me.id
    events = list(s.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "story", AuditEvent.entity_id == str(story.id))
        .order_by(AuditEvent.at.desc()).limit(50)))
    may = {a.value: allowed(story.status, a, roles=roles, actor_is_author=author)
           for a in StoryAction}
    return render_template("stories/show.html", story=story, place=story.place, may=may,
                           author=author, events=events, error=error, v=v or {},
                           actions=StoryAction, max_photos=stories.MAX_PHOTOS), status


@bp.get("/<uuid:story_id>")
@signed_in
def show(story_id: Any) -> tuple[str, int]:
    """A story with its photos, state, history and the actions open to the viewer."""
    return _page(stories.get(db.session(), story_id))


def _change(story_id: Any, work: Callable[[Session, NameStory], Any],
            done: str | Callable[[Any], str], *,
            v: dict[str, str] | None = None,
            after: Callable[[Any], None] | None = None) -> tuple[str, int] | Response:
    """Run ``work`` on the story and commit, then show the story with ``done``; a refusal
    shows the story page again with the message and what was typed (``v``). ``done`` may be
    made from ``work``'s result; ``after`` gets that result once committed (a removed photo's
    file is deleted then)."""
    s = db.session()
    story = stories.get(s, story_id)
    try:
        result = work(s, story)
    except PlacenamesError as exc:
        s.rollback()
        return _page(stories.get(s, story_id), error=exc.user_msg, v=v, status=exc.http_status)
    s.commit()
    if after is not None:
        after(result)
    flash(done(result) if callable(done) else done, "ok")
    return redirect(url_for(".show", story_id=story.id))


@bp.post("/<uuid:story_id>/act")
@signed_in
def act(story_id: Any) -> tuple[str, int] | Response:
    """Submit, publish, return (with a note) or revise."""
    action, note = request.form.get("action", ""), request.form.get("note", "")

    def work(s: Session, story: NameStory) -> str:
        if action not in {a.value for a in (StoryAction.SUBMIT, StoryAction.PUBLISH,
                                             StoryAction.RETURN, StoryAction.REVISE)}:
            raise BadInput(_("There is no such choice: %(value)s", value=action[:40]))
        return stories.act(s, story, action, actor=actor(), now=now(), note=note,
                           expected_version=form_version(request.form))

    return _change(story_id, work, lambda state: _("The story is now: %(state)s.",
                                                   state=story_state_label(state)),
                   v={"note": note})


@bp.post("/<uuid:story_id>/heritage")
@signed_in
def heritage(story_id: Any) -> tuple[str, int] | Response:
    """Mark or unmark the name as place-name cultural heritage (clerks)."""
    return _change(story_id, lambda s, story: stories.mark_heritage(
        s, story, request.form.get("heritage") == "1", actor=actor(), now=now(),
        note=request.form.get("note") or None), _("Heritage mark saved."))


@bp.post("/<uuid:story_id>/photos")
@signed_in
def add_photo(story_id: Any) -> tuple[str, int] | Response:
    """Add a photo with its caption and source to a draft (clerks)."""
    upload = request.files.get("photo")
    caption, source = request.form.get("caption", ""), request.form.get("source", "")

    def work(s: Session, story: NameStory) -> None:
        if upload is None or not upload.filename:
            raise BadInput(_("Choose a photo to add."))
        stories.add_photo(s, story, story_folder(), upload.filename,
                          upload.read(8 * 1024 * 1024 + 1), caption, source, actor=actor(),
                          now=now())

    return _change(story_id, work, _("Photo added."), v={"caption": caption, "source": source})


@bp.post("/<uuid:story_id>/photos/<uuid:photo_id>/delete")
@signed_in
def remove_photo(story_id: Any, photo_id: Any) -> tuple[str, int] | Response:
    """Remove a photo from a draft (clerks); its file goes once the removal is committed."""
    return _change(story_id, lambda s, story: stories.remove_photo(
        s, story, photo_id, actor=actor(), now=now()), _("Photo removed."),
        after=story_folder().delete)


__all__ = ["StoryStatus", "bp", "story_folder"]
