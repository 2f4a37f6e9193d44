"""The published open-data release in the object store (``STORAGE_URL`` set).

Without an object store the release is a folder on the machine (``OPEN_DATA_DIR``, swapped by
a symbolic link: :func:`placenames.ops.exchange.export.publish`). With one, every app instance
must see the same release, so it is kept in the store instead:

- each release's files and ``manifest.json`` under ``open-data/<release>/``;
- ``open-data/current.json``, written last, naming the current release and holding its
  manifest, so a reader sees the old release or the new one, never a mix;
- the current release and the one before it are kept (a download started from the previous
  page still finds its file); older ones are deleted.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ...storage import Storage
from .export import MANIFEST, Manifest, export_to, publish

PREFIX = "open-data"
CURRENT = f"{PREFIX}/current.json"


def file_key(release: str, name: str) -> str:
    """The key of one file of a release."""
    return f"{PREFIX}/{release}/{name}"


def publish_release(engine: Engine, store: Storage, folder: Path, formats: Any, *,
                    scratch: Path, **kwargs: Any) -> Manifest:
    """Publish a new release: into the object store when the app has one, else into the
    published folder ``folder`` (``OPEN_DATA_DIR``)."""
    if store.remote:
        return publish_to_store(engine, store, formats, scratch=scratch, **kwargs)
    return publish(engine, folder, formats, **kwargs)


def current(store: Storage) -> tuple[str, Manifest] | None:
    """The current release and its manifest, or None when nothing was published."""
    if not store.exists(CURRENT):
        return None
    data = json.loads(store.read(CURRENT).decode("utf-8"))
    return str(data["release"]), Manifest.from_json(data["manifest"])


def publish_to_store(engine: Engine, store: Storage, formats: Any, *, scratch: Path,
                     **kwargs: Any) -> Manifest:
    """Export into a scratch folder, upload the files, then point ``current.json`` at them
    and delete releases older than the previous one."""
    before = current(store)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="open-data-") as work:
        manifest = export_to(engine, Path(work) / "release", formats, **kwargs)
        stamp = manifest.generated_at.replace(":", "").replace("-", "")[:15]
        release = f"{stamp}-{secrets.token_hex(4)}"
        for entry in manifest.files:
            store.put_file(file_key(release, entry.name), Path(work) / "release" / entry.name)
        store.put_file(file_key(release, MANIFEST), Path(work) / "release" / MANIFEST)
    store.put_bytes(CURRENT, json.dumps({"release": release, "manifest": manifest.as_json()},
                                        ensure_ascii=False).encode("utf-8"))
    keep = {release, before[0] if before else release}
    for key, _mtime in store.listing(PREFIX):
        parts = key.split("/")
        if len(parts) == 3 and parts[1] not in keep:
            store.delete(key)
    return manifest
