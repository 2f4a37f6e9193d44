"""The naming plan (地名规划) and its reserved names (备用地名库), on the database.

- :mod:`.plans`: create, edit, approve, retire, find plans (``PlanInput``);
- :mod:`.reserved`: enter a reserved name (screened), release it, screen it again, its state
  and screen history (``ReserveInput``);
- :mod:`.take`: an application takes a reserved name and carries it into the procedure;
- :mod:`.errors`: ``PlanError`` (the guard's refusals) and ``ScreenBlocked``.

The pure states, transitions, guard and input checks are :mod:`placenames.workflow.plans`;
the procedure's side (screens, in force, withdrawal) is
:mod:`placenames.ops.procedure.reserved_link`.
"""

from .errors import PlanError, ScreenBlocked
from .plans import (
    PlanInput,
    approve_plan,
    create_plan,
    get_plan,
    list_plans,
    retire_plan,
    update_plan,
)
from .reserved import (
    ReserveInput,
    area_divisions,
    by_theme,
    counts,
    find_reserved,
    get_reserved,
    history,
    last_screen,
    planned_geojson,
    release,
    rescreen,
    reserve,
    state_of,
)
from .take import take

__all__ = [
    "PlanError", "PlanInput", "ReserveInput", "ScreenBlocked", "approve_plan", "area_divisions",
    "by_theme", "counts", "create_plan", "find_reserved", "get_plan", "get_reserved", "history",
    "last_screen", "list_plans", "planned_geojson", "release", "rescreen", "reserve",
    "retire_plan", "state_of", "take", "update_plan",
]  # fmt: skip
