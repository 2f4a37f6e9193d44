"""Pure core of the naming procedure (命名、更名、销名): no Flask, no SQLAlchemy, no database.

Modules:

- ``states``: ``State``, ``Action``, ``Kind``, the transition table ``TRANSITIONS`` and
  ``ALLOWED_ROLES`` as data, with Chinese labels;
- ``guard``: :func:`decide`, the one guard of every state change, and
  :func:`available_actions` for the UI; ``Context`` holds the facts it needs;
- ``errors``: ``IllegalTransition`` / ``PreconditionFailed`` (409), ``NotPermitted`` (403),
  ``PanelError``, each with ``code``, ``message_zh``, ``message_en`` and ``http_status``;
- ``deadlines``: the public comment period and the 15-day announce/file limits (China time);
- ``panel``: reproducible expert-panel draw from a stored seed, and the panel's result;
- ``masking``: names and phone numbers of public commenters, fit to publish.

The database layer calls :func:`decide` with the actor's roles, ownership and the clock, then
applies the returned ``Transition``, bumps the version and writes the audit row.
"""

from placenames.workflow.deadlines import (
    CHINA_TZ,
    DEFAULT_COMMENT_DAYS,
    approval_deadlines,
    china_date,
    comment_period,
    due_status,
)
from placenames.workflow.errors import (
    IllegalTransition,
    NotPermitted,
    PanelError,
    PreconditionFailed,
    WorkflowError,
)
from placenames.workflow.guard import (
    ROLE_LABELS_ZH,
    Context,
    Transition,
    available_actions,
    comment_window_open,
    decide,
)
from placenames.workflow.masking import mask_name, mask_phone, normalise_phone
from placenames.workflow.panel import ExpertRef, draw_panel, new_seed, panel_result
from placenames.workflow.states import (
    ACTION_LABELS_ZH,
    ALLOWED_ROLES,
    EDITABLE_STATES,
    OWNER_ACTIONS,
    STATE_LABELS_ZH,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Kind,
    State,
    label_en,
)

__all__ = [
    "ACTION_LABELS_ZH", "ALLOWED_ROLES", "CHINA_TZ", "DEFAULT_COMMENT_DAYS", "EDITABLE_STATES",
    "OWNER_ACTIONS", "ROLE_LABELS_ZH", "STATE_LABELS_ZH", "TERMINAL_STATES",
    "TRANSITIONS", "Action", "Context", "ExpertRef", "IllegalTransition", "Kind",
    "NotPermitted", "PanelError", "PreconditionFailed", "State", "Transition", "WorkflowError",
    "approval_deadlines", "available_actions", "china_date", "comment_period",
    "comment_window_open", "decide", "draw_panel", "due_status", "label_en", "mask_name",
    "mask_phone", "new_seed", "normalise_phone", "panel_result",
]  # fmt: skip
