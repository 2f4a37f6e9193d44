"""Refusals of the plan guard and of plan input, as errors the web and the CLI show."""

from __future__ import annotations

from typing import Any

from ...errors import PlacenamesError
from ...workflow.errors import WorkflowError

EXIT_BY_STATUS = {400: 64, 403: 77, 404: 66, 409: 75}


class PlanError(PlacenamesError):
    """A refusal of the plan guard (403/409) or of what was typed (400), with its code and
    both messages."""

    def __init__(self, err: WorkflowError) -> None:
        super().__init__(f"{err.message_zh} / {err.message_en}", detail=str(err))
        self.http_status = err.http_status
        self.exit_code = EXIT_BY_STATUS.get(err.http_status, 65)
        self.code = err.code
        self.message_zh = err.message_zh
        self.message_en = err.message_en


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
