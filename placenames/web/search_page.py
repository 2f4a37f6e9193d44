"""The search page, ``/search?q=&cls=&status=``: names and addresses found by characters,
pinyin, initials, sound, an address or its code, grouped and with the matched part marked.

The handler parses the request, calls :func:`placenames.ops.search.search` and renders. The
highlighted label is cut into plain segments here (:func:`segments`); the template wraps the
matched ones in ``<mark>`` and escapes every segment, so no typed or stored text is ever marked
safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from .. import db
from ..i18n import select_locale
from ..maps.layers import status_group
from ..ops import search as search_ops
from ..ops.search import Hit, QueryError
from ..ops.search.names import NOT_SEARCHED
from .labels import CLASS_LABELS, STATUS_LABELS

bp = Blueprint("search_page", __name__)

AUTOCOMPLETE_PATH = "/api/v1/autocomplete"
RESULT_LIMIT = 20
SEARCHED_STATUS_LABELS = {k: v for k, v in STATUS_LABELS.items() if k not in NOT_SEARCHED}
"""The status filter's choices: not the reserved and released names of plans, never searched."""
"""Names (and addresses) shown at most for one query."""
EXAMPLES = ("shiji", "sjdd", "世纪大道7号", "世记大道")
"""The example queries of the empty page, each of which finds something in the demo: pinyin,
initials, an address, and a name with one character written by sound."""


def segments(label: str, spans: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """Cut ``label`` into ``(text, matched)`` pieces by the [start, end) ``spans``.

    Spans are clipped to the label, sorted and merged where they touch or overlap; empty or
    reversed spans are ignored. ``segments("世纪大道", [(0, 2)])`` →
    ``[("世纪", True), ("大道", False)]``.
    """
    n = len(label)
    ranges = sorted((max(0, int(s[0])), min(n, int(s[1]))) for s in spans if len(s) == 2)
    merged: list[list[int]] = []
    for start, end in ranges:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            out.append((label[at:start], False))
        out.append((label[start:end], True))
        at = end
    if at < n or not out:
        out.append((label[at:], False))
    return out


def is_former(hit: Hit) -> bool:
    """True for a historical name, or a name found by one of its former names."""
    return hit.historical or hit.via_kind == "former"


def _choice(name: str, allowed: dict[str, Any]) -> tuple[str | None, str | None]:
    """A filter's value if it is one of ``allowed`` (empty → None), else an error message."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None, None
    if value not in allowed:
        return None, _("There is no such choice: %(value)s", value=value[:40])
    return value, None


@bp.get("/search")
def page() -> tuple[str, int]:
    """Search the register; an empty query shows the form, a refused one its reason (400)."""
    q = request.args.get("q", "")
    cls, cls_error = _choice("cls", CLASS_LABELS)
    status, status_error = _choice("status", SEARCHED_STATUS_LABELS)
    context: dict[str, Any] = {"q": q, "cls": cls, "status": status, "result": None,
                               "error": cls_error or status_error,
                               "error_field": "cls" if cls_error else "status",
                               "class_labels": CLASS_LABELS,
                               "status_labels": SEARCHED_STATUS_LABELS,
                               "examples": EXAMPLES}
    if context["error"]:
        return render_template("search/page.html", **context), 400
    if not q.strip():
        return render_template("search/page.html", **context), 200
    try:
        context["result"] = search_ops.search(db.session(), q, cls=cls, status=status,
                                              limit=RESULT_LIMIT)
    except QueryError as exc:  # said in the page's language
        context["error"] = exc.zh if select_locale() == "zh" else exc.en
        context["error_field"] = "q"
        return render_template("search/page.html", **context), 400
    return render_template("search/page.html", **context), 200


@bp.app_context_processor
def _search_helpers() -> dict[str, Any]:
    return {"highlight_segments": segments, "is_former_name": is_former,
            "status_group": status_group, "search_config": search_config}


def search_config() -> dict[str, Any]:
    """What search.js needs for the autocomplete: the API, the record URLs and the words."""
    return {
        # the public API's documented path (placenames.web.api_search)
        "autocomplete_url": request.script_root + AUTOCOMPLETE_PATH,
        "search_url": url_for("search_page.page"),
        "name_url": url_for("records.name_page", place_id="ID").replace("ID", "{id}"),
        "address_url": url_for("records.address_page", code="CODE").replace("CODE", "{code}"),
        "labels": {
            "classes": {k: str(v) for k, v in CLASS_LABELS.items()},
            "former": _("Former name"),
            "now": _("now"),
            "alias": _("other name of"),
            "suggestions": _("Suggestions"),
            "all_results": _("All results for “{q}”"),
            "count": _("{n} suggestions; use the up and down arrows to choose"),
            "none": _("No suggestions"),
        },
    }
