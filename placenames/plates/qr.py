"""QR module matrices for plate URLs, and dark-module rectangles for vector output.

The encoder is zxing-cpp's compiled one (about 5,000 codes/s on one core, against 100-200/s
for pure-Python encoders); the pure-Python ``qrcode`` package is the fallback when zxing-cpp
cannot be imported.

Error correction level **Q** (about 25 % of the code words recoverable) by default: plates hang
outdoors for years and get dust, bird droppings, scratches and half-torn stickers; level M
(15 %) is the usual screen choice but thin for that.  For our short URLs Q costs one version
step (29 -> 33 modules) and leaves 1.2 mm modules even on the small 40 mm code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, cast

EcLevel = Literal["L", "M", "Q", "H"]

DEFAULT_EC: EcLevel = "Q"
QUIET_MODULES = 4
"""Quiet zone required by ISO/IEC 18004, in modules."""

FINDER = 7
"""Side of a finder pattern, in modules."""

_DARK_RUN = re.compile(rb"\x01+")
_TO_BITS = bytes([1] + [0] * 255)  # zxing: 0 = dark, 255 = light  ->  1 = dark


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A QR symbol without quiet zone: ``size`` x ``size`` modules, ``bits[r*size+c]`` 1 = dark."""

    size: int
    bits: bytes
    ec_level: str

    def is_dark(self, row: int, col: int) -> bool:
        """Return whether the module at (``row``, ``col``) is dark."""
        return self.bits[row * self.size + col] == 1

    def row(self, row: int) -> bytes:
        """Return one row of modules, 1 = dark."""
        return self.bits[row * self.size : (row + 1) * self.size]

    def to_gray(self) -> bytes:
        """Return ``size * size`` 8-bit gray pixels (0 black, 255 white) for Pillow mode ``L``."""
        return self.bits.translate(bytes([255, 0] + [0] * 254))


def qr_matrix(text: str, ec_level: EcLevel = DEFAULT_EC) -> QrMatrix:
    """Encode ``text`` (UTF-8, byte mode as chosen by the encoder) into a QR module matrix."""
    try:
        import zxingcpp
    except ImportError:  # pragma: no cover - exercised only without zxing-cpp
        return _qr_matrix_qrcode(text, ec_level)
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    img = code.to_image(add_quiet_zones=False)
    size = int(img.shape[0])
    return QrMatrix(size=size, bits=bytes(cast(Any, img)).translate(_TO_BITS), ec_level=ec_level)


def _qr_matrix_qrcode(text: str, ec_level: EcLevel) -> QrMatrix:
    """Encode with the pure-Python ``qrcode`` package (slow fallback)."""
    import qrcode
    import qrcode.constants as k

    levels = {"L": k.ERROR_CORRECT_L, "M": k.ERROR_CORRECT_M, "Q": k.ERROR_CORRECT_Q,
              "H": k.ERROR_CORRECT_H}
    code = qrcode.QRCode(error_correction=levels[ec_level], border=0)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    rows = code.get_matrix()
    return QrMatrix(size=len(rows), bits=bytes(int(v) for r in rows for v in r), ec_level=ec_level)


def in_finder(size: int, row: int, col: int) -> bool:
    """Return whether (``row``, ``col``) lies in one of the three 7x7 finder patterns."""
    far = size - FINDER
    return (row < FINDER and (col < FINDER or col >= far)) or (row >= far and col < FINDER)


def dark_rects(matrix: QrMatrix, *, skip_finders: bool = False) -> list[tuple[int, int, int, int]]:
    """Return dark areas as ``(x, y, w, h)`` rectangles in module units (y down).

    Horizontal runs of dark modules are merged per row, and identical runs in consecutive rows
    are merged into one taller rectangle, which roughly halves the count against one rectangle
    per module run.  With ``skip_finders`` the three finder patterns are left out (the PDF
    renderer draws them once as a shared Form XObject).
    """
    size = matrix.size
    rects: list[list[int]] = []
    prev: dict[tuple[int, int], int] = {}
    for y in range(size):
        row = matrix.row(y)
        if skip_finders and (y < FINDER or y >= size - FINDER):
            row = _blank_finders(row, size, y)
        cur: dict[tuple[int, int], int] = {}
        for m in _DARK_RUN.finditer(row):
            key = (m.start(), m.end() - m.start())
            idx = prev.get(key)
            if idx is None:
                idx = len(rects)
                rects.append([key[0], y, key[1], 1])
            else:
                rects[idx][3] += 1
            cur[key] = idx
        prev = cur
    return [(r[0], r[1], r[2], r[3]) for r in rects]


def _blank_finders(row: bytes, size: int, y: int) -> bytes:
    """Return ``row`` with finder-pattern modules set light."""
    blank = bytes(FINDER)
    if y < FINDER:
        return blank + row[FINDER : size - FINDER] + blank
    return blank + row[FINDER:]


def finder_rects() -> list[tuple[int, int, int, int]]:
    """Return the rectangles of one finder pattern at the origin (module units, y down)."""
    return [(0, 0, 7, 1), (0, 6, 7, 1), (0, 1, 1, 5), (6, 1, 1, 5), (2, 2, 3, 3)]


def finder_origins(size: int) -> list[tuple[int, int]]:
    """Return the top-left corners ``(x, y)`` of the three finder patterns."""
    far = size - FINDER
    return [(0, 0), (far, 0), (0, far)]
