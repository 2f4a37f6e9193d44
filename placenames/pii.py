"""Personal data of the public kept encrypted at rest: keys, AES-GCM sealing, blind indexes.

Pure Python on ``cryptography``: no Flask, no database. The operations that use it are in
:mod:`placenames.ops.privacy.contacts`.

Keys
    The root is a 32-byte secret: ``PLACENAMES_PII_KEY`` (base64 or hex), or, when that is
    unset, a random secret kept in ``<instance>/pii_key`` (mode 0600, made on first start).
    HKDF-SHA256 derives three values from it under distinct labels: the AES-256-GCM key, the
    HMAC-SHA256 key of the blind indexes, and a key id (8 hex digits) that names the secret
    without revealing it. The setting may list more secrets after the first, separated by
    commas: the first encrypts and indexes, the others are *retired*: they only decrypt, and
    lookups also try their indexes, until ``placenames privacy rotate-key`` has moved every
    row to the first.

Ciphertexts
    ``pn1:<key id>:<base64url(nonce | ciphertext | tag)>``, text on both backends. The nonce
    is 96 random bits per value, so the same phone encrypts differently every time. The
    associated data is ``<table>.<column>:<row id>``: a ciphertext copied to another row or
    another column fails authentication, as does a changed byte.

Blind indexes
    HMAC-SHA256 (hex) of a normalised value under the index key: equal values have equal
    indexes, so rows can be found by value without decrypting them, and the index says nothing
    of the value to whoever lacks the key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import BadInput, PlacenamesError

FORMAT = "pn1"
SECRET_BYTES = 32
NONCE_BYTES = 12
KEY_FILE = "pii_key"
SETTING = "PLACENAMES_PII_KEY"
_SALT = b"placenames personal data"


class PiiKeyError(BadInput):
    """The key setting or the key file is malformed (the value is never echoed)."""

    exit_code = 78  # EX_CONFIG


class UnreadableCiphertext(PlacenamesError):
    """A stored ciphertext cannot be decrypted: malformed, under a key that is not configured,
    or failing authentication (moved to another row or column, or altered)."""

    http_status = 500
    exit_code = 65  # EX_DATAERR

    def __init__(self, user_msg: str, *, key_id: str | None = None) -> None:
        super().__init__(user_msg)
        self.key_id = key_id


@dataclass(frozen=True)
class Secret:
    """One root secret and what is derived from it."""

    key_id: str
    cipher_key: bytes
    index_key: bytes

    def __repr__(self) -> str:  # never print key material in a traceback or a log
        return f"Secret(key_id={self.key_id!r})"


@dataclass(frozen=True)
class Keyring:
    """The current secret (encrypts, indexes) and retired ones (decrypt only)."""

    current: Secret
    retired: tuple[Secret, ...] = ()
    source: str = ""  # where the secrets came from, for messages: the setting or a file

    @property
    def all(self) -> tuple[Secret, ...]:
        """Every configured secret, the current one first."""
        return (self.current, *self.retired)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of every configured secret, the current one first."""
        return tuple(s.key_id for s in self.all)

    def by_id(self, key_id: str) -> Secret | None:
        """The configured secret with id ``key_id``, or None."""
        return next((s for s in self.all if s.key_id == key_id), None)


def _derive(secret: bytes, label: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                info=label.encode()).derive(secret)


def derive(secret: bytes) -> Secret:
    """The cipher key, index key and key id of a 32-byte root ``secret``."""
    if len(secret) != SECRET_BYTES:
        raise PiiKeyError(f"个人信息密钥须为 {SECRET_BYTES} 字节 / the personal-data key must be "
                          f"{SECRET_BYTES} bytes")
    return Secret(key_id=_derive(secret, "key id v1", 4).hex(),
                  cipher_key=_derive(secret, "aes-256-gcm v1"),
                  index_key=_derive(secret, "blind index hmac-sha256 v1"))


def parse_secret(text: str, where: str = SETTING) -> bytes:
    """The 32 bytes written in ``text`` as hex (64 digits) or base64 (standard or URL-safe,
    padding optional); :class:`PiiKeyError` naming ``where`` otherwise."""
    value = text.strip()
    raw: bytes | None = None
    if len(value) == 2 * SECRET_BYTES:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = None
    if raw is None:
        padded = value + "=" * (-len(value) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != SECRET_BYTES:
        raise PiiKeyError(
            f"{where} 格式无效：须为 {SECRET_BYTES} 字节的 base64（44 个字符）"
            "或十六进制（64 个字符）；可用 placenames privacy new-key 生成 / "
            f"{where} is malformed: it must be {SECRET_BYTES} bytes as base64 (44 characters) "
            "or hex (64 characters); `placenames privacy new-key` makes one")
    return raw


def keyring_from_text(text: str, where: str = SETTING) -> Keyring:
    """The keyring written in ``text``: secrets separated by commas, the current one first."""
    parts = [p for p in (x.strip() for x in text.split(",")) if p]
    if not parts:
        raise PiiKeyError(f"{where} 为空 / {where} is empty")
    secrets_ = [derive(parse_secret(p, where)) for p in parts]
    ids = [s.key_id for s in secrets_]
    if len(set(ids)) != len(ids):
        raise PiiKeyError(f"{where} 中有重复的密钥 / {where} lists the same key twice")
    return Keyring(current=secrets_[0], retired=tuple(secrets_[1:]), source=where)


def new_secret_text() -> str:
    """A fresh random secret as base64 (what ``placenames privacy new-key`` prints)."""
    return base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def instance_key_file(instance_path: str | Path) -> Path:
    """Where the generated secret is kept when the setting is unset."""
    return Path(instance_path) / KEY_FILE


def load_keyring(setting: str | None, instance_path: str | Path) -> Keyring:
    """The keyring from the setting's value, or else from the instance folder's key file,
    which is made (random, mode 0600) when missing."""
    if setting is not None and setting.strip():
        return keyring_from_text(setting)
    path = instance_key_file(instance_path)
    if not path.exists():
        _create_key_file(path)
    return keyring_from_text(path.read_text(), str(path))


def _create_key_file(path: Path) -> None:
    """Write a new secret to ``path`` with mode 0600 from the start; when two processes race,
    the first file wins whole (written aside, then linked into place) and is never
    overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(new_secret_text() + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def associated_data(table: str, column: str, row_id: uuid.UUID | str) -> bytes:
    """What a ciphertext is bound to: its table, column and row."""
    return f"{table}.{column}:{uuid.UUID(str(row_id))}".encode()


def seal(keyring: Keyring, plaintext: str, *, table: str, column: str,
         row_id: uuid.UUID | str) -> str:
    """``plaintext`` encrypted under the current key and bound to its table, column and row."""
    secret = keyring.current
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(secret.cipher_key).encrypt(nonce, plaintext.encode(),
                                             associated_data(table, column, row_id))
    token = base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")
    return f"{FORMAT}:{secret.key_id}:{token}"


def key_id_of(sealed: str) -> str | None:
    """The key id a ciphertext names, or None when it is not one of ours."""
    parts = sealed.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == FORMAT else None


def open_sealed(keyring: Keyring, sealed: str, *, table: str, column: str,
                row_id: uuid.UUID | str) -> str:
    """The plaintext of ``sealed`` read back from ``table.column`` of row ``row_id``.

    :class:`UnreadableCiphertext` when it is malformed, names a key that is not configured,
    or fails authentication (another row's or column's ciphertext, or altered).
    """
    where = f"{table}.{column} ({row_id})"
    kid = key_id_of(sealed)
    if kid is None:
        raise UnreadableCiphertext(f"{where} 不是有效的密文 / {where} is not a valid ciphertext")
    secret = keyring.by_id(kid)
    if secret is None:
        raise UnreadableCiphertext(
            f"{where} 由未配置的密钥 {kid} 加密（已配置：{', '.join(keyring.key_ids)}）/ "
            f"{where} was encrypted under key {kid}, which is not configured "
            f"(configured: {', '.join(keyring.key_ids)})", key_id=kid)
    token = sealed.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise UnreadableCiphertext(f"{where} 不是有效的密文 / {where} is not a valid "
                                   "ciphertext", key_id=kid) from None
    try:
        clear = AESGCM(secret.cipher_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                  associated_data(table, column, row_id))
    except (InvalidTag, ValueError):
        raise UnreadableCiphertext(
            f"{where} 的密文未通过校验（被移动到其他记录或被篡改）/ the ciphertext of {where} "
            "failed authentication (moved from another row or column, or altered)",
            key_id=kid) from None
    return clear.decode()


def blind_index(secret: Secret, normalised: str) -> str:
    """HMAC-SHA256 (hex) of an already normalised value under ``secret``'s index key."""
    return hmac.new(secret.index_key, normalised.encode(), hashlib.sha256).hexdigest()


def blind_indexes(keyring: Keyring, normalised: str) -> list[str]:
    """The value's index under every configured secret (what a lookup searches for)."""
    return [blind_index(s, normalised) for s in keyring.all]
