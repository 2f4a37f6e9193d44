"""Configuration: defaults, then environment overrides, then the dict passed to create_app.

Every setting can be set from the environment as ``PLACENAMES_<NAME>``; the README lists them.
Nothing here reads the environment at import time: :func:`load` is called by the app factory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import BadInput

DEFAULTS: dict[str, Any] = {
    # SQLite + SpatiaLite file under the instance folder unless a URL is given.
    "DATABASE_URL": None,
    # demo mode (scripts/run): serving is allowed with the demo's accounts and passwords
    "DEMO": "",
    "SPATIALITE_LIBRARY": "mod_spatialite",
    "SQLITE_BUSY_TIMEOUT_MS": 30000,
    # PostgreSQL: test each pooled connection before use (one extra round trip a request)
    "DB_POOL_PRE_PING": "",
    "SECRET_KEY": None,
    # The host printed under every QR code and used in plate URLs.
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "PLATE_HMAC_KEY": None,
    "DEFAULT_LOCALE": "zh",
    "LOCALES": ("zh", "en"),
    # Length of a public comment period, days (Xi'an notices ran 10 days).
    "NOTICE_DAYS": 10,
    # Deadlines after approval, days (条例: filing and announcement within 15 days).
    "FILING_DAYS": 15,
    "ANNOUNCEMENT_DAYS": 15,
    # Days a responsible unit has to set up a road's signs after the name is announced
    # (and to replace or remove them after a rename or a cancellation).
    "SIGN_DAYS": 60,
    # The office's sign sizes, JSON {kind: {size: [width, height, QR side]}} in mm, over the
    # defaults (placenames.plates.signs.SIGN_SIZES, not checked against GB 17733's text).
    "SIGN_SIZES": None,
    "OFFICE_NAME": "西咸新区地名委员会办公室",
    # expert review: smallest panel, and how the panel's opinions combine
    # (majority | two_thirds | unanimous)
    "PANEL_MIN_SIZE": 3,
    "PANEL_RULE": "majority",
    # public comments: how many a client may post
    "COMMENT_RATELIMIT": "5 per minute",
    # sign-in attempts (password or second-factor code) from one client address; an office
    # behind one NAT address shares it, so it is far above one person's needs
    "LOGIN_RATELIMIT": "20 per minute;200 per hour",
    "LEXICON_DIR": None,
    "RATELIMIT_DEFAULT": "300 per minute",
    # API requests with a department token count against the token (all endpoints together,
    # from any address) instead of their address: this limit, unless the token has its own
    # (placenames tokens issue --rate-limit)
    "DEPARTMENT_RATELIMIT": "600 per minute",
    # OGC API – Features item pages, per client address: GIS clients page through layers
    # (GDAL's 10-feature pages: some 11,000 requests a minute; see web/limits.py)
    "OGC_RATELIMIT": "30000 per minute",
    # Where the rate-limit counters live: unset → Redis when REDIS_URL is set (shared by every
    # worker and host), else memory:// (each worker counts alone). An explicit value wins.
    "RATELIMIT_STORAGE_URI": None,
    # redis://host:6379/0 — shared state of the workers (rate-limit counters)
    "REDIS_URL": None,
    # PostgreSQL streaming replicas for public reads (comma-separated URLs), and the replay
    # lag past which a replica is skipped (placenames.replicas)
    "DATABASE_REPLICA_URLS": None,
    "DATABASE_REPLICA_MAX_LAG_SECONDS": 10,
    # The job queue: "sqlite" (a file in the instance folder), "redis" (REDIS_URL) or
    # "immediate" (jobs run in the request that starts them; no worker). Unset: redis when
    # REDIS_URL is set, else sqlite.
    "JOBS_QUEUE": None,
    # Generated files (plate batches): s3://BUCKET[/PREFIX]?endpoint=URL&region=R for an
    # S3-compatible object store (credentials from AWS_* variables); unset: the instance folder
    "STORAGE_URL": None,
    # Seconds a running job's heartbeat holds it; a job silent longer lost its worker and is
    # taken again (the worker beats every quarter of this).
    "JOBS_LEASE_SECONDS": 60,
    # Logs: "text" (plain lines) or "json" (one object a line, with the request id);
    # LOG_REQUESTS writes one line a request (method, route, status, milliseconds).
    "LOG_FORMAT": "text",
    "LOG_REQUESTS": False,
    # The bearer token /metrics asks for (unset: open, for a scraper on the private network).
    "METRICS_TOKEN": None,
    # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto: 0 when
    # the app is reached directly (the headers are then ignored: a client could forge them).
    "PROXY_HOPS": 0,
    # The map's base layer: a Tianditu key (its WMTS vector map and labels), or any XYZ raster
    # URL with {z}/{x}/{y} and its attribution. Neither: the register's own features on a
    # plain background (works offline).
    "TIANDITU_KEY": None,
    "BASEMAP_URL": None,
    "BASEMAP_ATTRIBUTION": "",
    # where the map opens: lon,lat,zoom (the Xixian New Area)
    "MAP_CENTER": "108.80,34.28,11",
    # largest request body, bytes, where a route sets no limit of its own (None: 1 MB)
    "MAX_CONTENT_LENGTH": None,
    # the root key of commenters' personal data (32 bytes, base64 or hex; retired keys after
    # it, comma-separated). None: a random key kept in <instance>/pii_key (see placenames.pii)
    "PII_KEY": None,
    # days a commenter's name and phone are kept after the end of the notice period
    "CONTACT_RETENTION_DAYS": 180,
    # how the public reaches the office about their personal data (shown on forms that
    # collect it), e.g. "电话 029-12345678，西咸新区…"
    "PRIVACY_CONTACT": None,
    # open data (placenames export --publish, the /open-data page): the folder the published
    # files live in (None: <instance>/open-data) and their licence, a name then its URL
    "OPEN_DATA_DIR": None,
    "OPEN_DATA_LICENCE": "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/",
    # days the lists of addresses sent for matching (/staff/geocode, the API's standardize
    # jobs) and their results are kept: a department's list may carry residents' data
    "GEOCODE_KEEP_DAYS": 7,
}

_INT_KEYS = {"MAX_CONTENT_LENGTH", "SQLITE_BUSY_TIMEOUT_MS", "NOTICE_DAYS", "FILING_DAYS",
             "SIGN_DAYS", "ANNOUNCEMENT_DAYS", "JOBS_LEASE_SECONDS",
             "DATABASE_REPLICA_MAX_LAG_SECONDS", "PANEL_MIN_SIZE", "PROXY_HOPS",
             "CONTACT_RETENTION_DAYS", "GEOCODE_KEEP_DAYS"}
_BOOL_KEYS = {"LOG_REQUESTS"}
_CHOICES = {"LOG_FORMAT": ("text", "json"), "JOBS_QUEUE": ("sqlite", "redis", "immediate")}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the settings found as ``PLACENAMES_*`` variables in ``environ``."""
    environ = dict(os.environ if environ is None else environ)
    found: dict[str, Any] = {}
    for key in DEFAULTS:
        value = environ.get(f"PLACENAMES_{key}")
        if value is None:
            continue
        if key in _INT_KEYS:
            try:
                found[key] = int(value)
            except ValueError:
                raise BadInput(f"PLACENAMES_{key} must be a whole number, not {value!r}") from None
        elif key in _BOOL_KEYS:
            if value.strip().lower() not in ("1", "true", "yes", "0", "false", "no", ""):
                raise BadInput(f"PLACENAMES_{key} must be true or false, not {value!r}")
            found[key] = value.strip().lower() in ("1", "true", "yes")
        elif key in _CHOICES and value not in _CHOICES[key]:
            raise BadInput(f"PLACENAMES_{key} must be one of {', '.join(_CHOICES[key])}, "
                           f"not {value!r}")
        else:
            found[key] = value
    return found


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and ``overrides`` (in that order) into one settings dict."""
    settings = dict(DEFAULTS)
    settings.update(from_environment())
    settings.update(overrides or {})
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "placenames.db")
    return settings


def open_data_dir(settings: dict[str, Any], instance_path: str) -> Path:
    """The published open-data folder: ``OPEN_DATA_DIR`` or ``<instance>/open-data``."""
    return Path(settings.get("OPEN_DATA_DIR") or Path(instance_path) / "open-data")
