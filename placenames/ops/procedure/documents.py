"""Documents of the procedure, built from the record and printed as PDF with Chinese glyphs.

The announcement (公告, six fields), the filing form (备案登记表) and the three reports
(综合评估报告, 专家论证报告, 征求意见报告). :func:`build` reads the record into a plain
:class:`Document`; :func:`render_pdf` turns a document into bytes with reportlab and the CJK
TrueType font of the plates (embedded as a subset), and never touches the database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models.workflow import Application, PublicComment
from ...plates.fonts import find_cjk_font, tt_font
from ...workflow import STATE_LABELS_ZH, State
from ..privacy import contacts
from .applications import latest, step_data
from .steps import jurisdiction_path

KIND_ZH = {"new": "命名", "rename": "更名", "cancel": "销名"}
OPINION_ZH = {"agree": "同意", "agree_with_changes": "修改后同意", "disagree": "不同意"}
RULE_ZH = {"majority": "过半数同意", "two_thirds": "三分之二以上同意", "unanimous": "全体同意"}
CLASS_ZH = {"road": "道路", "street": "街", "lane": "巷", "avenue": "大道", "bridge": "桥梁",
            "tunnel": "隧道", "residential": "居民区", "building": "建筑物", "square": "广场",
            "park": "公园", "village": "村", "community": "社区"}

Rows = list[tuple[str, str]]


@dataclass
class Section:
    """A heading with label/value rows, paragraphs and/or a table (its first row the
    header; ``widths`` in millimetres, shares of the text width when omitted)."""

    heading: str
    rows: Rows = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)


@dataclass
class Document:
    """A printable document as plain values."""

    title: str
    sections: list[Section]
    issuer: str = ""
    dated: str = ""


TITLES = {
    "announcement": "地名公告", "filing": "地名备案登记表", "assessment": "综合评估报告",
    "review": "专家论证报告", "comments": "征求意见报告",
}
AFTER = {  # the state from which each document can be produced
    "announcement": State.APPROVED, "filing": State.APPROVED, "assessment": State.ASSESSED,
    "review": State.REVIEWED, "comments": State.COMMENT_CLOSED,
}
_MAIN_LINE = [State.DRAFT, State.SUBMITTED, State.ACCEPTED, State.SURVEYED,
              State.UNDER_REVIEW, State.REVIEWED, State.IN_COMMENT, State.COMMENT_CLOSED,
              State.ASSESSED, State.APPROVED, State.ANNOUNCED, State.FILED,
              State.ANNOUNCED_AND_FILED, State.IN_FORCE]


def available(session: Session, app: Application) -> list[str]:
    """The documents that exist for ``app`` in its current state."""
    state = State(app.state)
    if state in _MAIN_LINE:
        pos = _MAIN_LINE.index(state)
        return [k for k, s in AFTER.items() if _MAIN_LINE.index(s) <= pos]
    out = []  # returned, refused, rejected, withdrawn: whatever the record reached
    if latest(session, app, "assessment"):
        out.append("assessment")
    if latest(session, app, "review"):
        out.append("review")
    if app.comment_closes is not None:
        out.append("comments")
    return out


def _d(value: date | None) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


def _name(app: Application) -> str:
    return app.approved_name or (app.candidates[0].name if app.candidates else app.old_name
                                 or "")


def announcement_fields(session: Session, app: Application) -> Rows:
    """The six fields of an announcement (条例: name, romanization, jurisdiction, location,
    approving body, approval date)."""
    name = app.approved_name or app.old_name or ""
    return [("标准名称", name), ("罗马字母拼写", app.romanization or "—"),
            ("所属行政区域", jurisdiction_path(session, app) or "—"),
            ("位置描述", app.location_desc or "—"), ("批准机关", app.approving_body or "—"),
            ("批准时间", _d(app.approval_date))]


def _application_rows(session: Session, app: Application) -> Rows:
    rows = [("申请类型", KIND_ZH.get(app.kind, app.kind)),
            ("地名类别", CLASS_ZH.get(app.cls, app.cls)),
            ("拟用名称", "、".join(c.name for c in app.candidates) or "—"),
            ("申请单位", app.applicant_org or "—"),
            ("所属行政区域", jurisdiction_path(session, app) or "—"),
            ("位置描述", app.location_desc or "—"), ("申请理由", app.reason or "—")]
    if app.old_name:
        rows.insert(1, ("现用名称", app.old_name))
    return rows


def _screen_section(session: Session, app: Application) -> Section:
    last = latest(session, app, "screen")
    section = Section("名称审查（重名、同音及规则检查）")
    if not last:
        section.paragraphs.append("未进行名称审查。")
        return section
    verdicts = {"block": "不通过", "warn": "有提示", "clear": "通过"}
    for r in last.get("results", []):
        hits = "；".join(f"{h['name']}（{_division(h)}{h['reason_zh']}）"
                        for h in r.get("hits", []) if h.get("severity") != "info") or "无"
        findings = "；".join(f["message_zh"] for f in r.get("findings", [])) or "无"
        section.rows += [(r["name"], f"{verdicts.get(r['verdict'], r['verdict'])}，拼写 "
                                     f"{r['romanization']}"),
                         ("　重名同音", hits), ("　规则检查", findings)]
    return section


def _division(hit: dict[str, Any]) -> str:
    """``行政区划 610582001，`` before the reason of a division's hit."""
    return f"行政区划 {hit['code']}，" if hit.get("record") == "division" else ""


def _announcement(session: Session, app: Application) -> Document:
    verb = KIND_ZH.get(app.kind, "命名")
    intro = (f"根据《地名管理条例》的规定，经{app.approving_body or '批准机关'}批准"
             f"（{app.approval_doc_no or ''}），对下列地名予以{verb}，现予公告。")
    return Document(f"地名{verb}公告", [Section("", announcement_fields(session, app),
                                               [intro])],
                    issuer=app.approving_body or "", dated=_d(app.announced_on or
                                                             app.approval_date))


def _filing(session: Session, app: Application) -> Document:
    filing = latest(session, app, "filing") or {}
    survey = latest(session, app, "survey") or {}
    place_rows = announcement_fields(session, app) + [
        ("地名类别", CLASS_ZH.get(app.cls, app.cls)),
        ("起止点", f"{survey.get('start_desc') or app.start_desc or '—'} 至 "
                   f"{survey.get('end_desc') or app.end_desc or '—'}"),
        ("长度／宽度（米）", f"{survey.get('length_m') or app.length_m or '—'} ／ "
                          f"{survey.get('width_m') or app.width_m or '—'}"),
        ("含义", next((c.reason or "—" for c in app.candidates
                       if c.name == app.approved_name), "—")),
        ("批准文号", app.approval_doc_no or "—"), ("申请单位", app.applicant_org or "—")]
    if app.old_name:
        place_rows.append(("原名称", app.old_name))
    reg = [("备案编号", filing.get("registration_no") or "（待填）"),
           ("备案日期", filing.get("filed_on") or "（待填）"),
           ("备案期限", _d(app.filing_due))]
    return Document("地名备案登记表", [Section("地名信息", place_rows),
                                        Section("备案信息", reg)])


def _assessment(session: Session, app: Application) -> Document:
    a = latest(session, app, "assessment") or {}
    labels = [("legality", "合法性"), ("feasibility", "可行性"), ("controllability", "可控性"),
              ("social_impact", "社会影响"), ("risks", "风险"), ("mitigations", "风险防范措施"),
              ("conclusion", "评估结论")]
    review = latest(session, app, "review") or {}
    summary = [("专家论证结论", OPINION_ZH.get(review.get("result") or "", "—")),
               ("公示意见", f"{_count_comments(session, app)} 条")]
    return Document("综合评估报告", [
        Section("申请概况", _application_rows(session, app)),
        Section("前期程序", summary), _screen_section(session, app),
        Section("评估意见", [(zh, a.get(k) or "—") for k, zh in labels])])


def _review(session: Session, app: Application) -> Document:
    reviews = step_data(session, app, "review")
    r = reviews[-1] if reviews else None
    if r is None:
        return Document("专家论证报告", [Section("", paragraphs=["专家论证尚未结束。"])])
    members = [(f"{i}. {m['expert']}（{m.get('affiliation') or '—'}）",
                f"{OPINION_ZH.get(m.get('opinion') or '', '—')}：{m.get('reasons') or ''}"
                + (f"（线下论证会 {m['meeting_on']}，由{m.get('entered_by') or '工作人员'}"
                   "代为录入）" if m.get("meeting_on") else ""))
               for i, m in enumerate(r["members"], start=1)]
    return Document("专家论证报告", [
        Section("申请概况", _application_rows(session, app)),
        Section("专家组", [("抽取方式", f"从专家库随机抽取（种子 {r.get('seed')}），"
                                        "申请单位人员回避"),
                           ("表决规则", RULE_ZH.get(r.get("rule"), r.get("rule") or "—"))]),
        Section("专家意见", members),
        Section("论证结论", [("结论", OPINION_ZH.get(r.get("result") or "", "—"))],
                ["论证内容包括命名的必要性、合理性、合法性及可能存在的风险。"])])


def _count_comments(session: Session, app: Application) -> int:
    return len(_comments(session, app))


def _comments(session: Session, app: Application) -> list[PublicComment]:
    return list(session.scalars(select(PublicComment).where(
        PublicComment.application_id == app.id).order_by(PublicComment.received_at)))


def _comment_report(session: Session, app: Application) -> Document:
    comments = contacts.comments_of(session, app.id)  # contacts masked
    period = "—"
    if app.comment_opens and app.comment_closes:
        from ...workflow import CHINA_TZ

        period = (f"{app.comment_opens.astimezone(CHINA_TZ):%Y年%m月%d日 %H:%M} 至 "
                  f"{app.comment_closes.astimezone(CHINA_TZ):%Y年%m月%d日 %H:%M}（北京时间）")
    rows = []
    for i, c in enumerate(comments, start=1):
        who = "、".join(x for x in (c.name, c.phone) if x) or (
            "联系方式已过保存期限并删除" if c.erased else "联系方式无法解密" if c.unreadable
            else "匿名")
        rows.append((f"{i}. {who}", f"意见：{c.body}\n处理情况：{c.disposition or '（未处理）'}"))
    return Document("征求意见报告", [
        Section("公示情况", [("公示名称", _name(app)), ("公示期", period),
                             ("收到意见", f"{len(comments)} 条")]),
        Section("主要意见及处理情况", rows, [] if rows else ["公示期内未收到意见。"])])


_BUILDERS = {"announcement": _announcement, "filing": _filing, "assessment": _assessment,
             "review": _review, "comments": _comment_report}


def build(session: Session, app: Application, kind: str) -> Document:
    """The document ``kind`` of ``app`` as plain values (NotFound if it does not exist yet)."""
    if kind not in _BUILDERS or kind not in available(session, app):
        raise NotFound("该文书尚不存在 / this document does not exist yet")
    doc = _BUILDERS[kind](session, app)
    if not doc.dated:
        doc.dated = _d(app.approval_date) if kind == "filing" else ""
    return doc


def render_pdf(doc: Document, office: str = "") -> bytes:
    """The document as an A4 PDF with the CJK font embedded (subset)."""
    font = find_cjk_font()
    fname = tt_font(font).fontName
    title = ParagraphStyle("t", fontName=fname, fontSize=18, leading=26, alignment=1,
                           spaceAfter=8)
    head = ParagraphStyle("h", fontName=fname, fontSize=12.5, leading=18, spaceBefore=8,
                          spaceAfter=4)
    body = ParagraphStyle("b", fontName=fname, fontSize=10.5, leading=16, wordWrap="CJK")
    right = ParagraphStyle("r", parent=body, alignment=2)
    story: list[Any] = [Paragraph(escape(doc.title), title)]
    for sec in doc.sections:
        if sec.heading:
            story.append(Paragraph(escape(sec.heading), head))
        story += [Paragraph(_para(p), body) for p in sec.paragraphs]
        if sec.rows:
            data = [[Paragraph(_para(k), body), Paragraph(_para(v), body)] for k, v in sec.rows]
            table = Table(data, colWidths=[42 * mm, 128 * mm])
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [Spacer(1, 2 * mm), table]
        if sec.table:
            story += [Spacer(1, 2 * mm), _grid(sec, ParagraphStyle("s", parent=body,
                                                                   fontSize=9, leading=12))]
    story.append(Spacer(1, 10 * mm))
    for line in (doc.issuer or office, doc.dated):
        if line:
            story.append(Paragraph(escape(line), right))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=doc.title, author=office, leftMargin=20 * mm,
                      rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm).build(story)
    return out.getvalue()


def _grid(sec: Section, small: ParagraphStyle) -> Table:
    """A section's table: a header row on a tint, repeated on every page."""
    cols = len(sec.table[0])
    widths = [w * mm for w in sec.widths] if sec.widths else [170 * mm / cols] * cols
    data = [[Paragraph(_para(cell), small) for cell in row] for row in sec.table]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _para(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def state_zh(app: Application) -> str:
    """The application's state in Chinese."""
    return STATE_LABELS_ZH[State(app.state)]
