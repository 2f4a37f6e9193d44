"""Rate limits (Flask-Limiter), one limiter per app, set from RATELIMIT_DEFAULT / _STORAGE_URI.

Every route gets the default limit except the health check, static files and the public scan
page and its JSON, which are cheap indexed reads meant to be cached by a reverse proxy and are
reached by many phones behind the same carrier NAT, and the map's tiles (a map view asks for
dozens at once; a 304 costs one indexed read). Routes that write on behalf of the public
get their own, tighter limit (the report form: :data:`ROUTE_LIMITS`).

Department tokens (:func:`department_limit`): a request under ``/api/v1`` that carries a valid
department token counts against that token, whatever the address it comes from (a department
may call from many hosts, or share an address with others), across every endpoint of the API
together: the token's own ``rate_limit`` or the setting ``DEPARTMENT_RATELIMIT``. Such a
request is not counted against its address; requests without a valid token keep the default
limit per address (an unknown or revoked token is a request without one, so guessing secrets
is limited per address). The limit is an application-wide one keyed on the path prefix, so
it covers every blueprint of the API, whoever adds it.

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

from flask import Flask, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address

from ..errors import BadInput
from ..models import ApiToken
from ..ops.accounts import department_tokens
from . import api_auth
from .api import API_PREFIX
from .errors import DATABASE_UNAVAILABLE

EXEMPT = frozenset({"public.healthz", "observe.readyz", "observe.metrics", "static",
                    "scan.page", "maps.tile"})
"""Endpoints left out of the default limit."""
EXEMPT_WITHOUT_TOKEN = frozenset({"api_plates.plate"})
"""Endpoints left out of the limits when asked without an ``Authorization`` header: one plate
by its QR id answers the public scan page's JSON then; with a token it answers the plate's
record and counts against the token like the rest of the API."""

REDIS_TIMEOUT_S = 0.5
"""How long a request waits for Redis to connect or answer before the limiter falls back."""

KEY_PREFIX = "placenames"
"""Prefix of the limiter's keys in Redis (``placenames:LIMITER/…``), so the office's Redis can
hold other applications' keys."""

ROUTE_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scan.report": ("5 per minute", ("POST",)),
    "signs_public.report": ("5 per minute", ("POST",)),
    # a new edition of the public gazetteer takes seconds to lay out (then it is a file)
    "gazetteer_public.download": ("10 per minute", ("GET",)),
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


_LOOKUP_FAILED = "placenames_token_lookup_failed"
DEPARTMENT_SCOPE = "department-token"
"""The limiter's scope of the per-token counters (``…/token:<id>/department-token``)."""


def department_token() -> ApiToken | None:
    """The valid department token of this API request, else None (pages never have one).

    A database that does not answer counts as no token here (asked once per request): the
    handler then meets the outage itself and answers 503, rather than the limiter taking it
    for a Redis failure."""
    if not request.path.startswith(API_PREFIX + "/") or g.get(_LOOKUP_FAILED):
        return None
    try:
        return api_auth.token_or_none()
    except DATABASE_UNAVAILABLE:
        g.setdefault(_LOOKUP_FAILED, True)
        return None


def _token_key() -> str:
    token = department_token()
    return f"token:{token.id}" if token is not None else "no-token"


def _token_limit() -> str:
    token = department_token()
    if token is not None and token.rate_limit:
        return token.rate_limit
    return str(current_app.config["DEPARTMENT_RATELIMIT"])


def department_limit() -> ApplicationLimit:
    """The per-token limit: every API request with a valid token, keyed by the token's id."""
    return ApplicationLimit(limit_provider=_token_limit, key_function=_token_key,
                            scope=DEPARTMENT_SCOPE,
                            exempt_when=lambda: department_token() is None)


def storage_uri(config: Mapping[str, Any]) -> str:
    """The limiter's store: ``RATELIMIT_STORAGE_URI`` if set, else ``REDIS_URL``, else memory."""
    return str(config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://")


def init_app(app: Flask) -> Limiter:
    """Build the app's limiter; call after the blueprints are registered."""
    uri = storage_uri(app.config)
    if not department_tokens.parse_rate_limit(app.config["DEPARTMENT_RATELIMIT"]):
        raise BadInput("DEPARTMENT_RATELIMIT 不能为空 / DEPARTMENT_RATELIMIT must not be empty")
    options: dict[str, str | int] = {}
    if uri.startswith(("redis", "rediss", "valkey")):
        # a Redis that hangs (not only one that refuses) must not hold every request
        options = cast(dict[str, str | int], {"socket_connect_timeout": REDIS_TIMEOUT_S,
                                              "socket_timeout": REDIS_TIMEOUT_S,
                                              "key_prefix": KEY_PREFIX})
    limiter = Limiter(get_remote_address, storage_uri=uri, storage_options=options,
                      in_memory_fallback_enabled=True,  # Redis down: per-worker counts
                      headers_enabled=True,  # Retry-After (and X-RateLimit-*) on a 429
                      application_limits=[department_limit()],
                      # a request with a department token counts against the token only
                      default_limits_exempt_when=lambda: department_token() is not None)
    limiter.init_app(app)

    @limiter.request_filter
    def _exempt() -> bool:  # checked first: an exempt request costs the limiter a set lookup
        return request.endpoint in EXEMPT or (request.endpoint in EXEMPT_WITHOUT_TOKEN and
                                              "Authorization" not in request.headers)

    for endpoint, (limit, methods) in ROUTE_LIMITS.items():
        limit = str(app.config.get(limit, limit))
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = cast(
                Any, limiter.limit(limit, methods=list(methods))(view))
    app.extensions["placenames.limiter"] = limiter
    return limiter
