"""Plate ids: 80 random bits in Crockford base32 plus one check character.

A plate id is 16 Crockford base32 characters (80 bits from :mod:`secrets`) followed by one
check character, 17 characters in all, e.g. ``7KQ2M9XW4TZB1RC8`` + ``N``.

Why not Crockford's own check?  Crockford's check is the value mod 37 and needs five extra
symbols ``* ~ $ = U``; ``*``, ``$`` and ``=`` are reserved or awkward in URLs and ``U`` is
excluded from the body alphabet on purpose.  We instead use a check character **from the same
32-symbol alphabet**, so an id is always ``[0-9A-HJKMNP-TV-Z]{17}`` and URL-safe as is.

The check is computed in the finite field GF(32) (primitive polynomial x^5 + x^2 + 1,
generator alpha = x): the 17 symbol values v_0..v_16 are chosen such that
sum(v_i * alpha^(16-i)) == 0.  Because every power alpha^k for k < 31 is distinct and non-zero,
this catches

- every single-character substitution (error e * alpha^k != 0), and
- every transposition of two different characters at any distance (not only adjacent ones):
  (x + y) * (alpha^i + alpha^j) != 0 for x != y and i != j.

A plain weighted sum mod 32 would not: 32 is not prime, so even weights lose errors.

Humans read the display form, groups of four with hyphens: ``7KQ2-M9XW-4TZB-1RC8-N``.
:func:`normalize_plate_id` accepts that form, lower case, spaces, and Crockford's aliases
(I and L read as 1, O read as 0).
"""

from __future__ import annotations

import secrets
from typing import Protocol

from .errors import PlateIdError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32 alphabet (no I, L, O, U)."""

BODY_LENGTH = 16
"""Characters carrying the 80 random bits."""

ID_LENGTH = BODY_LENGTH + 1
"""Characters of a canonical plate id, check character included."""

RANDOM_BITS = 80

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_ALIASES = {"I": "1", "L": "1", "O": "0"}
_SEPARATORS = str.maketrans("", "", "- \u00a0\u2010\u2011\u2012\u2013\u2014\uff0d")
_POLY = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)


class SecretsLike(Protocol):
    """The :mod:`secrets` module's shape: ``randbits(k)``."""

    def randbits(self, k: int, /) -> int:
        """Return an int with ``k`` random bits."""
        ...


class RandomLike(Protocol):
    """``random.Random``'s shape (seeded generators in tests): ``getrandbits(k)``."""

    def getrandbits(self, k: int, /) -> int:
        """Return an int with ``k`` random bits."""
        ...


RandomSource = SecretsLike | RandomLike


def _times_alpha(a: int) -> int:
    """Multiply a GF(32) element by alpha (= x)."""
    a <<= 1
    return a ^ _POLY if a & 0b100000 else a


def _syndrome(values: list[int]) -> int:
    """Evaluate the symbol polynomial at alpha by Horner's rule."""
    acc = 0
    for v in values:
        acc = _times_alpha(acc) ^ v
    return acc


def check_character(body: str) -> str:
    """Return the check character for a canonical 16-character body."""
    return ALPHABET[_times_alpha(_syndrome([_VALUE[c] for c in body]))]


def new_plate_id(rng: RandomSource = secrets) -> str:
    """Return a new canonical plate id (17 characters) from 80 random bits of ``rng``.

    ``rng`` is the :mod:`secrets` module by default; a seeded ``random.Random`` is accepted
    for reproducible test data (never for real plates).
    """
    n = rng.randbits(RANDOM_BITS) if hasattr(rng, "randbits") else rng.getrandbits(RANDOM_BITS)
    body = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
    return body + check_character(body)


def normalize_plate_id(text: str) -> str:
    """Return the canonical form of a typed or scanned plate id, or raise :class:`PlateIdError`.

    Accepts lower case, hyphens and spaces, and the aliases I/L -> 1 and O -> 0.
    """
    raw = text.strip().translate(_SEPARATORS).upper()
    chars = "".join(_ALIASES.get(c, c) for c in raw)
    if len(chars) != ID_LENGTH:
        raise PlateIdError(
            f"门牌编码应为 {ID_LENGTH} 位字母或数字，实际为 {len(chars)} 位。"
            f" A plate id has {ID_LENGTH} letters or digits, got {len(chars)}."
        )
    bad = sorted({c for c in chars if c not in _VALUE})
    if bad:
        shown = " ".join(bad)
        raise PlateIdError(
            f"门牌编码含有无效字符：{shown}。 Invalid character in plate id: {shown}."
        )
    if _syndrome([_VALUE[c] for c in chars]) != 0:
        raise PlateIdError(
            "门牌编码校验不通过，请核对是否抄错。 Plate id check failed: please re-check it."
        )
    return chars


def is_plate_id(text: str) -> bool:
    """Return whether ``text`` normalizes to a valid plate id."""
    try:
        normalize_plate_id(text)
    except PlateIdError:
        return False
    return True


def display_plate_id(plate_id: str) -> str:
    """Return the human form in groups of four, e.g. ``7KQ2-M9XW-4TZB-1RC8-N``."""
    pid = normalize_plate_id(plate_id)
    return "-".join(pid[i : i + 4] for i in range(0, ID_LENGTH, 4))
