"""The application factory: the only place an app, its config and its engine are built."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_mod
from . import db, i18n, pii, storage

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides defaults and ``PLACENAMES_*`` variables."""
    config = dict(config or {})
    instance = config.pop("INSTANCE_PATH", None) or os.environ.get("PLACENAMES_INSTANCE_PATH")
    app = Flask("placenames", static_folder=str(STATIC_DIR), instance_path=instance)
    settings = config_mod.load(app.instance_path, config)
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret(app.instance_path)
    # personal data: a malformed key stops the start here, with a message and no traceback
    app.extensions["placenames.pii_keys"] = pii.load_keyring(settings["PII_KEY"],
                                                             app.instance_path)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    hops = int(settings["PROXY_HOPS"])
    if hops > 0:  # client address and scheme from the proxies' headers (rate limits, URLs)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    app.extensions["placenames.storage"] = storage.storage_for(app.config, app.instance_path)
    i18n.init_app(app)

    from .web import init_app as init_web

    init_web(app)
    return app


def _instance_secret(instance_path: str) -> str:
    """A random secret kept in the instance folder, made on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def default_instance_path() -> str:
    """The instance folder an app made now would use (``PLACENAMES_INSTANCE_PATH`` or Flask's
    default): where migrations run outside the app look for the generated keys."""
    return os.environ.get("PLACENAMES_INSTANCE_PATH") or Flask("placenames").instance_path
