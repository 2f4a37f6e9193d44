"""The demo naming plan: 秦汉新城地名规划（2026—2030年）, approved, with its reserved names.

Eight reserved names under the themes 秦汉文化 and 周文化, each with its meaning and a planned
line inside 秦汉新城, entered through the real operations (so each was screened on entry):
one is already taken by an application the clerk submitted (the clerk accepts it next), one
was released, and the others wait for a new user to take one ("start the procedure" on the
plan's page) and follow it through the procedure in the browser. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import User
from ...models.plans import NamingPlan
from ...workflow import china_date
from ..plans import PlanInput, ReserveInput, approve_plan, create_plan, release, reserve, take
from ..procedure import applications as apps
from ..procedure import steps

CODE = "QH-2026"
TITLE = "秦汉新城地名规划（2026—2030年）"
AREA = "xixian-qinhan"
THEMES = ["秦汉文化", "周文化"]
DESCRIPTION = ("秦汉新城范围内规划道路、桥梁的备用地名。秦汉文化主题取秦咸阳城、汉帝陵等遗址之名；"
               "周文化主题取周陵、毕原等西周故地之名。（演示数据）")
APPROVING_BODY = "西咸新区管委会"
APPROVAL_DOC_NO = "西咸管发〔2026〕8号"


@dataclass(frozen=True)
class DemoReserved:
    """One reserved name of the demo plan: where it is planned and what becomes of it."""

    name: str
    cls: str
    theme: str
    township: str
    line: tuple[tuple[float, float], ...]
    meaning: str
    then: str = ""  # "take" (an application takes it and is submitted) or "release"


RESERVED: tuple[DemoReserved, ...] = (
    DemoReserved("长陵路", "road", "秦汉文化", "610404005", ((108.770, 34.385), (108.790, 34.386)),
                 "汉高祖刘邦长陵位于路北咸阳原上，取陵名以存汉代帝陵文化"),
    DemoReserved("安陵路", "road", "秦汉文化", "610404005", ((108.760, 34.392), (108.761, 34.410)),
                 "汉惠帝安陵在其附近，取“安”字寓长治久安", then="take"),
    DemoReserved("咸阳宫大道", "avenue", "秦汉文化", "610404006",
                 ((108.800, 34.380), (108.830, 34.382), (108.860, 34.383)),
                 "秦咸阳宫遗址位于道路北侧，取宫名纪念秦都咸阳"),
    DemoReserved("兰台路", "road", "秦汉文化", "610404006", ((108.848, 34.386), (108.849, 34.402)),
                 "兰台为汉代宫廷藏书之所，寓崇文重典"),
    DemoReserved("望夷路", "road", "秦汉文化", "610404006", ((108.866, 34.386), (108.867, 34.400)),
                 "取秦望夷宫之名", then="release"),
    DemoReserved("文王路", "road", "周文化", "610404008", ((108.745, 34.420), (108.775, 34.421)),
                 "周陵相传为周文王陵所在，取文王之名，寓以德治国"),
    DemoReserved("毕原路", "road", "周文化", "610404008", ((108.750, 34.430), (108.752, 34.445)),
                 "咸阳原古称毕原，为周人葬地，取其古称"),
    DemoReserved("成康路", "road", "周文化", "610404007", ((108.830, 34.400), (108.832, 34.418)),
                 "取西周“成康之治”，寓社会安定、政通人和"),
)
RELEASE_REASON = "经核，秦望夷宫遗址在泾阳县境内，与道路位置不符，释放此名（演示）"


def _wkt(line: tuple[tuple[float, float], ...]) -> str:
    return "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in line) + ")"


def load_plan(session: Session, now: datetime,
              procedure: apps.Settings | None = None) -> tuple[int, int]:
    """Create the demo plan and its names if the plan is not there; returns (plans, names)
    added. With ``procedure`` the name to be taken is taken and its application submitted."""
    if session.scalar(select(NamingPlan.id).where(NamingPlan.code == CODE)) is not None:
        return 0, 0
    users = {u.username: u for u in session.scalars(select(User))}
    clerk, committee = users["clerk"], users["committee"]
    clock = now - timedelta(days=40)
    plan = create_plan(session, PlanInput(CODE, TITLE, AREA, 2026, 2030, THEMES, DESCRIPTION),
                       actor=clerk, now=clock)
    added = []
    for spec in RESERVED:
        clock += timedelta(hours=1)
        added.append((spec, reserve(session, plan, ReserveInput(
            name=spec.name, cls=spec.cls, meaning=spec.meaning, theme=spec.theme,
            wkt=_wkt(spec.line), jurisdiction_code=spec.township), actor=clerk, now=clock)))
    clock = now - timedelta(days=30)
    approve_plan(session, plan, actor=committee, approving_body=APPROVING_BODY,
                 approval_doc_no=APPROVAL_DOC_NO,
                 approval_date=min(date(2026, 1, 20), china_date(clock)), now=clock)
    for spec, reserved in added:
        clock += timedelta(hours=1)
        if spec.then == "release":
            release(session, reserved, actor=clerk, now=clock, reason=RELEASE_REASON)
        elif spec.then == "take" and procedure is not None:
            app = take(session, reserved, actor=clerk, now=clock,
                       applicant_org="秦汉新城规划建设局")
            clock += timedelta(hours=1)
            steps.submit(session, app, actor=clerk, now=clock, settings=procedure,
                         expected_version=app.version)
    session.flush()
    return 1, len(added)


def taken_application(session: Session) -> tuple[str, str] | None:
    """(name, application id) of the demo plan's name that an application took, if any."""
    plan = session.scalar(select(NamingPlan).where(NamingPlan.code == CODE))
    if plan is None:
        return None
    for r in plan.reserved:
        if r.application_id is not None:
            return r.place.name, str(r.application_id)
    return None
