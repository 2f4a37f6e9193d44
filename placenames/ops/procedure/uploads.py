"""Files brought to a procedure step: a survey's site photos, a meeting's signed minutes.

Photos: JPEG, PNG or WebP only (read by Pillow, whatever the file name says), at most
``MAX_PHOTO_BYTES`` and ``MAX_PIXELS``; each is decoded and re-encoded, which drops EXIF
(location, camera) and anything appended to the file, and stored under a random name. A
geometry brought with a step is checked by :mod:`placenames.ops.registry.geometry`.

Documents (the signed minutes of an expert meeting, :func:`clean_document`): a PDF (checked by
its header and end-of-file marker, at most ``MAX_DOCUMENT_BYTES``; it cannot be re-encoded, so
it is only ever served as a download) or a scan as an image, which is a photo as above.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ...errors import BadInput
from ...storage import Shelf

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 12
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: What a stored file is served as, by its extension.
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                 ".pdf": "application/pdf"}


@dataclass(frozen=True)
class Photo:
    """A checked, re-encoded photo ready to store."""

    original_name: str
    extension: str
    data: bytes
    width: int
    height: int


def clean_photo(original_name: str, raw: bytes) -> Photo:
    """Check and re-encode one uploaded photo; :class:`BadInput` says what is wrong."""
    label = (original_name or "photo")[:80]
    if len(raw) > MAX_PHOTO_BYTES:
        raise BadInput(f"照片“{label}”超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB / photo "
                       f"{label!r} is larger than {MAX_PHOTO_BYTES // 1024 // 1024} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            fmt = img.format
            if fmt not in FORMATS:
                raise BadInput(f"照片“{label}”须为 JPEG、PNG 或 WebP 格式 / photo {label!r} must "
                               "be JPEG, PNG or WebP")
            if img.width * img.height > MAX_PIXELS:
                raise BadInput(f"照片“{label}”像素过多 / photo {label!r} has too many pixels")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadInput(f"无法读取照片“{label}”，须为 JPEG、PNG 或 WebP 图片 / photo {label!r} "
                       "is not a readable JPEG, PNG or WebP image") from None
    img = ImageOps.exif_transpose(img)  # keep the orientation the EXIF asked for, then drop it
    out = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=88)
    elif fmt == "PNG":
        img.save(out, "PNG", optimize=True)
    else:
        img.save(out, "WEBP", quality=88)
    return Photo(label, FORMATS[fmt], out.getvalue(), img.width, img.height)


def store_photos(photos: list[Photo], shelf: Shelf) -> list[dict[str, Any]]:
    """Store ``photos`` on ``shelf`` with random names; returns what to record."""
    out = []
    for p in photos:
        name = secrets.token_hex(12) + p.extension
        shelf.put(name, p.data)
        out.append({"file": name, "original_name": p.original_name, "width": p.width,
                    "height": p.height, "bytes": len(p.data)})
    return out


@dataclass(frozen=True)
class Document:
    """A checked document ready to store: a PDF as sent, or a re-encoded image."""

    original_name: str
    extension: str
    data: bytes


def clean_document(original_name: str, raw: bytes) -> Document:
    """Check one uploaded document (PDF, or an image re-encoded like a photo).

    Raises:
        BadInput: too large, empty, or neither a complete PDF nor a JPEG, PNG or WebP image.
    """
    label = (original_name or "document")[:80]
    limit_mb = MAX_DOCUMENT_BYTES // 1024 // 1024
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise BadInput(f"文件“{label}”超过 {limit_mb} MB / file {label!r} is larger than "
                       f"{limit_mb} MB")
    if raw.startswith(b"%PDF-"):
        if b"%%EOF" not in raw[-2048:]:
            raise BadInput(f"PDF 文件“{label}”不完整 / the PDF {label!r} is incomplete")
        return Document(label, ".pdf", raw)
    if len(raw) > MAX_PHOTO_BYTES:
        mb = MAX_PHOTO_BYTES // 1024 // 1024
        raise BadInput(f"“{label}”不是 PDF，扫描图片不得超过 {mb} MB / {label!r} is not a PDF, "
                       f"and a scanned image is at most {mb} MB")
    try:
        photo = clean_photo(label, raw)
    except BadInput:
        raise BadInput(f"文件“{label}”须为 PDF 或 JPEG、PNG、WebP 图片 / file {label!r} must be "
                       "a PDF or a JPEG, PNG or WebP image") from None
    return Document(photo.original_name, photo.extension, photo.data)


def store_document(doc: Document, shelf: Shelf) -> dict[str, Any]:
    """Store ``doc`` on ``shelf`` with a random name; returns what to record."""
    name = secrets.token_hex(12) + doc.extension
    shelf.put(name, doc.data)
    return {"file": name, "original_name": doc.original_name, "bytes": len(doc.data)}
