"""Public pages of name stories: ``/stories`` lists the published stories (heritage names
first); ``/stories/photos/<id>`` serves a photo of a published story (staff: any story's)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .. import db
from ..ops import stories
from ..workflow.plans import VIEW_ROLES
from .auth import holds_any
from .stories_staff import story_folder

bp = Blueprint("stories_public", __name__)


@bp.get("/stories")
def stories_page() -> str:
    """Every published story; ``?heritage=1`` the heritage names only."""
    heritage = request.args.get("heritage") == "1"
    return render_template("stories/public.html", heritage=heritage,
                           rows=stories.published_stories(db.session(), heritage_only=heritage))


@bp.get("/stories/photos/<photo_id>")
def photo(photo_id: str) -> Response:
    """A story photo (re-encoded on upload, so served as it is stored)."""
    staff = holds_any(VIEW_ROLES)
    shelf = story_folder()
    path, kind = stories.photo_path(db.session(), photo_id[:40], shelf, staff=staff)
    cache = "private, max-age=300" if staff else "public, max-age=3600"
    return Response(shelf.read(path), mimetype=kind,
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": cache})
