"""Import files uploaded by staff: kept under the instance folder by their SHA-256, checked
(a dry run), and imported only on confirmation — the very file that was checked.

An upload is written to ``<instance>/imports/<sha256><suffix>`` with a manifest
``<sha256>.manifest.json`` (what it is to be imported as, by whom, when, the report of the
check, and after confirmation the report of the import). Confirming names the upload by its
hash only; the stored file is hashed again before it is imported, so neither a form field nor a
changed file can slip another file in. A check with errors cannot be confirmed.
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
from . import readers
from .imports import file_sha256, import_file
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

    def path(self, folder: Path) -> Path:
        """Where the file is kept."""
        return folder / f"{self.sha256}{self.suffix}"

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


def folder_of(instance_path: str | Path) -> Path:
    """The folder of kept uploads (made when missing)."""
    folder = Path(instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(folder: Path, data: bytes, file_name: str, kind: str, *, sheet: str | None,
         layer: str | None, actor_id: uuid.UUID | None, now: datetime) -> Upload:
    """Store an uploaded file under its hash; :class:`BadInput` for a wrong kind, type or
    size, or an empty file."""
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
    path = upload.path(folder)
    if not path.exists():
        tmp = path.with_name(path.name + ".partial")
        tmp.write_bytes(data)
        tmp.replace(path)
    return upload


def check(session: Session, folder: Path, upload: Upload) -> Upload:
    """Check the kept file (a dry run) and save the manifest with its report."""
    upload.check = import_file(session, upload.path(folder), upload.kind, sheet=upload.sheet,
                               layer=upload.layer, dry_run=True, file_name=upload.file_name)
    upload.result = None
    save(folder, upload)
    return upload


def load(folder: Path, sha256: str) -> Upload:
    """The upload of this hash; :class:`NotFound` when there is none."""
    manifest = folder / f"{sha256}.manifest.json"
    if not _SHA.match(sha256) or not manifest.is_file():
        raise NotFound("没有这次上传 / no such upload")
    return Upload.from_json(json.loads(manifest.read_text(encoding="utf-8")))


def recent(folder: Path, limit: int = KEEP) -> list[Upload]:
    """The latest uploads, newest first."""
    manifests = sorted(folder.glob("*.manifest.json"), key=lambda p: p.stat().st_mtime,
                       reverse=True)
    out = []
    for manifest in manifests[:limit]:
        try:
            out.append(Upload.from_json(json.loads(manifest.read_text(encoding="utf-8"))))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def confirm(session: Session, folder: Path, sha256: str, *,
            actor_id: uuid.UUID | None) -> tuple[Upload, Report]:
    """Import the checked file of this hash (flushes; the caller commits when the report says
    imported, then :func:`save`); :class:`Conflict` when the check had errors, the file was
    imported already, or the stored file is no longer the one checked."""
    upload = load(folder, sha256)
    if upload.result is not None and upload.result.imported:
        raise Conflict("这个文件已经导入 / this file has been imported already")
    if upload.check is None or upload.check.errors:
        raise Conflict("检查有错误的文件不能导入 / a file whose check found errors cannot be "
                       "imported")
    path = upload.path(folder)
    if not path.is_file() or file_sha256(path) != upload.sha256:
        raise Conflict("保存的文件已不是检查过的文件，请重新上传 / the kept file is not the one "
                       "that was checked: upload it again")
    report = import_file(session, path, upload.kind, sheet=upload.sheet, layer=upload.layer,
                         file_name=upload.file_name, actor_id=actor_id)
    upload.result = report
    return upload, report


def save(folder: Path, upload: Upload) -> None:
    """Write the manifest (to a temporary file, then renamed)."""
    manifest = folder / f"{upload.sha256}.manifest.json"
    tmp = manifest.with_name(manifest.name + ".partial")
    tmp.write_text(json.dumps(upload.to_json(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(manifest)
