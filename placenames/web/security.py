"""HTTP hardening: security headers (Flask-Talisman), request size limits, JSON limits, and the
one check of where a sign-in may send the browser next.

- Headers: a Content-Security-Policy with no inline script (the pages carry data only as
  ``application/json`` blocks, the map's modules are files), ``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``, ``nosniff``, a Referrer-Policy, and HSTS on https requests. The
  configured base map's host is allowed for images and fetches, and nothing else outside.
- Sizes: every request body is limited (``MAX_CONTENT_LENGTH``, 1 MB by default); the routes
  that take uploads get their own larger limit, refused with 413 before the body is read.
- JSON bodies are parsed by :mod:`placenames.safejson` (size, nesting, no NaN/Infinity).
- Text: a URL part, query argument, form field or JSON string holding NUL (U+0000) or an unpaired
  surrogate is refused with 400 before any handler runs: PostgreSQL cannot store NUL in text and
  no database driver can encode a lone surrogate, so either would otherwise end in a 500.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_talisman import Talisman
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from .. import safejson

DEFAULT_MAX_BYTES = 1_000_000
ROUTE_MAX_BYTES = {  # endpoint → the largest body it takes
    # a survey: 12 photos of 8 MB + GeoJSON; an offline expert meeting: signed minutes of at
    # most 20 MB (ops/procedure/uploads.MAX_DOCUMENT_BYTES) + the opinions' text
    "committee.act": 12 * 8 * 1024 * 1024 + 2_000_000,
    "plates_staff.create_batch": 2_500_000,  # a CSV of address codes
    "plates_staff.plate_status": 9 * 1024 * 1024,  # one installation photo
    # a register file to import (ops/exchange/uploads.MAX_UPLOAD_BYTES) + the form's fields
    "imports_staff.upload": 10 * 1024 * 1024 + 100_000,
    # a list of addresses to match (web/geocode_staff.MAX_BYTES) + the form's fields
    "geocode_staff.upload": 20 * 1024 * 1024 + 100_000,
    # 10,000 addresses of up to 200 characters as JSON (web/api_standardize.MAX_JOB_ADDRESSES)
    "api_standardize.start_job": 2_000_000,
}


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with request bodies parsed within limits."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse ``s`` with :func:`placenames.safejson.loads` (raises ValueError)."""
        return safejson.loads(s)


def basemap_origins(settings: dict[str, Any]) -> list[str]:
    """Origins the map's base layer is fetched from (for img-src and connect-src)."""
    origins = []
    if (settings.get("TIANDITU_KEY") or "").strip():
        origins.append("https://*.tianditu.gov.cn")
    url = (settings.get("BASEMAP_URL") or "").strip()
    if url:
        parts = urlsplit(url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}." in url else parts.netloc
        origins.append(f"{parts.scheme}://{host}")
    return origins


def content_security_policy(settings: dict[str, Any]) -> dict[str, str | list[str]]:
    """The CSP of every page."""
    outside = basemap_origins(settings)
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": ["'self'", "data:", "blob:", *outside],
        "connect-src": ["'self'", *outside],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path of this site (``/…``), else None.

    Browsers ignore tabs and line breaks in URLs and read a backslash as a slash, so
    ``/\\t/evil.example`` or ``/\\\\evil.example`` would leave the site: such targets are refused,
    as is anything with a scheme or a host.
    """
    if not target or any(ch in target for ch in "\t\r\n\\") or any(
            ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def has_bad_text(data: Any) -> bool:
    """True when a string anywhere in ``data`` (a str, or JSON's values and keys) holds NUL or
    an unpaired surrogate."""
    if isinstance(data, str):
        return _BAD_TEXT.search(data) is not None
    if isinstance(data, dict):
        return any(has_bad_text(k) or has_bad_text(v) for k, v in data.items())
    if isinstance(data, list | tuple):
        return any(has_bad_text(v) for v in data)
    return False


def refuse_bad_text() -> None:
    """400 when the URL, the query, the form fields or a JSON body carry NUL or a lone
    surrogate."""
    parts: list[Any] = [list((request.view_args or {}).values()), list(request.args.lists())]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        parts.append(list(request.form.lists()))
        if request.is_json:
            parts.append(request.get_json(silent=True))
    if has_bad_text(parts):
        raise BadRequest(_("The request contains a character that is not allowed "
                           "(NUL or an unpaired surrogate)."))


def init_app(app: Flask) -> None:
    """Install the headers, the size limits and the JSON provider."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is no limit at all
        app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_BYTES
    app.json = SafeJSONProvider(app)
    Talisman(app, force_https=False, session_cookie_secure=False,
             frame_options="DENY", referrer_policy="strict-origin-when-cross-origin",
             content_security_policy=content_security_policy(app.config),
             strict_transport_security=True)

    @app.before_request  # registered before CSRF's check, which would read the body first
    def _route_limit() -> None:
        limit = ROUTE_MAX_BYTES.get(request.endpoint or "")
        if limit is not None:
            request.max_content_length = limit
        allowed = request.max_content_length
        if allowed is not None and (request.content_length or 0) > allowed:
            raise RequestEntityTooLarge(_("The request is too large."))
        refuse_bad_text()
