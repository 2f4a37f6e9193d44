"""The demo's road-name signs: a teaching set for supervision.

- 世纪大道 has its proposed QR street signs, recorded 90 days ago for 沣东新城城市建设局, so
  they are past the 60-day deadline: two are set up (one of them found damaged on an
  inspection), the others are late, and the dashboard lists the bureau first with its letter;
- 建章路 has its street signs recorded today for a property company, due in 60 days;
- every other road has none yet: a new user proposes and accepts them on a road's page.

Written through the real operations by the demo clerk; loading twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Place, PlaceStatus, Sign, User
from ...workflow.deadlines import china_date
from ..signs import lifecycle, register

UNITS = (("沣东新城城市建设局", "道路管理科，029-0000-0000（演示）",
          "沣东新城管委会办公楼（演示地址）"),
         ("西咸新区某物业服务有限公司", "工程部，029-0000-0001（演示）", "建章路 1 号（演示地址）"))
ROADS = (("世纪大道", 0, "qr", 90), ("建章路", 1, "street", 0))
"""Road, its unit (index in UNITS), the kind of its signs, and how many days ago recorded."""


def load_signs(session: Session, now: datetime, days: int = 60) -> int:
    """Record the demo signs that are missing; returns the signs added."""
    clerk = session.scalar(select(User).where(User.username == "clerk"))
    if clerk is None:
        return 0
    today = china_date(now)
    units = []
    for name, contact, address in UNITS:
        unit = register.unit_by_name(session, name)
        unit.contact, unit.address = unit.contact or contact, unit.address or address
        units.append(unit)
    added = 0
    for name, unit_index, kind, ago in ROADS:
        road = session.scalar(select(Place).where(Place.name == name,
                                                  Place.status == PlaceStatus.IN_FORCE))
        if road is None or session.scalar(select(func.count()).where(Sign.place_id == road.id)):
            continue
        recorded = today - timedelta(days=ago)
        signs = register.accept(session, road, register.propose(session, road),
                                unit=units[unit_index], actor=clerk, now=now, today=recorded,
                                kind=kind, size="small", days=days)
        added += len(signs)
        if ago and len(signs) >= 2:
            for sign in signs[:2]:
                lifecycle.act(session, sign, "install", lifecycle.SignChange(
                    on=recorded + timedelta(days=20), installer="西咸标牌厂（演示）"),
                    actor=clerk, now=now, today=today)
            lifecycle.act(session, signs[1], "report_damaged", lifecycle.SignChange(
                note="巡查发现：牌面被撞弯（演示）"), actor=clerk, now=now, today=today)
    session.flush()
    return added
