"""Page numbers that are known only once the book is laid out: the contents page and the
index name the page each chapter starts on.

One pass of reportlab is enough: :class:`ChapterMark` notes the page a chapter starts on as it
is drawn, :class:`PageRef` draws a reference to a PDF form (an XObject) named for the chapter,
wherever it stands (the contents come before the chapters), and :class:`DefineForms`, the
book's last flowable, fills each form with the page number. A PDF may use a form before the
content stream that defines it, and viewers and ``pdftotext`` read the number as text.
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable


class PageNumbers:
    """The page each chapter starts on, filled in as the book is drawn."""

    def __init__(self, keys: list[str]) -> None:
        self.forms = {key: f"gzpage{i}" for i, key in enumerate(keys)}
        self.sizes: set[float] = set()  # the font sizes the numbers are printed in
        self.pages: dict[str, int] = {}

    def form(self, key: str, size: float) -> str:
        """The PDF form that holds ``key``'s page number in font size ``size``."""
        self.sizes.add(size)
        return f"{self.forms[key]}s{round(size * 10)}"


class ChapterMark(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Takes no room; notes the page it is drawn on as the start of chapter ``key``."""

    def __init__(self, numbers: PageNumbers, key: str) -> None:
        super().__init__()
        self.numbers, self.key = numbers, key
        self.width = self.height = 0

    def draw(self) -> None:
        """Note the current page."""
        self.numbers.pages.setdefault(self.key, self.canv.getPageNumber())


class PageRef(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Chapter ``key``'s page number in font size ``size``, right-aligned in a box ``width``
    wide, its baseline ``size`` below the box's top (where a table cell's text has it)."""

    def __init__(self, numbers: PageNumbers, key: str, width: float, size: float) -> None:
        super().__init__()
        self.numbers, self.key, self.size = numbers, key, size
        self.form = numbers.form(key, size)
        self.width, self.height = width, size * 1.25

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Its fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Place the chapter's page-number form at the box's right edge."""
        c: Canvas = self.canv
        c.saveState()
        c.translate(self.width, self.height - self.size)
        c.doForm(self.form)
        c.restoreState()


class DefineForms(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """The book's last flowable: writes every chapter's page number into its form."""

    def __init__(self, numbers: PageNumbers, font: str) -> None:
        super().__init__()
        self.numbers, self.font = numbers, font
        self.width = self.height = 0

    def draw(self) -> None:
        """Define the forms, one per chapter and size (a chapter never drawn gets "—")."""
        c: Canvas = self.canv
        for key in self.numbers.forms:
            for size in sorted(self.numbers.sizes):
                c.saveState()
                c.beginForm(self.numbers.form(key, size), lowerx=-200, lowery=-size,
                            upperx=10, uppery=size * 2)
                c.setFont(self.font, size)
                c.drawRightString(0, 0, str(self.numbers.pages.get(key, "—")))
                c.endForm()
                c.restoreState()
