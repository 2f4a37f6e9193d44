"""A small register with naming plans, for the plan's print, map layer and public pages.

Built with the models directly (plus the registry's ``create_place``), on the demo's frame of
jurisdictions: two roads in force around 建章路 in 沣东新城, an approved plan whose reserved
names are a road (reserved), a square (an area), a bridge (a point, taken by an application
through the plan's ``take``), a name now in force (used) and a released one; and a draft plan
with one reserved road.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from placenames.models import Jurisdiction, NamingPlan, Place, ReservedName
from placenames.ops.accounts.users import ensure_user
from placenames.ops.demo import loader as demo
from placenames.ops.plans import take
from placenames.ops.registry.places import PlaceInput, create_place

APPROVED_CODE = "FD-2026-01"
DRAFT_CODE = "FD-2027-DRAFT"
# (name, class, township code, WKT, theme, status of the place)
APPROVED_NAMES = [
    ("章台路", "road", "610112012",
     "LINESTRING(108.842 34.262, 108.843 34.280, 108.842 34.295)", "秦汉文化", "reserved"),
    ("丰京广场", "square", "610112002",
     "POLYGON((108.846 34.270, 108.850 34.270, 108.850 34.273, 108.846 34.273, 108.846 34.270))",
     "周文化", "reserved"),
    ("灵台桥", "bridge", "610112012", "POINT(108.8395 34.2705)", "周文化", "reserved"),
    ("太液路", "road", "610112012",
     "LINESTRING(108.830 34.265, 108.835 34.266)", "秦汉文化", "in_force"),
    ("未央宫路", "road", "610112002",
     "LINESTRING(108.850 34.285, 108.860 34.286)", "秦汉文化", "released"),
]
DRAFT_NAMES = [
    ("阿房宫路", "road", "610112012",
     "LINESTRING(108.838 34.262, 108.839 34.292)", "秦汉文化", "reserved"),
]
ROADS = [
    ("建章路", "road", "610112012", "LINESTRING(108.836 34.255, 108.837 34.278, 108.836 34.300)"),
    ("世纪大道", "avenue", "610112002",
     "LINESTRING(108.760 34.280, 108.815 34.282, 108.870 34.283)"),
]
MEANINGS = {"章台路": "取汉长安城章台街之名", "丰京广场": "西周丰京遗址在其附近",
            "灵台桥": "周文王筑灵台之典", "太液路": "汉建章宫太液池", "未央宫路": "汉未央宫",
            "阿房宫路": "秦阿房宫"}


@dataclass
class PlanWorld:
    """What :func:`plan_world` made."""

    approved: NamingPlan
    draft: NamingPlan
    places: dict[str, Place]


def _plan(session, code, title, area, status, names) -> tuple[NamingPlan, dict[str, Place]]:
    plan = NamingPlan(code=code, title=title, area_id=area.id, period_start=2026,
                      period_end=2035, themes="秦汉文化\n周文化", status=status,
                      description="沣东新城道路、桥梁和广场的命名规划。",
                      approving_body="西咸新区管委会" if status == "approved" else None,
                      approval_doc_no="西咸管发〔2026〕12号" if status == "approved" else None,
                      approval_date=date(2026, 3, 1) if status == "approved" else None)
    session.add(plan)
    session.flush()
    made = {}
    for name, cls, township, wkt, theme, place_status in names:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == township))
        place = create_place(session, PlaceInput(name=name, cls=cls, status=place_status,
                                                 jurisdiction=j, geom_wkt=wkt,
                                                 meaning=MEANINGS[name]))
        session.add(ReservedName(plan_id=plan.id, place_id=place.id, theme=theme,
                                 reserved_on=date(2026, 2, 1),
                                 released_on=date(2026, 4, 1)
                                 if place_status == "released" else None))
        made[name] = place
    session.flush()
    return plan, made


def plan_world(session) -> PlanWorld:
    """The demo frame, two roads in force and the two plans (committed)."""
    demo.load_frame(session)
    places: dict[str, Place] = {}
    for name, cls, township, wkt in ROADS:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == township))
        places[name] = create_place(session, PlaceInput(name=name, cls=cls, jurisdiction=j,
                                                        geom_wkt=wkt))
    area = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "xixian-fengdong"))
    approved, made = _plan(session, APPROVED_CODE, "沣东新城核心区地名规划（2026—2035）", area,
                           "approved", APPROVED_NAMES)
    places.update(made)
    clerk = ensure_user(session, "planclerk", "规划科员", "pw-123456", ["clerk"])
    bridge = session.scalar(select(ReservedName).where(
        ReservedName.place_id == made["灵台桥"].id))
    take(session, bridge, actor=clerk, now=datetime(2026, 4, 2, 9, tzinfo=UTC))
    draft, made = _plan(session, DRAFT_CODE, "沣东新城北区地名规划（草案）", area, "draft",
                        DRAFT_NAMES)
    places.update(made)
    session.commit()
    return PlanWorld(approved, draft, places)
