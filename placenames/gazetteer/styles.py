"""The book's paragraph styles and the small helpers that make table cells of text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

HEAD_FILL = colors.HexColor("#eef2f8")
CELL_PADDING = 3.0  # left and right, in the tables' style
MUTED = colors.HexColor("#495057")


@dataclass(frozen=True)
class Styles:
    """Every paragraph style of the book, in the one CJK font."""

    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    head: ParagraphStyle
    part: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    small: ParagraphStyle
    letter: ParagraphStyle
    latin: ParagraphStyle  # a cell of romanization: wraps between words, not inside one


def styles(font: str) -> Styles:
    """The styles in ``font`` (a registered reportlab font name)."""
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return Styles(
        font=font,
        title=ParagraphStyle("t", fontName=font, fontSize=30, leading=42, alignment=1,
                             spaceBefore=60 * mm, spaceAfter=8 * mm, wordWrap="CJK"),
        subtitle=ParagraphStyle("st", fontName=font, fontSize=14, leading=22, alignment=1,
                                spaceAfter=4 * mm, wordWrap="CJK"),
        head=ParagraphStyle("h", fontName=font, fontSize=15, leading=22, spaceBefore=4,
                            spaceAfter=6, wordWrap="CJK"),
        part=ParagraphStyle("p", fontName=font, fontSize=10, leading=14, textColor=MUTED,
                            wordWrap="CJK"),
        body=body,
        cell=ParagraphStyle("c", parent=body, fontSize=8, leading=10.5),
        small=ParagraphStyle("s", parent=body, fontSize=8.5, leading=12, textColor=MUTED),
        latin=ParagraphStyle("r", fontName=font, fontSize=8, leading=10.5),
        letter=ParagraphStyle("l", fontName=font, fontSize=12, leading=16, spaceBefore=6,
                              spaceAfter=2))


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain ``text`` (escaped; line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def date_zh(value: date) -> str:
    """A date as printed: ``2026年5月1日``."""
    return f"{value.year}年{value.month}月{value.day}日"


def cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """A table cell of ``text`` in a column ``width`` wide: the plain string when it fits on
    one line (a table draws it without the cost of a paragraph; the table's style sets its
    font, size and leading to ``style``'s), else a paragraph that wraps."""
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) \
            <= width - 2 * CELL_PADDING:
        return text
    return para(text, style)


def cell_rules(style: ParagraphStyle) -> list[tuple[object, ...]]:
    """Table style commands that set plain-string cells like ``style``, with the padding."""
    return [("FONTNAME", (0, 0), (-1, -1), style.fontName),
            ("FONTSIZE", (0, 0), (-1, -1), style.fontSize),
            ("LEADING", (0, 0), (-1, -1), style.leading),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]
