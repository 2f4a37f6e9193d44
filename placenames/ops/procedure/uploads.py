"""Photos brought to a procedure step (a survey's site photos).

JPEG, PNG or WebP only (read by Pillow, whatever the file name says), at most
``MAX_PHOTO_BYTES`` and ``MAX_PIXELS``; each is decoded and re-encoded, which drops EXIF
(location, camera) and anything appended to the file, and stored under a random name. A
geometry brought with a step is checked by :mod:`placenames.ops.registry.geometry`.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ...errors import BadInput

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 12
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


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


def store_photos(photos: list[Photo], folder: Path) -> list[dict[str, Any]]:
    """Write ``photos`` under ``folder`` with random names; returns what to record."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for p in photos:
        name = secrets.token_hex(12) + p.extension
        (folder / name).write_bytes(p.data)
        out.append({"file": name, "original_name": p.original_name, "width": p.width,
                    "height": p.height, "bytes": len(p.data)})
    return out
