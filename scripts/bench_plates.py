"""Benchmark: render N synthetic door plates into one PDF on one core.

Usage: ``python scripts/bench_plates.py [--count 10000] [--out DIR] [--sheet A4] [--trace]``

Prints plates per second, total seconds, bytes per plate, peak memory (ru_maxrss; with
``--trace`` also the tracemalloc peak, which slows the run) and the ratio to bare QR generation
of the same N URLs.  Targets from the issue: 10,000 plates <= 15 s, <= 1.2 KB per plate,
peak memory < 500 MiB.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from placenames.plates.ids import new_plate_id
from placenames.plates.layout import PlateKind, PlateSize, PlateSpec
from placenames.plates.payload import plate_url
from placenames.plates.pdf import render_batch_pdf, write_manifest_csv
from placenames.plates.qr import qr_matrix

BASE_URL = "https://dmb.xixian.gov.cn"
ROADS = [
    ("沣东大道", "Fengdong Dadao"), ("统一路", "Tongyi Lu"), ("天章大道", "Tianzhang Dadao"),
    ("世纪大道", "Shiji Dadao"), ("沣泾大道", "Fengjing Dadao"), ("秦皇大道", "Qinhuang Dadao"),
    ("兰池大道", "Lanchi Dadao"), ("正阳大道", "Zhengyang Dadao"), ("红光大道", "Hongguang Dadao"),
    ("三桥新街", "Sanqiao Xinjie"), ("建章路", "Jianzhang Lu"), ("昆明池路", "Kunmingchi Lu"),
    ("上林路", "Shanglin Lu"), ("镐京大道", "Haojing Dadao"),
    ("斗门街道安澜路", "Doumen Jiedao Anlan Lu"),
    ("能源金贸区科统一路", "Nengyuan Jinmaoqu Ketongyi Lu"),
    ("西咸新区沣东新城王寺街道西围墙路",
     "Xixian Xinqu Fengdong Xincheng Wangsi Jiedao Xiweiqiang Lu"),
]


def synthetic_specs(count: int, seed: int = 20240601) -> list[PlateSpec]:
    """Return ``count`` plate specs: mostly small door plates, some building and unit plates."""
    rng = random.Random(seed)
    specs = []
    for _ in range(count):
        pid = new_plate_id(rng)
        road, pinyin = rng.choice(ROADS)
        n = rng.randint(1, 2400)
        number = f"{n}号" if rng.random() < 0.8 else f"{n}-{rng.randint(1, 9)}号"
        kind = rng.choices(list(PlateKind), weights=[85, 8, 5, 2])[0]
        specs.append(PlateSpec(
            plate_id=pid, url=plate_url(BASE_URL, pid), road_name=road, road_pinyin=pinyin,
            number_text=number, kind=kind, size=PlateSize.SMALL,
            building=f"{rng.randint(1, 30)}号楼", unit=f"{rng.randint(1, 6)}单元",
            room=f"{rng.randint(1, 33)}{rng.randint(1, 4):02d}室",
        ))
    return specs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--out", type=Path, default=None, help="directory for plates.pdf + manifest")
    ap.add_argument("--sheet", choices=["A4", "A3"], default="A4")
    ap.add_argument("--trace", action="store_true", help="also measure the tracemalloc peak")
    args = ap.parse_args(argv)
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="bench_plates_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = synthetic_specs(args.count)

    t0 = time.perf_counter()
    for spec in specs:
        qr_matrix(spec.url)
    qr_s = time.perf_counter() - t0

    if args.trace:
        tracemalloc.start()
    pdf_path = out_dir / "plates.pdf"
    t0 = time.perf_counter()
    with pdf_path.open("wb") as fh:
        rows = render_batch_pdf(iter(specs), fh, sheet=args.sheet)
    total_s = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace else None
    tracemalloc.stop()
    with (out_dir / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        write_manifest_csv(rows, fh)

    size = pdf_path.stat().st_size
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    n = args.count
    print(f"plates            {n}  ({rows[-1].sheet} sheets {args.sheet})")
    print(f"total seconds     {total_s:.2f}  (target <= 15 s for 10,000)")
    print(f"plates per second {n / total_s:.0f}")
    print(f"bytes per plate   {size / n:.0f}  (PDF {size / 2**20:.2f} MiB; target <= 1200)")
    print(f"peak RSS          {maxrss:.0f} MiB  (ru_maxrss; target < 500)")
    if traced is not None:
        print(f"tracemalloc peak  {traced:.0f} MiB  (timing above includes tracing overhead)")
    print(f"bare QR           {qr_s:.2f} s = {n / qr_s:.0f} codes/s; "
          f"plates take {total_s / qr_s:.1f}x bare QR generation")
    print(f"output            {pdf_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
