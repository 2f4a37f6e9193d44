"""Errors that carry their HTTP status and a message fit for users, apart from logged detail.

One handler (``placenames.web.errors``) renders them as HTML or JSON; the CLI prints
``user_msg`` and exits with ``exit_code``.
"""

from __future__ import annotations

from typing import Protocol


class WorkflowErrorLike(Protocol):
    """What :class:`GuardRefused` reads of a ``workflow.errors.WorkflowError``."""

    code: str
    message_zh: str
    message_en: str
    http_status: int


class PlacenamesError(Exception):
    """Base of every error a user may see.

    ``user_msg`` is shown to people (Chinese first, English after a slash where useful);
    ``detail`` goes to the log only.
    """

    http_status = 400
    exit_code = 65  # EX_DATAERR

    def __init__(self, user_msg: str, *, detail: str | None = None) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.detail = detail


class BadInput(PlacenamesError):
    """The request or file is malformed."""

    http_status = 400
    exit_code = 64  # EX_USAGE


class NotFound(PlacenamesError):
    """The record does not exist (or the caller may not know it exists)."""

    http_status = 404
    exit_code = 66  # EX_NOINPUT


class Conflict(PlacenamesError):
    """The change clashes with the stored state (stale version, illegal transition)."""

    http_status = 409
    exit_code = 75  # EX_TEMPFAIL


class Forbidden(PlacenamesError):
    """The actor may not do this."""

    http_status = 403
    exit_code = 77  # EX_NOPERM


class ImportRejected(BadInput):
    """A file was rejected as a whole; ``problems`` lists (line number, reason)."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, user_msg: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(user_msg)
        self.problems = problems


EXIT_BY_STATUS = {400: 64, 403: 77, 404: 66, 409: 75}


class GuardRefused(PlacenamesError):
    """A refusal of a pure guard (``workflow``: 403 not permitted, 409 not now) or of what was
    typed (400), with its code and both messages."""

    def __init__(self, err: WorkflowErrorLike) -> None:
        super().__init__(f"{err.message_zh} / {err.message_en}", detail=str(err))
        self.http_status = err.http_status
        self.exit_code = EXIT_BY_STATUS.get(err.http_status, 65)
        self.code = err.code
        self.message_zh = err.message_zh
        self.message_en = err.message_en
