"""Passwords: argon2id hashes, the policy a new password must meet, equal-time checks.

- Hashes are argon2id (argon2-cffi, its recommended parameters). Hashes of the older scheme
  (werkzeug's pbkdf2/scrypt) still verify and are replaced at the next successful sign-in.
- A password has at least 12 characters, is not one of the 30,000 most common passwords (the
  list zxcvbn ships) and does not contain the username.
- Checking a password for an unknown user costs the same as for a known one (a hash of a
  dummy password is verified), so the time of a refusal tells nothing.
"""

from __future__ import annotations

import os
from contextlib import suppress
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from werkzeug.security import check_password_hash

from ...errors import BadInput

MIN_LENGTH = 12


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    """argon2id with RFC 9106's low-memory parameters (64 MiB, 3 passes), or another named
    profile of argon2-cffi from ``PLACENAMES_ARGON2_PROFILE`` (the test suite uses CHEAPEST,
    as argon2-cffi advises for tests; a verification reads the parameters from the hash)."""
    name = os.environ.get("PLACENAMES_ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    params = getattr(profiles, name, None)
    if params is None:
        raise BadInput(f"PLACENAMES_ARGON2_PROFILE: unknown profile {name!r}")
    return PasswordHasher.from_parameters(params)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("a password no account has, for equal-time refusals")


def check_policy(password: str, username: str) -> None:
    """BadInput naming the rule a new password breaks (length, common, contains the name)."""
    if len(password) < MIN_LENGTH:
        raise BadInput(f"密码至少 {MIN_LENGTH} 个字符 / the password needs at least {MIN_LENGTH} "
                       "characters")
    if password.lower() in _common():
        raise BadInput("这是常见密码，请换一个 / this is a common password: choose another")
    if username and username.lower() in password.lower():
        raise BadInput("密码不能包含用户名 / the password must not contain the username")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher().hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True if ``password`` matches the ``stored`` hash; ``None`` costs a real verification."""
    if not stored:
        with suppress(VerificationError):  # always a mismatch: only its time counts
            _hasher().verify(_dummy_hash(), password)
        return False
    if stored.startswith("$argon2"):
        try:
            return bool(_hasher().verify(stored, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` is of an older scheme or older parameters."""
    return not stored.startswith("$argon2") or _hasher().check_needs_rehash(stored)
