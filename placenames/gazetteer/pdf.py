"""The gazetteer as an A4 PDF: cover, contents, the edition's notes, a map and a table of
names per chapter, and the index by romanization with each name's chapter page.

:func:`render_pdf` takes a plain :class:`~.book.Book` and returns bytes; it never touches the
database. Everything is vector: text in the CJK TrueType font of the plates, embedded as a
subset (the names can be searched and copied), and the maps drawn as paths, not images. The
page numbers of the contents and the index are filled in as the book is laid out
(:mod:`.pages`), in one pass.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle

from ..plates.fonts import CjkFont, find_cjk_font, tt_font
from .book import Book
from .chapter import CRS_NOTE, chapter_story
from .index import initial, pinyin_index
from .pages import ChapterMark, DefineForms, PageNumbers, PageRef
from .styles import CELL_PADDING, HEAD_FILL, MUTED, Styles, cell, cell_rules, date_zh, para, styles

INDEX_COLUMNS = ("罗马字母拼写", "标准名称", "类别", "所在章节", "页码")
INDEX_WIDTHS = (52 * mm, 36 * mm, 16 * mm, 50 * mm, 16 * mm)


def cover(book: Book, st: Styles) -> list[Any]:
    """The cover: the title, the date the edition stands on, the office, the count."""
    return [para(book.title, st.title),
            para("地名录·地名图册", st.subtitle),
            para(f"{book.area}（{book.area_code}）", st.subtitle),
            para(f"登记簿截至 {date_zh(book.as_of)}", st.subtitle),
            Spacer(1, 30 * mm),
            para(f"收录在用标准地名 {book.count} 条，分 {len(book.chapters)} 章。", st.subtitle),
            para(f"坐标系 {CRS_NOTE}", st.subtitle),
            Spacer(1, 20 * mm),
            para("　".join(x for x in (book.office, f"{date_zh(book.printed_on)}编印") if x),
                 st.subtitle)]


def _grid(data: list[list[Any]], widths: tuple[float, ...], font: str, head: bool) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=1 if head else 0)
    rules: list[tuple[Any, ...]] = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("FONTNAME", (0, 0), (-1, -1), font)]
    if head:
        rules += [("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                  ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey)]
    table.setStyle(TableStyle(rules))
    return table


def contents(book: Book, numbers: PageNumbers, st: Styles) -> list[Any]:
    """The contents: parts and chapters with the page each chapter starts on."""
    rows: list[list[Any]] = []
    number = 0
    inner = ParagraphStyle("ci", parent=st.body, leftIndent=6 * mm)
    for part, chapters in book.parts():
        if part:
            rows.append([para(part, st.body), ""])
        for chapter in chapters:
            number += 1
            rows.append([para(f"第{number}章　{chapter.heading}", inner if part else st.body),
                         PageRef(numbers, chapter.code, 14 * mm, st.body.fontSize)])
    rows.append([para("拼音索引", st.body),
                 PageRef(numbers, "#index", 14 * mm, st.body.fontSize)])
    return [PageBreak(), para("目　录", st.head), _grid(rows, (156 * mm, 14 * mm), st.font, False)]


def notes(book: Book, st: Styles) -> list[Any]:
    """The edition's notes (编制说明): what it holds and the rule of its date."""
    out: list[Any] = [Spacer(1, 8 * mm), para("编制说明", st.head)]
    out += [para(f"{i}. {text}", st.body) for i, text in enumerate(book.notes, start=1)]
    return out


def index_story(book: Book, numbers: PageNumbers, st: Styles) -> list[Any]:
    """The index by romanization, grouped by initial letter, with each chapter's page."""
    out: list[Any] = [PageBreak(), ChapterMark(numbers, "#index"), para("拼音索引", st.head),
                      para("按罗马字母拼写排序；页码为该地名所在章节的起始页。", st.small)]
    w = INDEX_WIDTHS
    data: list[list[Any]] = [[cell(h, st.cell, x) for h, x in zip(INDEX_COLUMNS, w,
                                                                   strict=True)]]
    styles_extra: list[tuple[Any, ...]] = [*cell_rules(st.cell)]
    letter = None
    for row in pinyin_index(book):
        if initial(row.romanization) != letter:
            letter = initial(row.romanization)
            styles_extra.append(("SPAN", (0, len(data)), (-1, len(data))))
            data.append([para(letter, st.letter), "", "", "", ""])
        data.append([cell(row.romanization or "—", st.latin, w[0]),
                     cell(row.name, st.cell, w[1]), cell(row.class_label, st.cell, w[2]),
                     cell(f"{row.chapter_title}（{row.chapter_code}）", st.cell, w[3]),
                     PageRef(numbers, row.chapter_code, w[4] - 2 * CELL_PADDING,
                             st.cell.fontSize)])
    table = _grid(data, INDEX_WIDTHS, st.font, True)
    table.setStyle(TableStyle(styles_extra))
    return out + [table]


def story(book: Book, numbers: PageNumbers, font: str) -> list[Any]:
    """All the book's flowables, in order."""
    st = styles(font)
    out = cover(book, st) + contents(book, numbers, st) + notes(book, st)
    for number, chapter in enumerate(book.chapters, start=1):
        out += chapter_story(number, chapter, book, numbers, st)
    out += index_story(book, numbers, st)
    return out + [DefineForms(numbers, font)]


def _footer(book: Book, font: str) -> Callable[[Canvas, Any], None]:
    def draw(c: Canvas, doc: Any) -> None:
        if doc.page == 1:
            return  # the cover
        c.saveState()
        c.setFont(font, 8)
        c.setFillColor(MUTED)
        c.drawCentredString(A4[0] / 2, 10 * mm, f"{book.title}（截至{date_zh(book.as_of)}）"
                                                 f"　第 {doc.page} 页")
        c.restoreState()

    return draw


def render_pdf(book: Book, *, font: CjkFont | None = None) -> bytes:
    """The book as an A4 PDF: vector text and maps, the CJK font embedded as a subset."""
    fname = tt_font(font or find_cjk_font()).fontName
    numbers = PageNumbers([c.code for c in book.chapters] + ["#index"])
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"{book.title}（截至{date_zh(book.as_of)}）",
                            author=book.office, subject="地名录·地名图册", creator="placenames",
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, invariant=1, initialFontName=fname)
    footer = _footer(book, fname)
    doc.build(story(book, numbers, fname), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
