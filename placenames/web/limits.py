"""Rate limits (Flask-Limiter), one limiter per app, set from RATELIMIT_DEFAULT / _STORAGE_URI.

Every route gets the default limit except the health check, static files and the public scan
page and its JSON, which are cheap indexed reads meant to be cached by a reverse proxy and are
reached by many phones behind the same carrier NAT, and the map's tiles (a map view asks for
dozens at once; a 304 costs one indexed read). Routes that write on behalf of the public
get their own, tighter limit (the report form: :data:`ROUTE_LIMITS`).
"""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXEMPT = frozenset({"public.healthz", "static", "scan.page", "scan.api", "maps.tile"})
"""Endpoints left out of the default limit."""

ROUTE_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scan.report": ("5 per minute", ("POST",)),
    # guessing passwords or codes from one address, whatever the accounts (each account also
    # locks after five failures): the setting LOGIN_RATELIMIT
    "auth.login": ("LOGIN_RATELIMIT", ("POST",)),
    "auth.code": ("LOGIN_RATELIMIT", ("POST",)),
}
"""Endpoint → (limit, or the setting that holds it; methods it applies to)."""


def init_app(app: Flask) -> Limiter:
    """Build the app's limiter; call after the blueprints are registered."""
    limiter = Limiter(get_remote_address, storage_uri=app.config.get("RATELIMIT_STORAGE_URI"),
                      headers_enabled=True)  # Retry-After (and X-RateLimit-*) on a 429
    limiter.init_app(app)

    @limiter.request_filter
    def _exempt() -> bool:  # checked first: an exempt request costs the limiter a set lookup
        return request.endpoint in EXEMPT

    for endpoint, (limit, methods) in ROUTE_LIMITS.items():
        limit = str(app.config.get(limit, limit))
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = cast(
                Any, limiter.limit(limit, methods=list(methods))(view))
    app.extensions["placenames.limiter"] = limiter
    return limiter
