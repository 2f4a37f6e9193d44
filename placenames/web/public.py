"""Public pages: the start page and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import db, migrate, spatial
from ..ops.registry import overview as registry_view
from ..ops.registry import stats

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """What is in the registry: counts, management areas, names; a search (``?q=``, as the
    start page's own form once sent) goes to the search page."""
    cls = request.args.get("cls") or None
    if (request.args.get("q") or "").strip():
        return redirect(url_for("search_page.page", q=request.args["q"], cls=cls))
    s = db.session()
    return render_template(
        "public/index.html",
        counts=stats.counts(s),
        by_class=stats.places_by_class(s),
        areas=registry_view.management_areas(s),
        places=registry_view.list_places(s, cls=cls),
        cls=cls,
    )


@bp.get("/healthz")
def healthz() -> Response:
    """Backend, schema revision and counts, as JSON."""
    engine = db.engine()
    return jsonify({
        "status": "ok",
        "backend": spatial.backend_name(engine),
        "revision": migrate.current_revision(engine),
        "head": migrate.head_revision(),
        "counts": stats.counts(db.session()),
    })
