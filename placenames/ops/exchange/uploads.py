"""Import files uploaded by staff: kept in the app's store by their SHA-256, checked (a dry
run), and imported only on confirmation — the very file that was checked.

An upload is stored under ``imports/<sha256><suffix>`` with a manifest
``imports/<sha256>.manifest.json`` (what it is to be imported as, by whom, when, the report of
the check, and after confirmation the report of the import), in the instance folder or the
object store (:mod:`placenames.storage`), so that every app instance and worker sees it. The
check and the import run as jobs (:mod:`placenames.jobs.handlers`). Confirming names the upload
by its hash only; the stored file is hashed again before it is imported, so neither a form field
nor a changed file can slip another file in. A check with errors cannot be confirmed.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ...errors import BadInput, Conflict, NotFound
from ...storage import Storage, local_copy
from . import readers
from .imports import Progress, file_sha256, import_file
from .report import KINDS, Report

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""Largest file the page takes (about 80,000 addresses as CSV); larger files: the command."""
SUFFIXES = tuple(s for s in readers.SUFFIXES if s != ".shp")  # a shapefile comes zipped
_SHA = re.compile(r"^[0-9a-f]{64}$")
KEEP = 50
"""Checks listed on the upload page (newest first)."""


@dataclass
class Upload:
    """One kept upload and what became of it."""

    sha256: str
    kind: str
    file_name: str
    suffix: str
    uploaded_by: str | None
    uploaded_at: str
    sheet: str | None = None
    layer: str | None = None
    check: Report | None = None
    result: Report | None = None

    @property
    def key(self) -> str:
        """The stored file's key."""
        return f"{PREFIX}/{self.sha256}{self.suffix}"

    @property
    def can_confirm(self) -> bool:
        """Checked without errors and not imported yet."""
        return self.check is not None and not self.check.errors and self.result is None

    def to_json(self) -> dict[str, Any]:
        """The manifest."""
        return {"sha256": self.sha256, "kind": self.kind, "file_name": self.file_name,
                "suffix": self.suffix, "uploaded_by": self.uploaded_by,
                "uploaded_at": self.uploaded_at, "sheet": self.sheet, "layer": self.layer,
                "check": self.check.to_json() if self.check else None,
                "result": self.result.to_json() if self.result else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Upload:
        """An upload from its manifest."""
        return cls(**{**data, "check": Report.from_json(data["check"]) if data["check"] else
                      None, "result": Report.from_json(data["result"]) if data["result"]
                      else None})


PREFIX = "imports"
"""Where uploads and their manifests are kept in the store."""


def _manifest_key(sha256: str) -> str:
    return f"{PREFIX}/{sha256}.manifest.json"


def keep(store: Storage, data: bytes, file_name: str, kind: str, *, sheet: str | None,
         layer: str | None, actor_id: uuid.UUID | None, now: datetime) -> Upload:
    """Store an uploaded file under its hash, with a manifest that has no check yet;
    :class:`BadInput` for a wrong kind, type or size, or an empty file."""
    if kind not in KINDS:
        raise BadInput("请选择导入地名或地址 / choose names or addresses")
    name = Path(file_name.replace("\\", "/")).name[:120] or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"不支持的文件类型“{suffix or name}”：可用 CSV、XLSX、GeoJSON、"
                       f"GeoPackage 或压缩的 Shapefile（.zip） / unsupported file type "
                       f"{suffix or name!r}: use CSV, XLSX, GeoJSON, GeoPackage or a zipped "
                       "shapefile")
    if not data:
        raise BadInput("文件是空的 / the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadInput(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请用命令 placenames "
                       f"import 导入 / the file is larger than "
                       f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB: import it with the placenames "
                       "import command")
    upload = Upload(hashlib.sha256(data).hexdigest(), kind, name, suffix,
                    str(actor_id) if actor_id else None, now.isoformat(),
                    sheet=sheet or None, layer=layer or None)
    if not store.exists(upload.key):
        store.put_bytes(upload.key, data)
    save(store, upload)
    return upload


def check(session: Session, store: Storage, upload: Upload, *, scratch: Path,
          on_progress: Progress | None = None) -> Upload:
    """Check the kept file (a dry run) and save the manifest with its report."""
    with local_copy(store, upload.key, scratch) as path:
        upload.check = import_file(session, path, upload.kind, sheet=upload.sheet,
                                   layer=upload.layer, dry_run=True,
                                   file_name=upload.file_name, on_progress=on_progress)
    upload.result = None
    save(store, upload)
    return upload


def load(store: Storage, sha256: str) -> Upload:
    """The upload of this hash; :class:`NotFound` when there is none."""
    if not _SHA.match(sha256) or not store.exists(_manifest_key(sha256)):
        raise NotFound("没有这次上传 / no such upload")
    return Upload.from_json(json.loads(store.read(_manifest_key(sha256)).decode("utf-8")))


def recent(store: Storage, limit: int = KEEP) -> list[Upload]:
    """The latest uploads, newest first."""
    manifests = sorted((item for item in store.listing(PREFIX)
                        if item[0].endswith(".manifest.json")),
                       key=lambda item: item[1], reverse=True)
    out = []
    for key, _mtime in manifests[:limit]:
        try:
            out.append(Upload.from_json(json.loads(store.read(key).decode("utf-8"))))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def ready_to_import(store: Storage, sha256: str, *, verify_file: bool = True) -> Upload:
    """The upload of this hash, when it may be imported now; :class:`Conflict` when its check
    had errors or is not done, the file was imported already, or (``verify_file``) the stored
    file is no longer the one checked."""
    upload = load(store, sha256)
    if upload.result is not None and upload.result.imported:
        raise Conflict("这个文件已经导入 / this file has been imported already")
    if upload.check is None:
        raise Conflict("文件还在检查中 / the file is still being checked")
    if upload.check.errors:
        raise Conflict("检查有错误的文件不能导入 / a file whose check found errors cannot be "
                       "imported")
    if not store.exists(upload.key) or verify_file and \
            hashlib.sha256(store.read(upload.key)).hexdigest() != upload.sha256:
        raise Conflict("保存的文件已不是检查过的文件，请重新上传 / the kept file is not the one "
                       "that was checked: upload it again")
    return upload


def confirm(session: Session, store: Storage, sha256: str, *, actor_id: uuid.UUID | None,
            scratch: Path, on_progress: Progress | None = None) -> tuple[Upload, Report]:
    """Import the checked file of this hash (flushes; the caller commits when the report says
    imported, then :func:`save`); :class:`Conflict` as :func:`ready_to_import` says. The file
    is read once: its local copy is hashed, then imported."""
    upload = ready_to_import(store, sha256, verify_file=False)
    with local_copy(store, upload.key, scratch) as path:
        if file_sha256(path) != upload.sha256:  # the copy read is the file checked
            raise Conflict("保存的文件已不是检查过的文件，请重新上传 / the kept file is not the "
                           "one that was checked: upload it again")
        report = import_file(session, path, upload.kind, sheet=upload.sheet,
                             layer=upload.layer, file_name=upload.file_name,
                             actor_id=actor_id, on_progress=on_progress)
    upload.result = report
    return upload, report


def save(store: Storage, upload: Upload) -> None:
    """Store the manifest, whole."""
    store.put_bytes(_manifest_key(upload.sha256),
                    json.dumps(upload.to_json(), ensure_ascii=False).encode("utf-8"))
