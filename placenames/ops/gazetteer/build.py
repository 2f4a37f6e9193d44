"""The gazetteer of an area as it stood on a date: a plain :class:`Book` for the renderer."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from ...errors import BadInput
from ...gazetteer.book import Book, Chapter, Entry, location_text, ordered
from ..procedure.documents import CLASS_ZH
from .area import ChapterFrame, chapter_frames, find_area
from .asof import NameAsOf, names_as_of, stories_as_of

NOTES = (
    "本书收录{area}在登记簿中截至{day}（北京时间当日结束时）处于“在用”状态的标准地名，"
    "拟命名、审批中、已批准尚未启用、规划备用及已释放的地名不收录；截至该日已更名或已销名的地名不收录。",
    "各地名的名称、罗马字母拼写、类别、位置、含义、来历与空间位置取自登记簿在该日保存的记录版本"
    "（登记簿每次变更均留存记录快照）；已发布的地名故事在该日之前发布的，含义与来历以地名故事为准。",
    "该日之后才录入或导入登记簿的地名不出现在该日的版本中，即使其批准日期更早。",
    "行政区划及新区、新城的管理范围按编印时的设置划分章节，登记簿不保存其历史。",
    "地图为示意图，按登记簿所存空间位置绘制，坐标系为 CGCS2000；页码为地名所在章节的起始页。",
)


def parse_as_of(text: str | None, today: date) -> date:
    """The edition's date from ``YYYY-MM-DD`` (``today`` when empty); :class:`BadInput` for
    another form or a date after ``today``."""
    if not (text or "").strip():
        return today
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise BadInput(f"日期“{text}”无效，应为 YYYY-MM-DD。 / "
                       f"Bad date {text!r}: use YYYY-MM-DD.") from None
    if day > today:
        raise BadInput(f"截至日期 {day} 晚于今天，无法编印。 / "
                       f"{day} is after today: an edition can only stand on a past date.")
    return day


def _entry(name: NameAsOf, story: tuple[str, str] | None) -> Entry:
    v = name.values
    meaning, origin = story or ("", "")
    cls = str(v.get("cls") or "")
    return Entry(key=str(name.id), name=str(v.get("name") or ""),
                 romanization=str(v.get("romanization") or ""), cls=cls,
                 class_label=CLASS_ZH.get(cls, cls),
                 location=location_text(v.get("location_desc"), v.get("start_desc"),
                                        v.get("end_desc")),
                 meaning=meaning.strip() or str(v.get("meaning") or ""),
                 origin=origin.strip() or str(v.get("history") or ""),
                 geometry=name.geometry)


def _chapter_of(frames: list[ChapterFrame]) -> dict[uuid.UUID, ChapterFrame]:
    return {i: f for f in frames for i in f.ids}


def build(session: Session, area_code: str, *, as_of: date, today: date,
          office: str = "") -> Book:
    """The book of ``area_code`` as the register stood at the end of ``as_of``; chapters
    without names are left out. :class:`NotFound` for an unknown area."""
    area = find_area(session, area_code)
    frames = chapter_frames(session, area)
    by_jurisdiction = _chapter_of(frames)
    names = names_as_of(session, set(by_jurisdiction), as_of)
    stories = stories_as_of(session, [n.id for n in names], as_of)
    entries: dict[str, list[Entry]] = {f.code: [] for f in frames}
    for n in names:
        frame = by_jurisdiction.get(n.jurisdiction_id) if n.jurisdiction_id else None
        if frame is None and n.jurisdiction_now:  # outside the area on the date: today's
            frame = by_jurisdiction.get(n.jurisdiction_now)
        if frame is None:
            continue
        entries[frame.code].append(_entry(n, stories.get(n.id)))
    chapters = [Chapter(f.code, f.title, f.part, ordered(entries[f.code]))
                for f in frames if entries[f.code]]
    day = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    return Book(title=f"{area.name}地名录", area=area.name, area_code=area.code, as_of=as_of,
                printed_on=today, chapters=chapters, office=office,
                notes=[n.format(area=area.name, day=day) for n in NOTES])
