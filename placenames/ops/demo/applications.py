"""Demo applications standing at every stage of the naming procedure.

Each is filed by the demo applicant and taken, step by step, through the real operations of
:mod:`placenames.ops.procedure` by the demo users whose role each step needs, on a clock that
starts some days before ``now`` and moves one day a step (to the end of the notice period for
closing it), so a new user finds, for every step of the procedure, an application on which
to take it; :data:`DEMO_APPLICATIONS` says which. One application a proposed name: a name
that is already there is left as it is, so loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import User
from ...models.workflow import Application, CandidateName, PublicComment
from ...workflow import ALLOWED_ROLES, OWNER_ACTIONS, Action, State, china_date
from ...workflow.states import actions_from
from ..procedure import applications as apps
from ..procedure import documents, meetings, steps

APPLICANT_ORG = "沣东新城建设局"
APPROVING_BODY = "西咸新区管委会"
SCREEN_REASON = "演示：申请人已说明理由"  # only needed if the screen blocks a demo name

# the steps an application is taken through, in order (see _STEPS)
BASE = ("submit", "accept", "record_survey")
REVIEW_ONLINE = (*BASE, "open_review", "opinions", "close_review")
REVIEW_OFFLINE = (*BASE, "open_review", "meeting", "close_review")
NOTICE = ("open_comment", "comment", "dispose", "close_comment")
ASSESSED = (*REVIEW_ONLINE, *NOTICE, "record_assessment")


@dataclass(frozen=True)
class DemoApplication:
    """One demo application: the name it proposes, where, and the steps it has been through.

    ``state`` is where the steps leave it; ``note`` says (in Chinese, then English) what it
    shows. A rename names the road it renames in ``old_name``.
    """

    name: str
    cls: str
    township: str
    line: tuple[tuple[float, float], ...]
    path: tuple[str, ...]
    state: State
    note: str
    kind: str = "new"
    old_name: str | None = None


def _line(lon: float, lat: float) -> tuple[tuple[float, float], ...]:
    return ((lon, lat), (round(lon + 0.006, 6), round(lat + 0.012, 6)))


S = State
DEMO_APPLICATIONS: tuple[DemoApplication, ...] = (
    DemoApplication("汉风路", "road", "610112012", _line(108.826, 34.262), (), S.DRAFT,
                    "草稿：申请人检查后提交 / a draft: the applicant checks and submits it"),
    DemoApplication("灵沼路", "road", "610116010", _line(108.770, 34.220), ("submit",),
                    S.SUBMITTED, "待受理：工作人员受理、退回补正或不予受理 / submitted: the clerk "
                    "accepts, returns or refuses it"),
    DemoApplication("太液路", "road", "610112012", _line(108.846, 34.262),
                    ("submit", "return_incomplete"), S.RETURNED,
                    "退回补正：申请人修改后重新提交 / returned: the applicant edits and resubmits"),
    DemoApplication("皇家大道", "avenue", "610112002", _line(108.852, 34.286),
                    ("submit", "refuse"), S.REFUSED,
                    "不予受理（已办结）/ refused (closed)"),
    DemoApplication("细柳路", "road", "610116020", _line(108.706, 34.276), ("submit", "accept"),
                    S.ACCEPTED, "已受理：踏勘人员记录实地踏勘 / accepted: the surveyor records "
                    "the site survey"),
    DemoApplication("望贤路", "road", "610402008", _line(108.716, 34.310),
                    ("submit", "accept", "withdraw"), S.WITHDRAWN,
                    "申请人已撤回（已办结）/ withdrawn by the applicant (closed)"),
    DemoApplication("沣润路", "road", "610402008", _line(108.736, 34.312), BASE, S.SURVEYED,
                    "已踏勘：工作人员抽取专家、启动论证 / surveyed: the clerk draws a panel and "
                    "opens the review"),
    DemoApplication("秦风路", "road", "610402009", _line(108.722, 34.332),
                    (*BASE, "open_review"), S.UNDER_REVIEW,
                    "专家论证中：专家 expert、expert2、expert3 各自在线提交意见，或工作人员录入"
                    "线下论证会意见 / under review: each expert gives an opinion online, or the "
                    "clerk enters the opinions of an offline meeting"),
    DemoApplication("汉韵路", "road", "610112008", _line(108.846, 34.316), REVIEW_OFFLINE,
                    S.REVIEWED, "论证完成（意见由工作人员据线下论证会纪要录入）：工作人员开始公示 "
                    "/ reviewed (opinions entered from an offline meeting): the clerk opens the "
                    "public notice"),
    DemoApplication("沣华路", "road", "610402007", _line(108.786, 34.296),
                    (*REVIEW_ONLINE, "open_comment", "comment"), S.IN_COMMENT,
                    "公示中：公众可在“公示中的地名”提出意见，工作人员作处理说明 / in comment: "
                    "the public comments, the clerk records dispositions"),
    DemoApplication("凤栖路", "road", "610404006", _line(108.800, 34.402),
                    (*REVIEW_ONLINE, "open_comment", "comment", "wait_notice"), S.IN_COMMENT,
                    "公示期已满：工作人员结束公示、处理意见 / the notice period is over: the "
                    "clerk closes it and records the disposition of its comment"),
    DemoApplication("金城路", "road", "610404007", _line(108.812, 34.376),
                    (*REVIEW_ONLINE, *NOTICE), S.COMMENT_CLOSED,
                    "公示结束：工作人员或委员记录综合评估 / comment closed: a clerk or committee "
                    "member records the assessment"),
    DemoApplication("三桥东街", "street", "610112002", _line(108.850, 34.268), ASSESSED,
                    S.ASSESSED, "更名，已评估：审批人批准、不予批准或退回修改 / a rename, "
                    "assessed: the approver decides", kind="rename", old_name="三桥新街"),
    DemoApplication("兴盛路", "road", "610404009", _line(108.746, 34.428),
                    (*ASSESSED, "reject"), S.REJECTED, "不予批准（已办结）/ rejected (closed)"),
    DemoApplication("博文路", "road", "610423112", _line(108.966, 34.490),
                    (*ASSESSED, "approve"), S.APPROVED,
                    "已批准：工作人员公告、备案 / approved: the clerk announces and files it"),
    DemoApplication("安泰路", "road", "610423001", _line(108.850, 34.528),
                    (*ASSESSED, "approve", "announce"), S.ANNOUNCED,
                    "已公告：工作人员备案 / announced: the clerk files it"),
    DemoApplication("和顺路", "road", "610423101", _line(108.990, 34.506),
                    (*ASSESSED, "approve", "file"), S.FILED,
                    "已备案：工作人员公告 / filed: the clerk announces it"),
    DemoApplication("嘉禾路", "road", "610423108", _line(108.976, 34.480),
                    (*ASSESSED, "approve", "announce", "file"), S.ANNOUNCED_AND_FILED,
                    "已公告并备案：工作人员使其生效（登记入册）/ announced and filed: the clerk "
                    "puts it in force"),
    DemoApplication("长乐路", "road", "610404008", _line(108.752, 34.424),
                    (*ASSESSED, "approve", "announce", "file", "put_in_force"), S.IN_FORCE,
                    "已生效，名称已入登记簿（已办结）/ in force, in the register (closed)"),
)


#: what each demo name means (the candidate's 命名理由)
MEANINGS = {
    "汉风路": "取汉代遗风之意", "灵沼路": "取《诗经·灵台》“王在灵沼”之意",
    "太液路": "汉建章宫有太液池", "皇家大道": "申请人拟取“皇家”气派之意",
    "细柳路": "汉周亚夫屯军细柳营", "望贤路": "取望贤纳士之意", "沣润路": "沣河润泽两岸",
    "秦风路": "取《诗经·秦风》之名", "汉韵路": "取汉文化韵致之意", "沣华路": "沣河之滨，物华天宝",
    "凤栖路": "凤栖梧桐，寓吉祥", "金城路": "取固若金汤之意", "三桥东街": "位于三桥街道东部",
    "兴盛路": "寓兴旺昌盛", "博文路": "邻近学校，取博学于文之意", "安泰路": "寓国泰民安",
    "和顺路": "寓和睦顺遂", "嘉禾路": "嘉禾，寓丰收", "长乐路": "汉长乐宫，寓长久安乐",
}


def next_roles(state: State | str) -> list[str]:
    """Who takes the next step of a demo application standing at ``state``, from the
    transition table: the roles allowed each action but withdrawal (open all along); an
    action only the owner may take is the demo applicant's."""
    roles: set[str] = set()
    for action in actions_from(State(state)):
        if action is Action.WITHDRAW:
            continue
        roles |= {"applicant"} if action in OWNER_ACTIONS else ALLOWED_ROLES[action]
    return sorted(roles)


def load_applications(session: Session, now: datetime, settings: apps.Settings) -> int:
    """File and drive each demo application that is not there yet; returns how many."""
    if settings.upload_shelf() is None:
        raise ValueError("the demo applications need a place for uploads (meeting minutes)")
    users = {u.username: u for u in session.scalars(select(User))}
    applicant = users["applicant"]
    have = set(session.scalars(select(CandidateName.name).join(
        Application, Application.id == CandidateName.application_id).where(
        Application.applicant_id == applicant.id)))
    added = 0
    for index, spec in enumerate(DEMO_APPLICATIONS):
        if spec.name in have:
            continue
        _Driver(session, spec, users, settings, now, seed=2026 + index).run()
        added += 1
    return added


class _Driver:
    """Takes one demo application along its path, one step a day up to ``now``."""

    def __init__(self, session: Session, spec: DemoApplication, users: dict[str, User],
                 settings: apps.Settings, now: datetime, seed: int) -> None:
        self.s, self.spec, self.u, self.cfg, self.seed = session, spec, users, settings, seed
        days = sum(self.cfg.notice_days + 2 if step in ("close_comment", "wait_notice") else 1
                   for step in spec.path)
        self.clock = now - timedelta(days=days + 1)
        self.now = now
        self.app: Application | None = None

    def run(self) -> Application:
        self.app = apps.create_application(self.s, apps.ApplicationInput(
            kind=self.spec.kind, cls=self.spec.cls,
            candidates=[apps.CandidateInput(self.spec.name, MEANINGS.get(self.spec.name))],
            reason="新建道路，需要命名（演示数据）" if self.spec.kind == "new" else
            "原名称与规划不符，申请更名（演示数据）",
            location_desc=f"{self.spec.name}位于所属街道规划路网内（演示数据）",
            jurisdiction_code=self.spec.township, applicant_org=APPLICANT_ORG,
            old_name=self.spec.old_name, length_m=1500, width_m=30,
            geojson=_geojson(self.spec.line)), actor=self.u["applicant"], now=self.clock)
        for step in self.spec.path:
            self.clock += timedelta(days=1)
            _STEPS[step](self)
            if self.clock > self.now:
                raise AssertionError(f"demo step {step} of {self.spec.name} is in the future")
        assert self.app.state == self.spec.state, (self.spec.name, self.app.state)
        return self.app

    # --- the steps -----------------------------------------------------------------------

    def common(self, username: str) -> dict[str, Any]:
        return self.common_for(self.u[username])

    def common_for(self, user: User) -> dict[str, Any]:
        """What every step operation takes: the actor, the clock, settings and version."""
        assert self.app is not None
        return {"actor": user, "now": self.clock, "settings": self.cfg,
                "expected_version": self.app.version}

    def submit(self) -> None:
        assert self.app is not None
        steps.submit(self.s, self.app, screen_reason=SCREEN_REASON, **self.common("applicant"))

    def simple(self, action: str, username: str, note: str | None = None) -> None:
        assert self.app is not None
        steps.simple(self.s, self.app, action, note=note, **self.common(username))

    def record_survey(self) -> None:
        assert self.app is not None
        steps.record_survey(self.s, self.app, steps.SurveyInput(
            surveyed_on=china_date(self.clock), findings="现场已按规划建成，路面宽约 30 米",
            start_desc="规划起点", end_desc="规划终点", length_m=1480, width_m=30,
            geojson=_geojson(self.spec.line)), **self.common("surveyor"))

    def open_review(self) -> None:
        assert self.app is not None
        steps.open_review(self.s, self.app, size=self.cfg.panel_min_size, seed=self.seed,
                          **self.common("clerk"))

    def opinions(self) -> None:
        """Each expert with an account gives an opinion online; any without, at a meeting."""
        assert self.app is not None
        for member in list(self.app.panel):
            user = member.expert.user
            if user is not None and user.active and not member.opinion:
                steps.record_opinion(self.s, self.app, opinion="agree",
                                     reasons="名称寓意清楚，符合命名规则", **self.common_for(user))
        if any(not m.opinion for m in self.app.panel):
            self.meeting()

    def meeting(self) -> None:
        """The clerk enters the opinions of an offline meeting, with its signed minutes."""
        assert self.app is not None
        pending = [m for m in self.app.panel if not m.opinion]
        held_on = china_date(self.clock)
        minutes = documents.render_pdf(documents.Document("专家论证会纪要（演示）", [
            documents.Section("", [("申请名称", self.spec.name), ("会议日期", held_on.isoformat()),
                                   *[(m.expert.name, "同意：名称寓意清楚，符合命名规则")
                                     for m in pending]],
                              ["与会专家已在纪要上签字。（演示文件）"])]))
        meetings.record_meeting(self.s, self.app, meetings.MeetingInput(
            held_on=held_on, minutes=("纪要.pdf", minutes),
            opinions=[meetings.MeetingOpinion(str(m.expert_id), "agree",
                                           "名称寓意清楚，符合命名规则（线下论证会）")
                      for m in pending]), **self.common("clerk"))

    def close_review(self) -> None:
        assert self.app is not None
        steps.close_review(self.s, self.app, **self.common("clerk"))

    def open_comment(self) -> None:
        assert self.app is not None
        steps.open_comment(self.s, self.app, **self.common("clerk"))

    def comment(self) -> None:
        assert self.app is not None
        steps.add_comment(self.s, self.app, body="建议在路口设置明显的路名牌。（演示意见）",
                          author="张三", phone="13800138000", now=self.clock)

    def dispose(self) -> None:
        assert self.app is not None
        for comment in self.s.scalars(select(PublicComment).where(
                PublicComment.application_id == self.app.id,
                PublicComment.disposition.is_(None))):
            steps.dispose_comment(self.s, self.app, comment.id,
                                  "已转交门牌设置部门，路名牌随道路验收设置。",
                                  actor=self.u["clerk"], now=self.clock)

    def wait_notice(self) -> None:
        """Let the notice period run out (the clock moves to just after its end)."""
        assert self.app is not None and self.app.comment_closes is not None
        self.clock = max(self.clock, self.app.comment_closes + timedelta(hours=1))

    def close_comment(self) -> None:
        self.wait_notice()
        self.simple("close_comment", "clerk")

    def record_assessment(self) -> None:
        assert self.app is not None
        steps.record_assessment(self.s, self.app, {
            "legality": "符合《地名管理条例》及本地命名规则", "feasibility": "可行",
            "social_impact": "公示期间意见已妥善处理", "conclusion": "建议批准"},
            **self.common("committee"))

    def approve(self) -> None:
        assert self.app is not None
        doc_no = f"西咸管发〔{self.clock.year}〕{self.seed % 100}号"
        steps.approve(self.s, self.app, steps.DecisionInput(
            approving_body=APPROVING_BODY, doc_no=doc_no, decided_on=china_date(self.clock)),
            **self.common("approver"))

    def reject(self) -> None:
        assert self.app is not None
        steps.decide_against(self.s, self.app, "reject", steps.DecisionInput(
            approving_body=APPROVING_BODY, doc_no=None, decided_on=china_date(self.clock),
            note="名称用字寓意泛化，与区域地名文化不符"), **self.common("approver"))

    def announce(self) -> None:
        assert self.app is not None
        steps.announce(self.s, self.app, announced_on=china_date(self.clock),
                       **self.common("clerk"))

    def file(self) -> None:
        assert self.app is not None
        steps.file(self.s, self.app, steps.FilingInput(
            f"BA-{self.clock.year}-{self.seed % 1000:03d}", china_date(self.clock)),
            **self.common("clerk"))

    def put_in_force(self) -> None:
        assert self.app is not None
        steps.put_in_force(self.s, self.app, **self.common("clerk"))


def _geojson(line: tuple[tuple[float, float], ...]) -> str:
    coords = ", ".join(f"[{x}, {y}]" for x, y in line)
    return f'{{"type": "LineString", "coordinates": [{coords}]}}'


_STEPS: dict[str, Callable[[_Driver], None]] = {
    "submit": _Driver.submit,
    "accept": lambda d: d.simple("accept", "clerk"),
    "return_incomplete": lambda d: d.simple("return_incomplete", "clerk",
                                            "请补充道路起止点及规划批复文件（演示）"),
    "refuse": lambda d: d.simple("refuse", "clerk", "名称含夸大用语，不符合命名规则（演示）"),
    "withdraw": lambda d: d.simple("withdraw", "applicant", "道路规划调整，暂缓命名（演示）"),
    "record_survey": _Driver.record_survey,
    "open_review": _Driver.open_review,
    "opinions": _Driver.opinions,
    "meeting": _Driver.meeting,
    "close_review": _Driver.close_review,
    "open_comment": _Driver.open_comment,
    "comment": _Driver.comment,
    "dispose": _Driver.dispose,
    "wait_notice": _Driver.wait_notice,
    "close_comment": _Driver.close_comment,
    "record_assessment": _Driver.record_assessment,
    "approve": _Driver.approve,
    "reject": _Driver.reject,
    "announce": _Driver.announce,
    "file": _Driver.file,
    "put_in_force": _Driver.put_in_force,
}



def overview(session: Session) -> list[tuple[str, str, str, list[str]]]:
    """The demo applications as they stand now, in the order of :data:`DEMO_APPLICATIONS`:
    (state, name, id, roles that may take the next step)."""
    rows = session.execute(select(CandidateName.name, Application.id, Application.state).join(
        Application, Application.id == CandidateName.application_id).where(
        CandidateName.rank == 1, CandidateName.name.in_([d.name for d in DEMO_APPLICATIONS])))
    found = {name: (str(app_id), state) for name, app_id, state in rows}
    return [(found[d.name][1], d.name, found[d.name][0], next_roles(found[d.name][1]))
            for d in DEMO_APPLICATIONS if d.name in found]
