"""What the public sees of the naming plans: approved plans and their names, as planned.

Only plans of status ``approved`` are public. Of their reserved names the public sees those
still planned (reserved, or taken by an application: both shown as "planned") and those
already used (now standard names, with a link to their record); a released name never
appears. Draft and retired plans do not exist for the public (404), nor does a code that is
not a plan. Planned names are not standard names: they are kept out of the register's search
and of the map's names layer, and shown on the plan pages and the map's planned layer only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Jurisdiction, NamingPlan, Place, PlaceStatus, ReservedName
from ...models.places import PLAN_ONLY
from .rows import ReservedRow, plan_rows

PUBLIC_STATUSES = ("approved",)
HIDDEN_NAME = ("未公布的规划备用地名", "a reserved name of a plan not made public")
"""What the public reads in place of a plan name it may not see."""


@dataclass(frozen=True)
class PlanSummary:
    """One approved plan in the public list."""

    code: str
    title: str
    area: str
    period_start: int
    period_end: int
    themes: list[str]
    planned: int  # names still planned
    used: int  # names now in force


@dataclass(frozen=True)
class PublicPlan:
    """An approved plan as the public sees it."""

    code: str
    title: str
    area: str
    period_start: int
    period_end: int
    themes: list[str]
    description: str
    approving_body: str
    approval_doc_no: str
    approval_date: date | None
    names: list[ReservedRow]  # planned and used ones, never released

    @property
    def planned(self) -> list[ReservedRow]:
        """The names still planned."""
        return [r for r in self.names if r.planned]

    @property
    def used(self) -> list[ReservedRow]:
        """The names that have become standard names."""
        return [r for r in self.names if r.state == "used"]

    def bbox(self) -> list[float] | None:
        """[west, south, east, north] of the planned names' geometries (None without any)."""
        xs: list[float] = []
        ys: list[float] = []

        def walk(c: Any) -> None:
            if c and isinstance(c[0], int | float):
                xs.append(float(c[0]))
                ys.append(float(c[1]))
            else:
                for part in c:
                    walk(part)

        for r in self.planned:
            if r.geometry:
                walk(r.geometry["coordinates"])
        return [min(xs), min(ys), max(xs), max(ys)] if xs else None


NOT_PUBLIC_MSG = ("没有编号为 {code} 的已批准地名规划。 / "
                  "There is no approved naming plan with the code {code}.")


def approved_plans(session: Session) -> list[PlanSummary]:
    """The approved plans, newest period first, with their counts of planned and used
    names."""
    counts: dict[Any, dict[str, int]] = {}
    stmt = (select(ReservedName.plan_id, Place.status, func.count())
            .join(Place, Place.id == ReservedName.place_id)
            .join(NamingPlan, NamingPlan.id == ReservedName.plan_id)
            .where(NamingPlan.status.in_(PUBLIC_STATUSES))
            .group_by(ReservedName.plan_id, Place.status))
    for plan_id, status, n in session.execute(stmt):
        by = counts.setdefault(plan_id, {"planned": 0, "used": 0})
        if status == PlaceStatus.RESERVED:
            by["planned"] += n
        elif status != PlaceStatus.RELEASED:
            by["used"] += n
    plans = session.execute(
        select(NamingPlan, Jurisdiction.name).join(Jurisdiction,
                                                   Jurisdiction.id == NamingPlan.area_id)
        .where(NamingPlan.status.in_(PUBLIC_STATUSES))
        .order_by(NamingPlan.period_start.desc(), NamingPlan.code)).all()
    return [PlanSummary(p.code, p.title, area, p.period_start, p.period_end, p.theme_list,
                        counts.get(p.id, {}).get("planned", 0),
                        counts.get(p.id, {}).get("used", 0)) for p, area in plans]


def approved_plan(session: Session, code: str) -> PublicPlan:
    """The approved plan ``code`` with its planned and used names; :class:`NotFound` (404,
    bilingual) for any other code, a draft or a retired plan."""
    code = (code or "").strip()[:40]
    plan = session.scalar(select(NamingPlan).where(NamingPlan.code == code,
                                                   NamingPlan.status.in_(PUBLIC_STATUSES)))
    if plan is None:
        raise NotFound(NOT_PUBLIC_MSG.format(code=code))
    names = [r for r in plan_rows(session, plan) if r.state != "released"]
    return PublicPlan(plan.code, plan.title, plan.area.name, plan.period_start,
                      plan.period_end, plan.theme_list, plan.description or "",
                      plan.approving_body or "", plan.approval_doc_no or "", plan.approval_date,
                      names)


def plan_focus(session: Session, code: str) -> dict[str, Any] | None:
    """Where the map should look for an approved plan: its title and the box of its planned
    names (None for any other code, or a plan with nothing planned on the map)."""
    try:
        plan = approved_plan(session, code)
    except NotFound:
        return None
    box = plan.bbox()
    return {"name": plan.title, "bbox": box} if box else None


def screen_for_the_public(session: Session, screened: dict[str, Any]) -> dict[str, Any]:
    """A screen's answer (``screen.as_dict``) as the public may read it.

    A hit on a reserved name of a plan that is not public (a draft, a retired plan), or on a
    released name, keeps its place in the verdict (the name is taken) but shows neither the
    name nor its record: its name, record id and division are blanked, and the reasons say
    "a reserved name of a plan not made public" where they named it. Hits on the planned
    names of approved plans, as the plan pages show them, stay as they are."""
    plan_ids = [h["id"] for h in screened["hits"] if h["status"] in PLAN_ONLY]
    if not plan_ids:
        return screened
    public = {str(i) for i in session.scalars(
        select(ReservedName.place_id)
        .join(NamingPlan, NamingPlan.id == ReservedName.plan_id)
        .join(Place, Place.id == ReservedName.place_id)
        .where(ReservedName.place_id.in_([uuid.UUID(i) for i in plan_ids]),
               NamingPlan.status.in_(PUBLIC_STATUSES), Place.status == PlaceStatus.RESERVED))}
    zh, en = HIDDEN_NAME
    hits = []
    for hit in screened["hits"]:
        if hit["status"] in PLAN_ONLY and hit["id"] not in public:
            name = hit["name"]
            hit = {**hit, "id": "", "name": f"（{zh}）", "jurisdiction": None,
                   "jurisdiction_code": None, "distance_m": None,
                   "reason_zh": hit["reason_zh"].replace(name, zh),
                   "reason_en": hit["reason_en"].replace(name, en)}
        hits.append(hit)
    return {**screened, "hits": hits}
