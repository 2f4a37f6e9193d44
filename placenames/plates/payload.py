"""Scan URLs printed in the QR code: ``<base>/p/<plate id>[?t=<tag>]``.

The base URL is the official service address (e.g. ``https://dmb.xixian.gov.cn``); its host is
printed under the code so residents can tell a genuine plate from a phishing sticker.

The optional tag is a truncated HMAC-SHA256 of the plate id (8 Crockford base32 characters,
40 bits).  It lets field staff check a plate *offline* with a device holding the key: a sticker
made by someone without the key fails :func:`verify`.  Anyone holding the key can forge tags,
so the key belongs to field devices only, never to the public scan page.  The server never
needs the tag: plate ids are unguessable (80 bits) and looked up in the registry.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from .errors import PlateIdError, PlateUrlError
from .ids import ALPHABET, normalize_plate_id

TAG_LENGTH = 8
"""Characters of a tag (40 bits)."""

_TAG_CONTEXT = b"placenames/plate-tag/v1\x00"


def normalize_base_url(base_url: str) -> str:
    """Return ``base_url`` without trailing slash, or raise :class:`PlateUrlError`.

    Must be ``https://`` or ``http://`` with a host, and no query, fragment or user info.
    A path prefix (``https://example.gov.cn/dmb``) is allowed.
    """
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise PlateUrlError("服务地址须以 https:// 或 http:// 开头并包含域名。", detail=base_url)
    if parts.query or parts.fragment or "?" in base_url or "#" in base_url:
        raise PlateUrlError("服务地址不能带查询参数或锚点。", detail=base_url)
    if parts.username is not None or parts.password is not None:
        raise PlateUrlError("服务地址不能包含用户名或密码。", detail=base_url)
    return f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def official_host(base_url: str) -> str:
    """Return the host to print under the code (``dmb.xixian.gov.cn``), port kept if any."""
    return urlsplit(normalize_base_url(base_url)).netloc


def sign(plate_id: str, key: bytes) -> str:
    """Return the 8-character tag (truncated HMAC-SHA256) for ``plate_id`` under ``key``."""
    if not key:
        raise ValueError("empty HMAC key")
    mac = hmac.new(key, _TAG_CONTEXT + normalize_plate_id(plate_id).encode(), hashlib.sha256)
    n = int.from_bytes(mac.digest()[:5], "big")
    return "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(TAG_LENGTH)))


def verify(plate_id: str, tag: str, key: bytes) -> bool:
    """Return whether ``tag`` is the tag of ``plate_id`` under ``key`` (constant-time compare)."""
    try:
        expected = sign(plate_id, key)
    except PlateIdError:
        return False
    return hmac.compare_digest(expected, tag.strip().upper())


def plate_url(base_url: str, plate_id: str, *, key: bytes | None = None) -> str:
    """Return the scan URL ``<base>/p/<id>``, with ``?t=<tag>`` when ``key`` is given."""
    pid = normalize_plate_id(plate_id)
    url = f"{normalize_base_url(base_url)}/p/{pid}"
    return url if key is None else f"{url}?t={sign(pid, key)}"


@dataclass(frozen=True, slots=True)
class ScannedPlate:
    """What a scanned plate URL says: the plate id, the tag if any, and the tag check."""

    plate_id: str
    tag: str | None
    tag_valid: bool | None
    """``None`` when no key was given or the URL has no tag."""


def parse_plate_url(url: str, base_url: str, *, key: bytes | None = None) -> ScannedPlate:
    """Parse a scanned URL; raise :class:`PlateUrlError` unless it is under ``base_url``.

    Scheme and host compare case-insensitively; the id is normalized (aliases accepted).
    With ``key``, a present tag is verified (``tag_valid``); a missing tag gives ``None``.
    """
    base = urlsplit(normalize_base_url(base_url))
    parts = urlsplit(url.strip())
    same_site = (parts.scheme.lower(), parts.netloc.lower()) == (base.scheme, base.netloc)
    prefix = f"{base.path}/p/"
    if not same_site or not parts.path.startswith(prefix) or parts.fragment:
        raise PlateUrlError("这不是官方门牌二维码地址，请勿继续操作。", detail=url)
    try:
        pid = normalize_plate_id(parts.path[len(prefix) :])
    except PlateIdError as exc:
        raise PlateUrlError("二维码中的门牌编码无效。", detail=exc.user_msg) from exc
    tags = parse_qs(parts.query).get("t", [])
    tag = tags[0].upper() if tags else None
    valid = None if key is None or tag is None else verify(pid, tag, key)
    return ScannedPlate(plate_id=pid, tag=tag, tag_valid=valid)
