#!/usr/bin/env python3
"""Benchmark of the gazetteer (issue 14): a 5,000-name register printed as one book, ≤ 60 s.

The register is the demo's frame (the New Area, its five new cities and 21 townships, as
``placenames demo`` loads it) with ``--names`` synthetic names (the names benchmark's
characters and generics: roads, streets, avenues, lanes, residential areas, buildings, bridges)
spread over the townships, each township a box of about 5 × 5 km in the New Area: roads as
lines of 300–1,500 m, the others as points, each with a location, start and end points, a
meaning and an origin of typical length. They are bulk-loaded through the product's loader
(``bulk_insert``: the same derived fields, romanization and history rows as a name entered
one by one) into SpatiaLite.

Measured, wall time: the whole gazetteer of the New Area as of today (``build``: the as-of
read of the record history, and ``render_pdf``: cover, contents, a map and a table per
chapter, the index), against the target of 60 s. Baseline in the same run: the same names as
one plain reportlab table (name, romanization, class, location, meaning, origin), which is the
floor of setting that much text in the same font; the ratio is the gazetteer's time over it.

    scripts/bench gazetteer [--names 5000] [--seed 14] [--out FILE.pdf]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_names import synthetic_names, vocabulary  # noqa: E402

from placenames import migrate  # noqa: E402
from placenames.db import make_engine  # noqa: E402
from placenames.gazetteer.pdf import render_pdf  # noqa: E402
from placenames.models import Jurisdiction, Level  # noqa: E402
from placenames.ops.demo import data as demo_data  # noqa: E402
from placenames.ops.demo import loader as demo  # noqa: E402
from placenames.ops.gazetteer.build import build  # noqa: E402
from placenames.ops.registry.places import PlaceRow, bulk_insert  # noqa: E402
from placenames.plates.fonts import find_cjk_font, tt_font  # noqa: E402
from placenames.workflow import CHINA_TZ  # noqa: E402

TARGET_S = 60.0
WEST, SOUTH = 108.60, 34.15  # the south-west corner of the townships' grid
BOX = 0.055  # a township's box, in degrees (about 5 km)
MEANINGS = ("寓意{s}繁荣兴旺、和谐安宁", "取{s}之名，寄托对美好生活的向往",
            "因临近{s}而得名，沿用当地习称", "以{s}命名，弘扬秦汉历史文化")
ORIGINS = ("2019年经西咸新区管委会批准命名（西咸管发〔2019〕{n}号）。",
           "原为村道，2020年拓宽改建后经批准命名为{name}（西咸管发〔2020〕{n}号）。",
           "2021年随片区开发建设命名，沿用原{s}村旧称。")


def _line(rng: random.Random, x: float, y: float) -> str:
    length = rng.uniform(0.003, 0.015)
    if rng.random() < 0.5:
        pts = [(x, y), (x + length / 2, y + rng.uniform(-0.001, 0.001)), (x + length, y)]
    else:
        pts = [(x, y), (x + rng.uniform(-0.001, 0.001), y + length / 2), (x, y + length)]
    return "SRID=4490;LINESTRING(" + ", ".join(f"{a:.6f} {b:.6f}" for a, b in pts) + ")"


def rows(session: Session, n: int, rng: random.Random) -> list[PlaceRow]:
    """``n`` names over the demo's townships, with geometry and descriptive text."""
    towns = session.execute(select(Jurisdiction.id, Jurisdiction.code).where(
        Jurisdiction.level == Level.TOWNSHIP).order_by(Jurisdiction.code)).all()
    out = []
    for i, (name, cls) in enumerate(synthetic_names(n, rng, vocabulary())):
        k = i % len(towns)
        tid, tcode = towns[k]
        x0, y0 = WEST + (k % 6) * BOX, SOUTH + (k // 6) * BOX
        x, y = x0 + rng.uniform(0.002, BOX - 0.018), y0 + rng.uniform(0.002, BOX - 0.018)
        line = cls in ("road", "street", "avenue", "lane", "bridge")
        spec = name[:2]
        out.append(PlaceRow(
            name, cls, tid, tcode, id=uuid.uuid4(),
            geom=_line(rng, x, y) if line else f"SRID=4490;POINT({x:.6f} {y:.6f})",
            location_desc=f"位于{tcode}镇街{'中部' if rng.random() < 0.5 else '北部'}",
            start_desc=f"{spec}东路" if line else None, end_desc=f"{spec}西路" if line else None,
            meaning=rng.choice(MEANINGS).format(s=spec),
            history=rng.choice(ORIGINS).format(s=spec, name=name, n=rng.randint(1, 99)),
            approving_body="西咸新区管委会", approval_date=date(2019 + i % 6, 1 + i % 12, 1)))
    return out


def baseline_pdf(book_rows: list[tuple[str, ...]]) -> bytes:
    """The same names as one plain reportlab table in the same font (the floor)."""
    font = tt_font(find_cjk_font()).fontName
    cell = ParagraphStyle("c", fontName=font, fontSize=8, leading=10.5, wordWrap="CJK")
    data = [[Paragraph(v, cell) for v in r] for r in book_rows]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            invariant=1)
    doc.build([Table(data, colWidths=[22 * mm, 28 * mm, 12 * mm, 40 * mm, 32 * mm, 36 * mm],
                     repeatRows=0)])
    return out.getvalue()


def pages(path: Path) -> str:
    """The page count by ``pdfinfo`` (or ? without poppler)."""
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), "?")


def main() -> None:
    """Build the register, time the gazetteer and the baseline, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", type=Path, help="keep the gazetteer's PDF here")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="placenames-bench-gazetteer-"))
    engine = make_engine(f"sqlite:///{work / 'bench.db'}")
    migrate.upgrade(engine)
    t0 = time.perf_counter()
    with Session(engine) as s:
        demo.load_frame(s)
        s.flush()
        bulk_insert(s, rows(s, a.names, random.Random(a.seed)))
        s.commit()
    print(f"register: {a.names:,} names over {len(demo_data.TOWNSHIPS)} townships, loaded in "
          f"{time.perf_counter() - t0:.1f} s (SpatiaLite)")

    today = datetime.now(CHINA_TZ).date()
    t0 = time.perf_counter()
    with Session(engine) as s:
        book = build(s, demo_data.NEW_AREA[0], as_of=today, today=today, office="西咸新区地名办")
    t_read = time.perf_counter() - t0
    pdf = render_pdf(book)
    t_total = time.perf_counter() - t0
    out = a.out or work / "gazetteer.pdf"
    out.write_bytes(pdf)
    shown = f" -> {a.out}" if a.out else ""
    assert book.count == a.names, (book.count, a.names)

    flat = [(e.name, e.romanization, e.class_label, e.location, e.meaning, e.origin)
            for c in book.chapters for e in c.entries]
    t0 = time.perf_counter()
    base = baseline_pdf(flat)
    t_base = time.perf_counter() - t0
    (work / "baseline.pdf").write_bytes(base)

    verdict = "met" if t_total <= TARGET_S else "NOT met"
    print(f"gazetteer of {book.area} as of {today}: {book.count:,} names, "
          f"{len(book.chapters)} chapters, {pages(out)} pages, {len(pdf) / 1e6:.1f} MB{shown}")
    print(f"  wall time {t_total:.1f} s (as-of read {t_read:.1f} s, layout and PDF "
          f"{t_total - t_read:.1f} s); target <= {TARGET_S:.0f} s: {verdict}")
    print(f"  baseline, the same names as one plain reportlab table: {t_base:.1f} s, "
          f"{pages(work / 'baseline.pdf')} pages; gazetteer / baseline = {t_total / t_base:.2f}")
    engine.dispose()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
