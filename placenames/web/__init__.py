"""Thin web layer: blueprints parse the request, call an operation, commit, render."""

from __future__ import annotations

from flask import Flask
from flask_wtf import CSRFProtect

from . import (
    account,
    accounts_admin,
    addresses_staff,
    api,
    api_addresses,
    api_announcements,
    api_applications,
    api_changes,
    api_docs,
    api_jurisdictions,
    api_names,
    api_plates,
    api_reports,
    api_search,
    api_standardize,
    audit,
    auth,
    committee,
    errors,
    gazetteer_public,
    gazetteer_staff,
    geocode_staff,
    imports_staff,
    labels,
    limits,
    maps,
    notices,
    observe,
    ogc,
    open_data,
    open_data_staff,
    plans_print,
    plans_public,
    plans_staff,
    plates_staff,
    public,
    records,
    records_staff,
    reindex_admin,
    scan,
    search_page,
    security,
    signs_public,
    signs_staff,
    stories_public,
    stories_staff,
    tokens_admin,
)

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register the blueprints, CSRF protection, login and the error handler."""
    observe.init_app(app)  # first: the request id is there for every later hook's log lines
    security.init_app(app)
    api.init_app(app)  # before errors: the app's error handlers are the ones that stay
    csrf.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(accounts_admin.bp)
    app.register_blueprint(tokens_admin.bp)
    app.register_blueprint(reindex_admin.bp)
    app.register_blueprint(scan.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(plans_public.bp)
    app.register_blueprint(plans_print.bp)
    app.register_blueprint(gazetteer_staff.bp)
    app.register_blueprint(gazetteer_public.bp)
    app.register_blueprint(signs_staff.bp)
    app.register_blueprint(signs_public.bp)
    app.register_blueprint(search_page.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(records_staff.bp)
    app.register_blueprint(plates_staff.bp)
    app.register_blueprint(addresses_staff.bp)
    app.register_blueprint(imports_staff.bp)
    app.register_blueprint(geocode_staff.bp)
    app.register_blueprint(committee.bp)
    app.register_blueprint(plans_staff.bp)
    app.register_blueprint(stories_staff.bp)
    app.register_blueprint(stories_public.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(open_data.bp)
    app.register_blueprint(open_data_staff.bp)
    app.register_blueprint(api_docs.bp)
    app.register_blueprint(ogc.bp)
    for blp in (api_names.blp, api_search.blp, api_applications.blp, api_changes.blp,
                api_addresses.blp, api_plates.blp, api_jurisdictions.blp,
                api_announcements.blp, api_reports.blp, api_standardize.blp):
        api.register(blp)
        csrf.exempt(blp)  # bearer tokens or none: no request there rides on a session cookie
    limits.init_app(app)  # last: it looks up the registered endpoints
    notices.init_app(app)  # the comment form's tighter limit, through the app's limiter
