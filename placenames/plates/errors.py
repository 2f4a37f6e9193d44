"""Errors of the plates package.

Each error carries an HTTP status and a message fit for users (``user_msg``), in the same
shape as the project's ``PlacenamesError`` family, so the web layer can map them directly.
"""

from __future__ import annotations

from ..errors import PlacenamesError


class PlatesError(PlacenamesError, ValueError):
    """Base error of the plates package: ``user_msg`` is safe to show to users.

    A :class:`~placenames.errors.PlacenamesError`, so the one error handler renders it.
    """

    http_status: int = 400

    def __init__(self, user_msg: str, *, detail: str | None = None) -> None:
        super().__init__(user_msg if detail is None else f"{user_msg} ({detail})")
        self.user_msg = user_msg
        self.detail = detail


class PlateIdError(PlatesError):
    """A plate id that is malformed: wrong length, character or check character."""


class PlateUrlError(PlatesError):
    """A base URL or scanned URL that is not an official plate URL."""


class LayoutError(PlatesError):
    """A plate whose content cannot be laid out (e.g. empty number)."""

    http_status = 422


class FontError(PlatesError):
    """No usable CJK font, or a character the font has no glyph for (would print as tofu)."""

    http_status = 500
