"""The notice letter (督办通知) to a responsible unit: its signs still missing, and by when.

Built as a plain :class:`~placenames.ops.procedure.documents.Document` and printed by the
procedure's document renderer (A4, CJK font embedded as a subset), so the office's letters
and its procedure documents look alike.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import ResponsibleUnit
from ...plates.ids import display_plate_id
from ...workflow.sign_duties import DUTY_LABELS_ZH
from ...workflow.signs import kind_label_zh
from ..procedure.documents import Document, Section, render_pdf
from .supervision import NO_UNIT, outstanding

REPLY_DAYS = 15
"""Days the letter gives the unit to reply with its plan (the office may say otherwise)."""


def _d(value: date | None) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


def build(session: Session, unit_id: uuid.UUID | None, today: date, *, office: str = "",
          reply_days: int = REPLY_DAYS) -> Document:
    """The letter to ``unit_id`` (``None``: no unit, for the office's own use) as of today,
    listing every sign it still has to set up, replace or remove, the late ones first."""
    unit = session.get(ResponsibleUnit, unit_id) if unit_id else None
    if unit_id is not None and unit is None:
        raise NotFound("没有这个责任单位 / no such responsible unit")
    items = outstanding(session, unit_id, today)
    items.sort(key=lambda o: (not o.late, o.sign.due_on or today, o.road))
    late = sum(1 for o in items if o.late)
    name = unit.name if unit else NO_UNIT
    sender = office or "地名管理机构"
    body = [
        f"{name}：",
        f"根据《地名管理条例》关于设置地名标志的规定，经核查，截至{_d(today)}，贵单位负责设置的"
        f"地名标志中尚有 {len(items)} 块未完成设置、更换或拆除，其中 {late} 块已超过规定期限。"
        "明细见下表。",
        f"请于{_d(today + timedelta(days=reply_days))}前完成设置，或将整改计划书面报送{sender}。"
        "标志须符合 GB 17733《地名 标志》的要求；设置完成后请报告设置日期、设置单位并附照片。",
    ]
    table = [["序号", "道路", "标志编号", "类型", "位置", "事项", "期限", "逾期天数"]]
    for i, o in enumerate(items, 1):
        s = o.sign
        kind = kind_label_zh(s.kind)
        table.append([str(i), o.road, display_plate_id(s.sign_id), kind, s.description or "—",
                      DUTY_LABELS_ZH.get(o.duty, o.duty), _d(s.due_on),
                      str(o.days_late) if o.late else "—"])
    sections = [Section("", paragraphs=body)]
    if items:
        sections.append(Section("待办地名标志明细", table=table,
                                widths=[10, 26, 36, 18, 32, 16, 20, 12]))
    else:
        sections.append(Section("", paragraphs=["贵单位目前没有待设置的地名标志。"]))
    if unit is not None and (unit.contact or unit.address):
        sections.append(Section("", paragraphs=[
            f"（送达：{unit.address or name}；联系：{unit.contact or '—'}）"]))
    return Document(title="地名标志设置督办通知", sections=sections, issuer=sender,
                    dated=_d(today))


def render(session: Session, unit_id: uuid.UUID | None, today: date, *, office: str = "") -> bytes:
    """The letter as an A4 PDF."""
    return render_pdf(build(session, unit_id, today, office=office), office)
