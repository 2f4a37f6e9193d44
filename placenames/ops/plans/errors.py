"""Refusals of the plan guard and of plan input, as errors the web and the CLI show."""

from __future__ import annotations

from typing import Any

from ...errors import GuardRefused, PlacenamesError
from ...workflow.errors import WorkflowError


class PlanError(GuardRefused):
    """A refusal of the plan guard (403/409) or of what was typed (400), with its code and
    both messages."""


class ScreenBlocked(PlacenamesError):
    """The screen blocks a name offered for the plan's reserve and no reason to go on with it
    was given (400); ``result`` is the screen's result (``screen.as_dict``) to show."""

    http_status = 400
    exit_code = 65

    def __init__(self, user_msg: str, result: dict[str, Any]) -> None:
        super().__init__(user_msg)
        self.result = result


def plan_error(err: WorkflowError) -> PlanError:
    """The error to raise for a refusal of the pure core."""
    return PlanError(err)
