"""Errors raised by the pure naming engine.

Every error carries a machine code and a message in Chinese and English, fit to show a user.
The web layer maps them to HTTP 400; nothing here knows about HTTP.
"""

from __future__ import annotations


class NamingError(Exception):
    """Base class: an input the naming engine cannot process.

    Attributes:
        code: stable machine-readable code, e.g. ``"empty"`` or ``"too_long"``.
        message_zh: message for users, in Chinese.
        message_en: the same message in English.
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


class NameInputError(NamingError):
    """A proposed name is not acceptable text (empty, too long, control characters, emoji...)."""


class ReadingError(NameInputError):
    """A staff reading override (读音) is malformed or does not fit the name."""
