"""Rate limits (Flask-Limiter), one limiter per app, set from RATELIMIT_DEFAULT / _STORAGE_URI.

Every route gets the default limit except the health check, static files and the public scan
page and its JSON, which are cheap indexed reads meant to be cached by a reverse proxy and are
reached by many phones behind the same carrier NAT, and the map's tiles (a map view asks for
dozens at once; a 304 costs one indexed read). Routes that write on behalf of the public
get their own, tighter limit (the report form: :data:`ROUTE_LIMITS`).

Where the counters live (:func:`storage_uri`): in Redis when ``REDIS_URL`` is set, so every
worker of every host counts against the same limit (gunicorn runs several workers; with the
default in-memory store each one counts alone, and 2 workers let 10 of 15 comments through a
5-per-minute limit). ``RATELIMIT_STORAGE_URI`` set explicitly wins over ``REDIS_URL``.

When Redis does not answer (down, or slower than :data:`REDIS_TIMEOUT_S`), the limiter logs a
warning ("Rate limit storage unreachable - falling back to in-memory storage", logger
``flask-limiter``) and goes on counting in the worker's memory with the same limits, probing
Redis again after 1, 2, 4 … 32 s and returning to it once it answers. The limits are then per
worker again, as without Redis: looser by the number of workers, never off. Failing closed
(503 while Redis is down) would take the whole site down with its least important store, and
failing open (no limit) would leave the comment form and the sign-in without any brake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXEMPT = frozenset({"public.healthz", "static", "scan.page", "api_plates.plate", "maps.tile"})
"""Endpoints left out of the default limit."""

REDIS_TIMEOUT_S = 0.5
"""How long a request waits for Redis to connect or answer before the limiter falls back."""

KEY_PREFIX = "placenames"
"""Prefix of the limiter's keys in Redis (``placenames:LIMITER/…``), so the office's Redis can
hold other applications' keys."""

ROUTE_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scan.report": ("5 per minute", ("POST",)),
    # guessing passwords or codes from one address, whatever the accounts (each account also
    # locks after five failures): the setting LOGIN_RATELIMIT
    "auth.login": ("LOGIN_RATELIMIT", ("POST",)),
    "auth.code": ("LOGIN_RATELIMIT", ("POST",)),
    # OGC API – Features pages: GIS clients page through a layer request after request, and
    # QGIS asks again for the view at every pan and zoom. GDAL 3.6 asks 10 features a page
    # unless told otherwise: reading a million addresses it sent 5,329 requests in 30 s to
    # one server process, so the default 300 a minute would cut a GIS user off mid-download.
    # Its own limit (the setting OGC_RATELIMIT, above what one client paging in sequence
    # reaches) replaces the default there and still brakes a client that floods the service.
    "ogc.items": ("OGC_RATELIMIT", ("GET",)),
    "ogc.item": ("OGC_RATELIMIT", ("GET",)),
}
"""Endpoint → (limit, or the setting that holds it; methods it applies to)."""


def storage_uri(config: Mapping[str, Any]) -> str:
    """The limiter's store: ``RATELIMIT_STORAGE_URI`` if set, else ``REDIS_URL``, else memory."""
    return str(config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://")


def init_app(app: Flask) -> Limiter:
    """Build the app's limiter; call after the blueprints are registered."""
    uri = storage_uri(app.config)
    options: dict[str, str | int] = {}
    if uri.startswith(("redis", "rediss", "valkey")):
        # a Redis that hangs (not only one that refuses) must not hold every request
        options = cast(dict[str, str | int], {"socket_connect_timeout": REDIS_TIMEOUT_S,
                                              "socket_timeout": REDIS_TIMEOUT_S,
                                              "key_prefix": KEY_PREFIX})
    limiter = Limiter(get_remote_address, storage_uri=uri, storage_options=options,
                      in_memory_fallback_enabled=True,  # Redis down: per-worker counts
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
