"""placenames: registry service for standard place names and standard addresses.

Build the app with :func:`create_app`; nothing connects or reads configuration at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application (see :mod:`placenames.app`)."""
    from .app import create_app as factory

    return factory(config)
