"""Where generated files are kept: the instance folder, or an S3-compatible object store.

``STORAGE_URL`` unset: files are kept under the instance folder (one machine). Set to
``s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION``: they go to that bucket through boto3 (the
credentials from the usual ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` variables or the
machine's role), so every app instance and worker sees the same files, and staff download
them through short-lived signed URLs instead of through the app.

Keys are paths relative to the store's root (``batches/<id>.pdf``). A file is put whole: the
instance folder writes a temporary file and renames it; S3 makes an object visible only when its
upload completes. What is kept here: plate batches' PDFs and manifests, gazetteer books made by
jobs, staff's import files with their check reports, open-data releases, matched address
lists, and the uploads of people: the procedure's site photos and meeting minutes, story and
sign photos, plate installation photos (each kind under its own prefix, a :class:`Shelf`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from .errors import BadInput

SIGNED_URL_SECONDS = 300
"""How long a signed download URL works."""


class Storage(Protocol):
    """Files by key."""

    remote: bool
    """Whether the files are elsewhere than on this machine (an object store)."""

    def put_file(self, key: str, source: Path) -> None:
        """Store the file at ``source`` under ``key`` (moved or uploaded; ``source`` gone)."""

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, whole (replacing what was there)."""

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """The keys under ``prefix`` with their modification times (epoch seconds)."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing when it is not stored)."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""

    def read(self, key: str) -> bytes:
        """The bytes stored under ``key``."""

    def local_path(self, key: str) -> Path | None:
        """The file of ``key`` on this machine, when the store is the instance folder."""

    def signed_url(self, key: str, filename: str, content_type: str) -> str | None:
        """A short-lived URL to download ``key`` directly (None: serve it through the app)."""

    def check(self) -> dict[str, Any]:
        """Whether files can be stored now (raises when not): what ``/readyz`` reports."""


@dataclass(frozen=True)
class FolderStorage:
    """Files under a folder of this machine (the instance folder)."""

    root: Path
    remote = False

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise BadInput(f"bad storage key: {key!r}")
        return path

    def put_file(self, key: str, source: Path) -> None:
        """Move ``source`` into place (one rename when on the same file system)."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), target)

    def put_bytes(self, key: str, data: bytes) -> None:
        """Write to a temporary file beside the target, then rename it into place."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        tmp.write_bytes(data)
        tmp.replace(target)

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """The files under the folder ``prefix``, at any depth (partial writes left out)."""
        folder = self._path(prefix.rstrip("/") or ".")
        if not folder.is_dir():
            return []
        return [(p.relative_to(self.root.resolve()).as_posix(), p.stat().st_mtime)
                for p in sorted(folder.rglob("*"))
                if p.is_file() and not p.name.endswith(".partial")]

    def delete(self, key: str) -> None:
        """Remove the file (and its folder, once empty)."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        if path.parent != self.root.resolve():
            with contextlib.suppress(OSError):
                path.parent.rmdir()

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self._path(key).is_file()

    def read(self, key: str) -> bytes:
        """The file's bytes."""
        return self._path(key).read_bytes()

    def local_path(self, key: str) -> Path | None:
        """The file's path."""
        return self._path(key)

    def signed_url(self, key: str, filename: str, content_type: str) -> str | None:
        """None: the app serves the file."""
        return None

    def check(self) -> dict[str, Any]:
        """A file can be written in the folder."""
        import tempfile

        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".readyz-"):
            pass
        return {"kind": "instance folder"}


class S3Storage:
    """Objects in a bucket of an S3-compatible store, through boto3."""

    remote = True

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_file(self, key: str, source: Path) -> None:
        """Upload ``source`` (multipart for large files) and remove it."""
        self.client.upload_file(str(source), self.bucket, self._key(key))
        source.unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes) -> None:
        """One PUT of the object."""
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """The objects under ``prefix`` (paged through ListObjectsV2)."""
        strip = len(self._key(""))
        out = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix.rstrip("/") + "/"))
        for page in pages:
            for obj in page.get("Contents", []):
                out.append((obj["Key"][strip:], obj["LastModified"].timestamp()))
        return out

    def delete(self, key: str) -> None:
        """Remove the object."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD request)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def read(self, key: str) -> bytes:
        """The object's bytes."""
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        return bytes(body.read())

    def local_path(self, key: str) -> Path | None:
        """None: the object is not on this machine."""
        return None

    def signed_url(self, key: str, filename: str, content_type: str) -> str | None:
        """A presigned GET of the object, saved as ``filename``."""
        return str(self.client.generate_presigned_url(
            "get_object", ExpiresIn=SIGNED_URL_SECONDS,
            Params={"Bucket": self.bucket, "Key": self._key(key),
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"'}))


    def check(self) -> dict[str, Any]:
        """The bucket answers (a HEAD request)."""
        self.client.head_bucket(Bucket=self.bucket)
        return {"kind": "s3", "bucket": self.bucket}


@dataclass(frozen=True)
class Shelf:
    """The files of one kind in a store: keys under ``prefix`` (``procedure``, ``stories``…),
    named by paths relative to it (``<story id>/<file>``)."""

    store: Storage
    prefix: str

    @classmethod
    def local(cls, folder: Path) -> Shelf:
        """The files under ``folder`` on this machine."""
        return cls(FolderStorage(folder.parent), folder.name)

    def sub(self, name: str) -> Shelf:
        """The shelf of the folder ``name`` in this one."""
        return Shelf(self.store, f"{self.prefix}/{name}")

    def key(self, rel: str) -> str:
        """The store's key of ``rel``."""
        return f"{self.prefix}/{rel}"

    def put(self, rel: str, data: bytes) -> None:
        """Store ``data`` as ``rel``."""
        self.store.put_bytes(self.key(rel), data)

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` is stored."""
        return self.store.exists(self.key(rel))

    def read(self, rel: str) -> bytes:
        """The bytes of ``rel``."""
        return self.store.read(self.key(rel))

    def delete(self, rel: str) -> None:
        """Remove ``rel`` (nothing when it is not there)."""
        self.store.delete(self.key(rel))


@contextlib.contextmanager
def local_copy(store: Storage, key: str, scratch: Path) -> Iterator[Path]:
    """A path on this machine holding the file of ``key``: the file itself in the instance
    folder, else a copy in ``scratch`` removed afterwards."""
    path = store.local_path(key)
    if path is not None:
        yield path
        return
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as work:
        copy = Path(work) / Path(key).name
        copy.write_bytes(store.read(key))
        yield copy


def storage_for(config: Any, instance_path: str) -> Storage:
    """The store of ``STORAGE_URL``, or the instance folder; BadInput for a URL it cannot
    use."""
    url = str(config.get("STORAGE_URL") or "").strip()
    if not url:
        return FolderStorage(Path(instance_path))
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise BadInput(f"STORAGE_URL must be s3://BUCKET[/PREFIX]?endpoint=…, not {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=query.get("endpoint") or None,
                          region_name=query.get("region") or "us-east-1",
                          config=Config(signature_version="s3v4",
                                        s3={"addressing_style": "path"},
                                        retries={"max_attempts": 3}))
    return S3Storage(parts.netloc, parts.path, client)
