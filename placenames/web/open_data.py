"""The public open-data page: the published files with their date, licence, counts, sizes and
SHA-256, and their downloads.

The files are the last release published (``placenames export --publish`` or the staff page's
job), listed by its ``manifest.json``: in ``OPEN_DATA_DIR``
(:func:`placenames.ops.exchange.export.publish`), or in the object store when there is one
(:mod:`placenames.ops.exchange.published`; a download is then a redirect to a short-lived
signed URL of the file). Only a file the manifest names can be downloaded; the manifest and the
file are read from the same release (resolved once per request), so a publish mid-request cannot
pair one release's manifest with another's file. No account is needed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, send_file
from flask.typing import ResponseReturnValue

from .. import config
from ..errors import NotFound
from ..ops.exchange import export, published, records
from .stored import store

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

NOTHING_PUBLISHED = "尚未发布开放数据 / nothing has been published yet"
NO_SUCH_FILE = "没有这个文件（只能下载本页列出的文件）/ no such file (only the files listed on " \
    "the open-data page can be downloaded)"
CACHE_SECONDS = 300
"""How long browsers and proxies may keep the page's files before asking again (a publish
changes them; the ETag is the file's SHA-256, so a revalidation costs nothing)."""


def current_release() -> tuple[Path | str, export.Manifest | None]:
    """The published release (its real folder, or its name in the object store) and its
    manifest (``None``: nothing published)."""
    if store().remote:
        found = published.current(store())
        return (found[0], found[1]) if found else ("", None)
    folder = config.open_data_dir(current_app.config, current_app.instance_path).resolve()
    return folder, export.read_manifest(folder)


@bp.get("")
def page() -> ResponseReturnValue:
    """The published files, or how to publish when there are none."""
    _folder, manifest = current_release()
    published_at = datetime.fromisoformat(manifest.generated_at) if manifest else None
    return render_template("open_data/index.html", manifest=manifest, published_at=published_at,
                           name_fields=records.NAME_FIELDS,
                           address_fields=records.ADDRESS_FIELDS)


@bp.get("/manifest.json")
def manifest_json() -> Response:
    """The manifest itself, for programs that fetch the files on a schedule."""
    folder, manifest = current_release()
    if manifest is None:
        raise NotFound(NOTHING_PUBLISHED)
    if isinstance(folder, str):
        return _send_stored(folder, export.MANIFEST, "application/json", None)
    return _send(folder / export.MANIFEST, "application/json", None, manifest.generated_at)


@bp.get("/files/<name>")
def download(name: str) -> Response:
    """One published file, as an attachment under its own name."""
    folder, manifest = current_release()
    entry = manifest.file(name) if manifest is not None else None
    if entry is not None and isinstance(folder, str):
        return _send_stored(folder, name, entry.media_type.partition(";")[0], name)
    path = folder / name if entry is not None and isinstance(folder, Path) else None
    if entry is None or path is None or not path.is_file():
        raise NotFound(NO_SUCH_FILE)
    return _send(path, entry.media_type.partition(";")[0], name, entry.sha256)


def _send(path: Path, media_type: str, attachment: str | None, etag: str) -> Response:
    """The file with its type (Flask adds ``charset=utf-8`` to text types), under its name as an
    attachment, revalidated by its SHA-256."""
    response = send_file(path, mimetype=media_type, as_attachment=attachment is not None,
                         download_name=attachment, etag=etag, conditional=True,
                         max_age=CACHE_SECONDS)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _send_stored(release: str, name: str, media_type: str, attachment: str | None) -> Response:
    """A file of the release in the object store: a redirect to a signed URL of it (not
    cached: the URL expires), or the manifest itself."""
    key = published.file_key(release, name)
    if attachment is None:
        response = Response(store().read(key), mimetype=media_type)
    else:
        url = store().signed_url(key, attachment, media_type)
        if url is None:  # pragma: no cover - a remote store always signs
            raise NotFound(NO_SUCH_FILE)
        response = redirect(url)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
