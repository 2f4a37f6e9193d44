"""Errors raised by the pure workflow core.

Every error carries a stable machine ``code``, a message in Chinese and in English fit to show
a user, and the ``http_status`` the web layer should answer with. Nothing here imports Flask;
the web maps the attribute. (Whether another user's application answers 404 rather than 403
is decided by the web layer, before the guard is ever called.)
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base class of every workflow error.

    Attributes:
        code: stable machine-readable code, e.g. ``"illegal_transition"``.
        message_zh: message for users, in Chinese.
        message_en: the same message in English.
        http_status: the HTTP status the web layer answers with.
    """

    http_status = 409

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


class IllegalTransition(WorkflowError):
    """The transition table has no edge for this (state, action); HTTP 409."""

    http_status = 409


class NotPermitted(WorkflowError):
    """The actor's roles (or ownership, or panel seat) do not allow the action; HTTP 403."""

    http_status = 403


class PreconditionFailed(WorkflowError):
    """The edge exists and the actor may take it, but a fact is not yet true; HTTP 409."""

    http_status = 409


class PanelError(WorkflowError):
    """An expert panel cannot be drawn as asked (too few eligible experts...); HTTP 409."""

    http_status = 409
