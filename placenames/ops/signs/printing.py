"""Print-ready street signs: the signs a road or a unit still has to set up, as one PDF batch
with cut marks and a manifest, drawn by the plates' renderer (:mod:`placenames.plates.pdf`).

A QR sign (and any sign when ``qr`` is asked) carries the code of ``<base>/s/<sign id>``, the
public page of its road (:mod:`.public`), with the official host printed under it. The sheet
``fit`` gives each sign its own page at full size (artwork for the sign maker); A4 and A3
give scaled proofs, the scale in the manifest. Sizes are the office's table when it sets one
(``PLACENAMES_SIGN_SIZES``), else the art's defaults.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ...errors import BadInput
from ...models import Place
from ...models.signs import Sign
from ...plates.layout import SizeSpec
from ...plates.payload import normalize_base_url, official_host
from ...plates.pdf import SignManifestRow, render_sign_batch_pdf
from ...plates.sheets import SheetName
from ...plates.signs import ArrowDirection, SignKind, SignSize, SignSpec, parse_sign_sizes
from ..plates.batches import name_pinyin

TO_MAKE = ("required", "ordered")
"""States of a sign still to be made (an ordered sign may need its artwork again)."""
SHEETS: tuple[SheetName, ...] = ("fit", "A4", "A3")


def sign_url(base_url: str, sign_id: str) -> str:
    """The URL in a sign's QR code: ``<base>/s/<id>``."""
    return f"{normalize_base_url(base_url)}/s/{sign_id}"


Sizes = dict[SignKind, dict[SignSize, SizeSpec]]


def office_sizes(config: Mapping[str, Any]) -> Sizes | None:
    """The office's table of sign sizes (``SIGN_SIZES``, JSON), or None for the defaults."""
    text = config.get("SIGN_SIZES")
    return parse_sign_sizes(str(text)) if text else None


def spec_of(sign: Sign, road: Place, *, base_url: str, qr: bool = False,
            sizes: Sizes | None = None) -> SignSpec:
    """What is printed on ``sign`` of ``road``: the name over its pinyin, the arrow and numbers
    of a directional sign, and the QR code of a QR sign (of any sign with ``qr``)."""
    kind = SignKind(sign.kind)
    with_code = qr or kind is SignKind.QR
    directional = kind is SignKind.DIRECTIONAL
    return SignSpec(
        name=road.name, pinyin=road.romanization or name_pinyin(road.name), kind=kind,
        size=SignSize(sign.size), sign_id=sign.sign_id,
        url=sign_url(base_url, sign.sign_id) if with_code else None,
        arrow=ArrowDirection(sign.arrow) if directional and sign.arrow else None,
        near=(sign.near_number or "") if directional else "",
        far=(sign.far_number or "") if directional else "",
        host_line=official_host(base_url) if with_code else "",
        dims=sizes[kind][SignSize(sign.size)] if sizes else None)


def signs_to_make(session: Session, *, place_id: uuid.UUID | None = None,
                  unit_id: uuid.UUID | None = None) -> list[tuple[Sign, Place]]:
    """The signs of a road or of a unit still to be made, by road and position."""
    if place_id is None and unit_id is None:
        raise BadInput("请指定道路或责任单位 / name a road or a unit")
    stmt = (select(Sign, Place).join(Place, Place.id == Sign.place_id)
            .options(joinedload(Sign.unit))
            .where(Sign.status.in_(TO_MAKE)).order_by(Place.name, Sign.recorded_on,
                                                      Sign.created_at))
    if place_id is not None:
        stmt = stmt.where(Sign.place_id == place_id)
    if unit_id is not None:
        stmt = stmt.where(Sign.unit_id == unit_id)
    return [(sign, road) for sign, road in session.execute(stmt)]


def render(pairs: list[tuple[Sign, Place]], out: BinaryIO, *, base_url: str,
           sheet: SheetName = "fit", qr: bool = False, title: str = "地名标志印制批次",
           sizes: Sizes | None = None) -> list[SignManifestRow]:
    """Draw the signs into one PDF written to ``out``; returns the manifest rows."""
    if sheet not in SHEETS:
        raise BadInput(f"未知纸张 / unknown sheet: {sheet} (fit, A4, A3)")
    if not pairs:
        raise BadInput("没有待制作的标志 / no sign to make")
    specs = [spec_of(sign, road, base_url=base_url, qr=qr, sizes=sizes) for sign, road in pairs]
    return render_sign_batch_pdf(specs, out, sheet, title=title)
