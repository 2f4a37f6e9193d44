"""``/api/v1/docs``: the API's documentation page for people.

A short introduction (department tokens, scopes, cursor pages, validators, the change feed)
and every operation of the OpenAPI document, drawn by Swagger UI from ``static/vendor/``
(pinned by ``scripts/vendor``; no CDN) and started by a static script, as the
Content-Security-Policy allows no inline script. A page, not an operation: a plain Flask
blueprint, not in the document it shows.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from ..ops.accounts.department_tokens import SCOPES
from ..ops.exchange.listing import DEFAULT_LIMIT, MAX_LIMIT

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def page() -> str:
    """The documentation page."""
    return render_template("api/docs.html", scopes=SCOPES, default_limit=DEFAULT_LIMIT,
                           max_limit=MAX_LIMIT,
                           spec_url=url_for("api-docs.openapi_json"))
