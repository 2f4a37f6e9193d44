"""The CJK font used on plates: lookup, metrics and glyph coverage.

Plates use one sans-serif (黑体-style) CJK TrueType font for every renderer so that the layout
measured here is what PNG, SVG and PDF show.  The default lookup tries WenQuanYi Micro Hei at
its Debian path (package ``fonts-wqy-microhei``), then other known TrueType CJK fonts.
CFF-flavoured OpenType (e.g. Noto Sans CJK ``.otf``) is not usable: reportlab embeds TrueType
outlines only.

A character the font lacks would print as a "tofu" box; :func:`require_glyphs` refuses it.
:func:`ink_extent` measures how far glyphs' ink reaches above and below the baseline (signs
size the Chinese name and the pinyin by their ink heights).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import FontError

KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)
"""Paths tried in order by :func:`find_cjk_font` (path, index in a TrueType collection)."""

ASCENT = 0.80
"""Baseline position below the top of a text box, as a fraction of the font size."""


@dataclass(frozen=True, slots=True)
class CjkFont:
    """A CJK TrueType font file, with its index inside a ``.ttc`` collection."""

    path: str
    index: int = 0

    @property
    def pdf_name(self) -> str:
        """Return the name under which the font is registered with reportlab."""
        stem = "".join(c for c in Path(self.path).stem if c.isalnum())
        return f"PlateCJK-{stem}-{self.index}"


def find_cjk_font(path: str | Path | None = None, index: int = 0) -> CjkFont:
    """Return the font at ``path``, or the first of :data:`KNOWN_FONTS` that exists.

    Raises :class:`FontError` naming the paths tried when none is found.
    """
    if path is not None:
        if not Path(path).is_file():
            raise FontError("找不到门牌用的中文字体。", detail=f"no font file at {path}")
        return CjkFont(str(path), index)
    for candidate, idx in KNOWN_FONTS:
        if Path(candidate).is_file():
            return CjkFont(candidate, idx)
    tried = ", ".join(p for p, _ in KNOWN_FONTS)
    raise FontError(
        "找不到门牌用的中文字体，请安装 fonts-wqy-microhei 或指定字体文件。",
        detail=f"no CJK TrueType font found; tried {tried}",
    )


@functools.lru_cache(maxsize=8)
def tt_font(font: CjkFont) -> TTFont:
    """Load ``font`` with reportlab (once per process) and register it for PDF output."""
    try:
        tt = TTFont(font.pdf_name, font.path, subfontIndex=font.index)
    except Exception as exc:  # reportlab raises TTFError and plain errors alike
        raise FontError("中文字体文件无法读取。", detail=f"{font.path}: {exc}") from exc
    pdfmetrics.registerFont(tt)
    return tt


def text_width(font: CjkFont, text: str, size: float) -> float:
    """Return the advance width of ``text`` at font size ``size`` (same unit as ``size``)."""
    return float(tt_font(font).stringWidth(text, size))


def missing_glyphs(font: CjkFont, text: str) -> set[str]:
    """Return the characters of ``text`` (whitespace aside) that ``font`` has no glyph for."""
    cmap = tt_font(font).face.charToGlyph
    return {c for c in text if not c.isspace() and cmap.get(ord(c), 0) == 0}


def require_glyphs(font: CjkFont, text: str) -> None:
    """Raise :class:`FontError` if ``font`` lacks a glyph for any character of ``text``."""
    missing = missing_glyphs(font, text)
    if missing:
        shown = "".join(sorted(missing))
        raise FontError(
            f"字体缺少以下字符，无法印制：{shown}",
            detail=f"{font.path} has no glyph for {shown!r}",
        )


INK_PX = 1000
"""Pixel size at which :func:`ink_extent` rasterises (0.1 % resolution)."""


@functools.lru_cache(maxsize=256)
def ink_extent(font: CjkFont, text: str) -> tuple[float, float]:
    """Return how far the ink of ``text`` reaches above and below the baseline, per font size.

    Both values are fractions of the font size, positive upwards for the first and downwards
    for the second: WenQuanYi Micro Hei gives about (0.81, 0.09) for 国路 and (0.71, 0.0)
    for ``H`` (the cap height).  Measured on FreeType's rendering at :data:`INK_PX` pixels.
    """
    face = ImageFont.truetype(font.path, INK_PX, index=font.index)
    _left, top, _right, bottom = face.getbbox(text, anchor="ls")
    return -top / INK_PX, max(0, bottom) / INK_PX
