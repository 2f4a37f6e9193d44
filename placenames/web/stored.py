"""Sending a generated file from the store (:mod:`placenames.storage`): from the instance
folder through the app, or as a redirect to a short-lived signed URL of the object store."""

from __future__ import annotations

from flask import current_app, redirect, send_file
from werkzeug.wrappers import Response

from ..errors import NotFound
from ..storage import Storage


def store() -> Storage:
    """The app's store."""
    return current_app.extensions["placenames.storage"]  # type: ignore[no-any-return]


def send_stored(key: str, filename: str, mimetype: str, missing: str) -> Response:
    """The file stored under ``key``, downloaded as ``filename``; :class:`NotFound` with
    ``missing`` when it is not there."""
    files = store()
    if not files.exists(key):
        raise NotFound(missing)
    url = files.signed_url(key, filename, mimetype)
    if url is not None:
        return redirect(url)
    path = files.local_path(key)
    assert path is not None
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename)
