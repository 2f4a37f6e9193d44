"""What every piece of plate and sign art is made of, for the one set of renderers.

A door plate (:mod:`.layout`) and a street sign (:mod:`.signs`) are laid out into the same
:class:`ArtLayout`: a ground colour, a white border line, an optional white QR panel with the
code in it, text runs and filled polygons (the arrows of a directional sign).  The PNG, SVG
and batch PDF renderers draw an :class:`ArtLayout` and know nothing of plates or signs.

Coordinates are millimetres from the top-left corner of the art, y down.  Runs and polygons
marked ``fixed`` are the same on every item sharing the layout's fixed parts (see
:meth:`ArtLayout.fixed_key`): the PDF writer draws them once per sheet run as a Form XObject.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .fonts import ASCENT
from .qr import QrMatrix

PLATE_BLUE = "#0033A0"
"""Ground colour: Pantone 286 C as sRGB (see :mod:`.layout`)."""
WHITE = "#FFFFFF"
BLACK = "#000000"


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in millimetres: top-left corner (``x``, ``y``), y down."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        """Return the x of the right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """Return the y of the bottom edge."""
        return self.y + self.h

    def contains(self, other: Box, tol: float = 1e-6) -> bool:
        """Return whether ``other`` lies inside this box."""
        return (other.x >= self.x - tol and other.y >= self.y - tol
                and other.right <= self.right + tol and other.bottom <= self.bottom + tol)

    def overlaps(self, other: Box) -> bool:
        """Return whether the two boxes share interior area."""
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)


@dataclass(frozen=True, slots=True)
class TextRun:
    """One line of text, drawn left-aligned at ``x`` on ``baseline`` with ``size`` in mm.

    ``box`` is its em box (top = baseline - ascent, height = ``size``), width the advance.
    ``fixed`` runs are the same on every item of a layout's fixed parts (drawn once per sheet
    in PDF).
    """

    role: str
    text: str
    size: float
    box: Box
    color: str = WHITE
    fixed: bool = False

    @property
    def x(self) -> float:
        """Return the left edge."""
        return self.box.x

    @property
    def baseline(self) -> float:
        """Return the y of the baseline."""
        return self.box.y + ASCENT * self.size


@dataclass(frozen=True, slots=True)
class Polygon:
    """A filled polygon (e.g. an arrow): its corners in mm, in drawing order."""

    role: str
    points: tuple[tuple[float, float], ...]
    color: str = WHITE
    fixed: bool = False

    @property
    def box(self) -> Box:
        """Return the bounding box of the corners."""
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


@dataclass(frozen=True, slots=True)
class ArtLayout:
    """Laid-out art: ground, border, optional QR panel and code, text runs and polygons (mm).

    ``panel`` and ``code`` are both ``None`` for art without a QR code (``modules`` is then 0).
    """

    width: float
    height: float
    border: Box
    border_width: float
    panel: Box | None
    code: Box | None
    modules: int
    texts: tuple[TextRun, ...] = field(default_factory=tuple)
    background: str = PLATE_BLUE
    shapes: tuple[Polygon, ...] = field(default_factory=tuple)

    @property
    def module_mm(self) -> float:
        """Return the size of one QR module in millimetres (0 without a code)."""
        return self.code.w / self.modules if self.code is not None and self.modules else 0.0

    @property
    def inner(self) -> Box:
        """Return the area inside the border line, where all text must stay."""
        e = self.border.x + self.border_width / 2
        return Box(e, e, self.width - 2 * e, self.height - 2 * e)

    def fixed_key(self) -> Hashable:
        """Return what determines the fixed parts: equal keys draw identical fixed parts."""
        return (self.width, self.height, self.border, self.border_width, self.panel,
                self.background, tuple(t for t in self.texts if t.fixed),
                tuple(s for s in self.shapes if s.fixed))


S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class ComposedArt(Generic[S]):
    """A spec (plate or sign) with its QR matrix (``None`` without a code) and its layout.

    ``form_prefix`` names the PDF forms of its fixed parts (``plate0``, ``sign0``…).
    """

    spec: S
    matrix: QrMatrix | None
    layout: ArtLayout
    form_prefix: str = "plate"
