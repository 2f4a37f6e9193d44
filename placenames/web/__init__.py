"""Thin web layer: blueprints parse the request, call an operation, commit, render."""

from __future__ import annotations

from flask import Flask
from flask_wtf import CSRFProtect

from . import auth, errors, labels, public

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register the blueprints, CSRF protection, login and the error handler."""
    csrf.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
