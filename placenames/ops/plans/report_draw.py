"""The printed plan's map on the PDF canvas: :class:`MapFlowable` draws a
:class:`~placenames.ops.plans.report_map.MapDrawing` as vector paths and text (no image).

Roads in force are grey, planned names violet and dashed (an area lightly filled, a point a
white dot ringed in violet), used ones solid dark violet; labels carry a white halo; the scale
bar and the north arrow sit where the drawing values put them.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from .report_map import MapDrawing, MapFeature

PLANNED_COLOUR = colors.HexColor("#7048e8")
USED_COLOUR = colors.HexColor("#3b2a8c")
ROAD_COLOUR = colors.HexColor("#9aa3ad")
ROAD_TEXT = colors.HexColor("#5c6670")
FILL_COLOUR = colors.HexColor("#efe9ff")


class MapFlowable(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """The plan's map, drawn as vector paths and text into a frame of the drawing's size."""

    def __init__(self, drawing: MapDrawing, font: str) -> None:
        super().__init__()
        self.drawing, self.font = drawing, font
        self.width, self.height = drawing.width, drawing.height

    def draw(self) -> None:
        """Draw the frame, the roads, the plan's names, labels, scale bar and north arrow."""
        c: Canvas = self.canv
        d = self.drawing
        c.saveState()
        clip = c.beginPath()
        clip.rect(0, 0, d.width, d.height)
        c.clipPath(clip, stroke=0, fill=0)
        for f in sorted(d.features, key=lambda f: f.style != "road"):
            _draw_feature(c, f)
        for label in d.labels:
            _draw_label(c, label, self.font)
        c.restoreState()
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.8)
        c.rect(0, 0, d.width, d.height, stroke=1, fill=0)
        _draw_scale_bar(c, d, self.font)
        _draw_north_arrow(c, d.north_at[0], d.north_at[1], self.font)


def _style_line(c: Canvas, style: str) -> None:
    if style == "road":
        c.setStrokeColor(ROAD_COLOUR)
        c.setLineWidth(2.4)
        c.setDash()
    elif style == "used":
        c.setStrokeColor(USED_COLOUR)
        c.setLineWidth(2.2)
        c.setDash()
    else:
        c.setStrokeColor(PLANNED_COLOUR)
        c.setLineWidth(2.2)
        c.setDash(6, 3)


def _draw_feature(c: Canvas, f: MapFeature) -> None:
    c.setLineCap(1)
    c.setLineJoin(1)
    _style_line(c, f.style)
    for ring in f.rings:
        path = c.beginPath()
        path.moveTo(*ring[0])
        for p in ring[1:]:
            path.lineTo(*p)
        path.close()
        c.setFillColor(FILL_COLOUR)
        c.drawPath(path, stroke=1, fill=1)
    for line in f.lines:
        path = c.beginPath()
        path.moveTo(*line[0])
        for p in line[1:]:
            path.lineTo(*p)
        c.drawPath(path, stroke=1, fill=0)
    c.setDash()
    for x, y in f.points:
        c.setFillColor(colors.white)
        c.setLineWidth(1.8)
        c.circle(x, y, 3.2, stroke=1, fill=1)


def _draw_label(c: Canvas, label: Any, font: str) -> None:
    size = 7.5 if label.style == "road" else 9
    colour = ROAD_TEXT if label.style == "road" else (
        USED_COLOUR if label.style == "used" else PLANNED_COLOUR)
    c.saveState()
    c.translate(label.x, label.y)
    c.rotate(label.angle)
    c.setLineWidth(2.2)
    # a white halo (text stroked), then the text filled; each in its own graphics state, as
    # the render mode (Tr) outlives the text object and reportlab omits a "0 Tr"
    for mode, fill in ((1, colors.white), (0, colour)):
        c.saveState()
        t = c.beginText()
        t.setFont(font, size)
        t.setTextRenderMode(mode)
        t.setStrokeColor(colors.white)
        t.setFillColor(fill)
        t.setTextOrigin(-c.stringWidth(label.text, font, size) / 2, -size * 0.35)
        t.textOut(label.text)
        c.drawText(t)
        c.restoreState()
    c.restoreState()


def _draw_scale_bar(c: Canvas, d: MapDrawing, font: str) -> None:
    bar = d.scale
    (x0, y0), h = d.scale_at, 2.2 * mm
    c.setFillColor(colors.white)
    c.setStrokeColor(colors.white)
    c.rect(x0 - 2 * mm, y0 - 2 * mm, bar.length_pt + 14 * mm, h + 9 * mm, stroke=0, fill=1)
    part = bar.length_pt / bar.parts
    c.setStrokeColor(colors.black)
    c.setLineWidth(0.6)
    for i in range(bar.parts):
        c.setFillColor(colors.black if i % 2 == 0 else colors.white)
        c.rect(x0 + i * part, y0, part, h, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.setFont(font, 7)
    for offset, text in bar.ticks():
        c.drawCentredString(x0 + offset, y0 + h + 1.5 * mm, text)


def _draw_north_arrow(c: Canvas, x: float, y: float, font: str) -> None:
    c.setFillColor(colors.black)
    c.setStrokeColor(colors.black)
    c.setLineWidth(0.8)
    path = c.beginPath()
    path.moveTo(x, y + 12 * mm)
    path.lineTo(x - 3.2 * mm, y + 2 * mm)
    path.lineTo(x, y + 4.5 * mm)
    path.close()
    c.drawPath(path, stroke=1, fill=1)
    path = c.beginPath()
    path.moveTo(x, y + 12 * mm)
    path.lineTo(x + 3.2 * mm, y + 2 * mm)
    path.lineTo(x, y + 4.5 * mm)
    path.close()
    c.setFillColor(colors.white)
    c.drawPath(path, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.setFont(font, 9)
    c.drawCentredString(x, y - 2.5 * mm, "北 N")
