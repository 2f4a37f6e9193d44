"""Translated labels of stored codes (classes, statuses) for templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

CLASS_LABELS = {
    "road": _l("road"), "street": _l("street"), "lane": _l("lane"), "avenue": _l("avenue"),
    "bridge": _l("bridge"), "tunnel": _l("tunnel"), "residential": _l("residential area"),
    "building": _l("building"), "square": _l("square"), "park": _l("park"),
    "village": _l("village"), "community": _l("community"),
}
STATUS_LABELS = {
    "proposed": _l("proposed"), "in_procedure": _l("in procedure"), "approved": _l("approved"),
    "in_force": _l("in force"), "reserved": _l("reserved"), "renamed": _l("renamed"),
    "cancelled": _l("cancelled"),
}


def init_app(app: Flask) -> None:
    """Expose ``class_label`` and ``status_label`` to templates."""

    @app.context_processor
    def _labels() -> dict[str, object]:
        return {
            "class_label": lambda c: str(CLASS_LABELS.get(c, c)),
            "status_label": lambda s: str(STATUS_LABELS.get(s, s)),
        }
