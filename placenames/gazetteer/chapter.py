"""A chapter's pages: its heading, its map (the chapter's names over the roads of the
neighbouring chapters, drawn as vector paths by :mod:`placenames.maps.printed_pdf`), then the
table of its names with their romanization, class, location, meaning and origin."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, Table, TableStyle

from ..maps.printed import MapDrawing, bbox_of, layout_map
from ..maps.printed_pdf import ROAD_INK, Ink, MapFlowable
from .book import LINE_CLASSES, Book, Chapter, Entry
from .pages import ChapterMark, PageNumbers
from .styles import HEAD_FILL, Styles, cell, cell_rules, para

CRS_NOTE = "CGCS2000"
MAP_WIDTH, MAP_HEIGHT = 170 * mm, 200 * mm
MAX_ROADS = 400
"""The most roads of the neighbouring chapters drawn around a chapter's names."""

NAME_COLOUR = colors.HexColor("#1c4f9c")
INKS = {"road": ROAD_INK,
        "name": Ink(NAME_COLOUR, 2.2, (), colors.HexColor("#e3ecfa"), text_size=8.5)}
"""The chapter's names dark blue, an area lightly filled; the neighbours' roads grey."""

COLUMNS = ("序号", "标准名称", "罗马字母拼写", "类别", "位置", "含义", "来历与沿革")
WIDTHS = (9 * mm, 21 * mm, 28 * mm, 11 * mm, 32 * mm, 32 * mm, 37 * mm)


def _grow(box: tuple[float, float, float, float], share: float = 0.6, pad: float = 0.005
          ) -> tuple[float, float, float, float]:
    west, south, east, north = box
    grow = max(east - west, north - south) * share + pad
    return (west - grow, south - grow, east + grow, north + grow)


def _meets(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def neighbour_roads(chapter: Chapter, book: Book, limit: int = MAX_ROADS
                    ) -> list[tuple[str, dict[str, Any]]]:
    """Roads, streets and bridges of the book's other chapters near ``chapter``'s names
    (their box grown by 60 % of its span and 0.005° a side), longest names first."""
    box = bbox_of(e.geometry for e in chapter.entries if e.geometry)
    if box is None:
        return []
    near = _grow(box)
    out = []
    for other in book.chapters:
        if other.code == chapter.code:
            continue
        for e in other.entries:
            if e.cls in LINE_CLASSES and e.geometry:
                b = bbox_of([e.geometry])
                if b is not None and _meets(b, near):
                    out.append((e.name, e.geometry))
    out.sort(key=lambda r: (-len(r[0]), r[0]))
    return out[:limit]


def chapter_map(chapter: Chapter, book: Book, width: float = MAP_WIDTH,
                height: float = MAP_HEIGHT) -> MapDrawing | None:
    """The chapter's map: its names (numbered as in its table) over the neighbours' roads;
    None when none of its names has a geometry."""
    subjects = [(e.name, "name", e.geometry, str(i))
                for i, e in enumerate(chapter.entries, start=1) if e.geometry]
    return layout_map(subjects, neighbour_roads(chapter, book), width, height)


def _map_block(chapter: Chapter, book: Book, st: Styles) -> list[Any]:
    drawing = chapter_map(chapter, book)
    if drawing is None:
        return [para("本章地名在登记簿中尚无空间位置，暂无地图。", st.body)]
    w, s, e, n = drawing.extent
    legend = ("图例：蓝色为本章地名（线为道路、桥梁，圈为点位，浅蓝面为区域）；"
              "灰色为相邻章节的道路。")
    if drawing.numbered:
        legend += "名称密集处以序号标注，序号见本章地名表。"
    note = (f"坐标系：{CRS_NOTE}（经纬度）。图幅范围：东经 {w:.4f}°—{e:.4f}°，"
            f"北纬 {s:.4f}°—{n:.4f}°。比例尺约 1:{drawing.scale_denominator:,}（A4 纸面），"
            "以图中比例尺为准。")
    return [KeepTogether([MapFlowable(drawing, st.font, INKS), Spacer(1, 3 * mm),
                          para(legend, st.small), para(note, st.small)])]


def names_table(entries: list[Entry], st: Styles) -> Table:
    """The table of a chapter's names (the header repeats on every page)."""
    w = WIDTHS
    data: list[list[Any]] = [[cell(h, st.cell, x) for h, x in zip(COLUMNS, w, strict=True)]]
    for i, e in enumerate(entries, start=1):
        data.append([str(i), cell(e.name, st.cell, w[1]),
                     cell(e.romanization or "—", st.latin, w[2]),
                     cell(e.class_label, st.cell, w[3]), cell(e.location or "—", st.cell, w[4]),
                     cell(e.meaning or "—", st.cell, w[5]), cell(e.origin or "—", st.cell, w[6])])
    table = Table(data, colWidths=list(WIDTHS), repeatRows=1)
    table.setStyle(TableStyle([*cell_rules(st.cell),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL)]))
    return table


def chapter_story(number: int, chapter: Chapter, book: Book, numbers: PageNumbers,
                  st: Styles) -> list[Any]:
    """The flowables of chapter ``number``: heading and map on a new page, then its table."""
    head = f"第{number}章　{chapter.heading}"
    out: list[Any] = [PageBreak(), ChapterMark(numbers, chapter.code)]
    if chapter.part:
        out.append(para(chapter.part, st.part))
    out += [para(head, st.head), para(f"本章收录地名 {len(chapter.entries)} 条。", st.small),
            Spacer(1, 2 * mm)]
    out += _map_block(chapter, book, st)
    out += [CondPageBreak(60 * mm), para(f"{chapter.title}地名表", st.head),
            names_table(chapter.entries, st)]
    return out
