"""Public pages of the naming plans (地名规划): ``/plans`` lists the approved plans and
``/plans/<code>`` shows one with its planned names (规划地名), which are not standard names.

Draft, retired and unknown plans answer 404 with a bilingual message
(:mod:`placenames.ops.plans.published`).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import db
from ..ops.plans import published

bp = Blueprint("plans_public", __name__)

@bp.get("/plans")
def plans_page() -> str:
    """The approved naming plans."""
    return render_template("plans_public/index.html",
                           plans=published.approved_plans(db.session()))


@bp.get("/plans/<code>")
def plan_page(code: str) -> str:
    """One approved plan: what it covers and its planned names."""
    plan = published.approved_plan(db.session(), code)
    return render_template("plans_public/plan.html", plan=plan, bbox=plan.bbox())
