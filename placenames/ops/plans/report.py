"""The printed naming plan (地名规划文本): a PDF with its title page, the reserved names by area
and by theme, and its map.

:func:`build` reads a plan into a plain :class:`PlanReport` (its reserved names, and the roads
in force around them for the map); :func:`render_pdf` lays the report out on A4 with reportlab
and never touches the database. Everything on the page is vector: text in the CJK TrueType
font of the plates, embedded as a subset (so the names can be searched and copied from the
PDF), and the map drawn as paths (laid out by :mod:`placenames.maps.printed`, drawn by
:mod:`placenames.maps.printed_pdf`), not an image.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import spatial
from ...errors import NotFound
from ...maps.printed import MapDrawing, bbox_of, layout_map
from ...maps.printed_pdf import PLAN_INKS, MapFlowable
from ...models import NamingPlan, Place, PlaceStatus
from ...plates.fonts import CjkFont, find_cjk_font, tt_font
from ...workflow.plans import PLAN_STATE_LABELS_ZH, RESERVED_STATE_LABELS_ZH
from ..procedure.documents import CLASS_ZH
from .rows import ReservedRow, plan_rows, theme_order

PLAN_STATUS_ZH = {str(k): v for k, v in PLAN_STATE_LABELS_ZH.items()}
STATE_ZH = {str(k): v for k, v in RESERVED_STATE_LABELS_ZH.items()}
ROAD_CLASSES = ("avenue", "road", "street", "lane", "bridge", "tunnel")
"""Classes of the names in force drawn under the plan's names on its map."""
MAX_ROADS = 400
CRS_NOTE = "CGCS2000"



@dataclass(frozen=True)
class PlanReport:
    """A plan as printed: plain values only."""

    code: str
    title: str
    area: str
    area_code: str
    period_start: int
    period_end: int
    themes: list[str]
    status: str  # draft | approved | retired
    description: str
    approving_body: str
    approval_doc_no: str
    approval_date: date | None
    rows: list[ReservedRow]
    theme_order: list[str]
    roads: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (name, GeoJSON)
    printed_on: date | None = None
    office: str = ""


def build(session: Session, code: str, *, today: date, office: str = "") -> PlanReport:
    """The report of plan ``code`` (any status; :class:`NotFound` when there is none)."""
    plan = session.scalar(select(NamingPlan).where(NamingPlan.code == (code or "").strip()))
    if plan is None:
        raise NotFound(f"没有编号为 {code} 的地名规划。 / There is no naming plan {code}.")
    rows = plan_rows(session, plan)
    return PlanReport(
        code=plan.code, title=plan.title, area=plan.area.name, area_code=plan.area.code,
        period_start=plan.period_start, period_end=plan.period_end, themes=plan.theme_list,
        status=plan.status, description=plan.description or "",
        approving_body=plan.approving_body or "", approval_doc_no=plan.approval_doc_no or "",
        approval_date=plan.approval_date, rows=rows, theme_order=theme_order(plan, rows),
        roads=roads_around(session, [r.geometry for r in rows if _on_map(r)],
                           exclude={r.place_id for r in rows}),
        printed_on=today, office=office)


def _on_map(row: ReservedRow) -> bool:
    return row.geometry is not None and row.state != "released"


def roads_around(session: Session, geometries: list[dict[str, Any] | None], *,
                 exclude: set[uuid.UUID] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Roads, streets and bridges in force near the given geometries (their box grown by
    60 % of its span and 0.005° on each side, enough to fill the printed frame), but not
    the places in ``exclude`` (the plan's own names, drawn as such)."""
    box = bbox_of(g for g in geometries if g)
    if box is None:
        return []
    west, south, east, north = box
    grow = max(east - west, north - south) * 0.6 + 0.005
    stmt = (select(Place.name, spatial.as_geojson(Place.geom).label("g"))
            .where(Place.status == PlaceStatus.IN_FORCE, Place.cls.in_(ROAD_CLASSES),
                   Place.id.not_in(exclude or set()),
                   Place.geom.is_not(None),
                   spatial.intersects_box(Place.geom, (west - grow, south - grow, east + grow,
                                                       north + grow), session.connection()))
            .order_by(func.length(Place.name).desc(), Place.name).limit(MAX_ROADS))
    return [(name, json.loads(g)) for name, g in session.execute(stmt) if g]


# --- layout (pure) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Styles:
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    head: ParagraphStyle
    group: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    small: ParagraphStyle


def _styles(font: str) -> _Styles:
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return _Styles(
        font=font,
        title=ParagraphStyle("t", fontName=font, fontSize=22, leading=32, alignment=1,
                             spaceBefore=40 * mm, spaceAfter=6 * mm, wordWrap="CJK"),
        subtitle=ParagraphStyle("st", fontName=font, fontSize=12, leading=18, alignment=1,
                                spaceAfter=14 * mm),
        head=ParagraphStyle("h", fontName=font, fontSize=14, leading=20, spaceBefore=6,
                            spaceAfter=6),
        group=ParagraphStyle("g", fontName=font, fontSize=11.5, leading=16, spaceBefore=8,
                             spaceAfter=3, textColor=colors.HexColor("#1d2330")),
        body=body,
        cell=ParagraphStyle("c", parent=body, fontSize=9.5, leading=13),
        small=ParagraphStyle("s", parent=body, fontSize=8.5, leading=12,
                             textColor=colors.HexColor("#495057")))


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _d(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _counts(rows: list[ReservedRow]) -> str:
    by: dict[str, int] = {}
    for r in rows:
        by[r.state] = by.get(r.state, 0) + 1
    parts = "，".join(f"{STATE_ZH[s]} {by[s]}" for s in STATE_ZH if by.get(s))
    return f"共 {len(rows)} 个" + (f"（{parts}）" if parts else "")


def title_rows(report: PlanReport) -> list[tuple[str, str]]:
    """The label/value rows of the title page."""
    return [
        ("规划编号", report.code),
        ("规划区域", f"{report.area}（{report.area_code}）"),
        ("规划期", f"{report.period_start}—{report.period_end} 年"),
        ("命名主题", "、".join(report.themes) or "—"),
        ("规划状态", PLAN_STATUS_ZH.get(report.status, report.status)),
        ("批准机关", report.approving_body or "—"),
        ("批准文号", report.approval_doc_no or "—"),
        ("批准日期", _d(report.approval_date)),
        ("备用地名", _counts(report.rows)),
        ("规划说明", report.description or "—"),
    ]


NAME_COLUMNS = ("序号", "名称", "罗马字母拼写", "类别", "含义", "状态")
NAME_WIDTHS = (11 * mm, 32 * mm, 38 * mm, 15 * mm, 57 * mm, 17 * mm)


def numbers(rows: list[ReservedRow]) -> dict[uuid.UUID, str]:
    """Each reserved name's number (序号): its place in the tables by area, from 1; the same
    number in the tables by theme and on the map where names crowd."""
    ordered = [r for _, group in groups_by_area(rows) for r in group]
    return {r.place_id: str(i) for i, r in enumerate(ordered, start=1)}


def _names_table(rows: list[ReservedRow], numbered: dict[uuid.UUID, str], st: _Styles
                 ) -> Table:
    data: list[list[Any]] = [[_p(h, st.cell) for h in NAME_COLUMNS]]
    for r in rows:
        data.append([_p(numbered[r.place_id], st.cell),
                     _p(r.name, st.cell), _p(r.romanization or "—", st.cell),
                     _p(CLASS_ZH.get(r.cls, r.cls), st.cell), _p(r.meaning or "—", st.cell),
                     _p(STATE_ZH.get(r.state, r.state), st.cell)])
    table = Table(data, colWidths=list(NAME_WIDTHS), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), st.font)]))
    return table


def groups_by_area(rows: list[ReservedRow]) -> list[tuple[str, list[ReservedRow]]]:
    """(heading, rows) per jurisdiction, in code order; names without one last."""
    out: dict[str, list[ReservedRow]] = {}
    for r in sorted(rows, key=lambda r: (r.jurisdiction_code == "", r.jurisdiction_code,
                                         r.name)):
        head = f"{r.jurisdiction}（{r.jurisdiction_code}）" if r.jurisdiction else "未定区域"
        out.setdefault(head, []).append(r)
    return list(out.items())


def groups_by_theme(rows: list[ReservedRow], order: list[str]
                    ) -> list[tuple[str, list[ReservedRow]]]:
    """(heading, rows) per theme, in the plan's order of themes."""
    out = []
    for theme in order:
        members = sorted((r for r in rows if r.theme == theme),
                         key=lambda r: (r.jurisdiction_code, r.name))
        if members:
            out.append((theme or "未定主题", members))
    return out


def _groups(title: str, groups: list[tuple[str, list[ReservedRow]]],
            numbered: dict[uuid.UUID, str], st: _Styles) -> list[Any]:
    story: list[Any] = [_p(title, st.head)]
    if not groups:
        story.append(_p("本规划尚无备用地名。", st.body))
    for head, rows in groups:
        story += [CondPageBreak(30 * mm), _p(f"{head}　{len(rows)} 个", st.group),
                  _names_table(rows, numbered, st), Spacer(1, 3 * mm)]
    return story


MAP_WIDTH, MAP_HEIGHT = 170 * mm, 200 * mm


def map_drawing(report: PlanReport, width: float = MAP_WIDTH, height: float = MAP_HEIGHT
                ) -> MapDrawing | None:
    """The plan's map as drawing values (None when no reserved name has a geometry)."""
    keys = numbers(report.rows)
    planned = [(r.name, "used" if r.state == "used" else "planned", r.geometry,
                keys[r.place_id])
               for r in report.rows if _on_map(r) and r.geometry is not None]
    return layout_map(planned, report.roads, width, height)


def _map_section(report: PlanReport, st: _Styles) -> list[Any]:
    story: list[Any] = [PageBreak(), _p("三、规划图", st.head)]
    drawing = map_drawing(report)
    if drawing is None:
        return story + [_p("本规划的备用地名尚无规划位置，暂无规划图。", st.body)]
    w, s, e, n = drawing.extent
    legend = ("图例：紫色虚线（点、面）为规划地名（备用地名）；紫色实线为已启用的规划地名；"
              "灰色线为现行标准地名的道路、桥梁。")
    note = (f"坐标系：{CRS_NOTE}（经纬度）。图幅范围：东经 {w:.4f}°—{e:.4f}°，"
            f"北纬 {s:.4f}°—{n:.4f}°。比例尺约 1:{drawing.scale_denominator:,}（A4 纸面），"
            "以图中比例尺为准。规划地名为示意位置，以批准文件为准。")
    if drawing.numbered:
        legend += "名称密集处以序号标注，序号见第一、二部分表格。"
    return story + [KeepTogether([MapFlowable(drawing, st.font, PLAN_INKS), Spacer(1, 3 * mm),
                                  _p(legend, st.small), _p(note, st.small)])]


def story(report: PlanReport, font: str) -> list[Any]:
    """The document's flowables: title page, the tables by area and by theme, the map."""
    st = _styles(font)
    title_table = Table([[_p(k, st.body), _p(v, st.body)] for k, v in title_rows(report)],
                        colWidths=[32 * mm, 138 * mm])
    title_table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), font)]))
    printed = "　".join(x for x in (report.office, f"制表日期：{_d(report.printed_on)}") if x)
    out: list[Any] = [
        _p(report.title, st.title),
        _p(f"地名规划　{report.code}", st.subtitle),
        title_table, Spacer(1, 10 * mm), _p(printed, st.small),
        PageBreak(),
    ]
    keys = numbers(report.rows)
    out += _groups("一、备用地名（按区域）", groups_by_area(report.rows), keys, st)
    out += [PageBreak()]
    out += _groups("二、备用地名（按主题）", groups_by_theme(report.rows, report.theme_order),
                   keys, st)
    out += _map_section(report, st)
    return out


def _footer(report: PlanReport, font: str) -> Callable[[Canvas, Any], None]:
    def draw(c: Canvas, doc: Any) -> None:
        c.saveState()
        c.setFont(font, 8)
        c.setFillColor(colors.HexColor("#495057"))
        c.drawCentredString(A4[0] / 2, 10 * mm,
                            f"{report.title}（{report.code}）　第 {doc.page} 页")
        c.restoreState()

    return draw


def render_pdf(report: PlanReport, *, font: CjkFont | None = None) -> bytes:
    """The plan as an A4 PDF: vector text and map, the CJK font embedded as a subset."""
    fname = tt_font(font or find_cjk_font()).fontName
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{report.title}（{report.code}）",
                            author=report.office, subject="地名规划", creator="placenames",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, invariant=1, initialFontName=fname)
    footer = _footer(report, fname)
    doc.build(story(report, fname), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
