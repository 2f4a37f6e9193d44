"""Commands of search: batch geocoding of a spreadsheet, reverse geocoding, the search index.

``placenames geocode 地址.xlsx --column 地址 --out 标准地址.csv`` standardizes every address of
a spreadsheet (一标三实 lists); ``placenames reverse 108.80 34.28`` lists what is near a point;
``placenames search reindex`` rebuilds the index of names; ``placenames search query TEXT``
shows what the search box would find.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from .. import db, tables
from ..errors import BadInput
from ..ops import search as search_ops
from ..ops.search import Hit, QueryError, batch
from . import main, with_app

T = TypeVar("T")

def _stderr() -> Any:
    return sys.stderr  # looked up at each call: a test runner may have replaced it


# ---- geocode ------------------------------------------------------------------------------



def _read(run: Callable[[Session], T]) -> T:
    """Run a read of the register; a refused query is a usage error; nothing is kept."""
    s = db.session()
    try:
        return run(s)
    except QueryError as exc:
        raise BadInput(exc.message) from None
    finally:
        s.rollback()

@main.command("geocode")
@click.argument("source", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--column", default="地址", show_default=True,
              help="the column holding the addresses (its header)")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="the CSV to write (replaced if it exists)")
@click.option("--sheet", default=None, help="the workbook sheet to read (default the first)")
@with_app
def geocode(source: Path, column: str, out: Path, sheet: str | None) -> None:
    """Standardize the addresses of FILE (.csv or .xlsx) and write them to --out.

    FILE is a CSV in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16, comma or tab
    separated, or an Excel workbook (.xlsx, .xlsm; the first sheet unless --sheet). Its first
    row is the header. The register is only read.

    The output CSV is UTF-8 with a BOM (so that Excel shows the Chinese), one row per input
    row in the same order: every input column, then

    \b
      标准地址 standard_address  the standard address found
      地址代码 address_code      its code
      经度 lon, 纬度 lat         its point (CGCS2000 degrees)
      匹配程度 quality           完全匹配 exact / 部分匹配 partial / 未匹配 none
      得分 score                 0 to 1
      原因 reason                why, in Chinese / English

    A blank cell or one that cannot be read as a query gives 未匹配 none with its reason and
    the batch goes on.

    \b
    Exit status: 0 done; 64 bad column, sheet or extension; 65 a file that cannot be
    decoded; 66 no such file; 70 rows failed unexpectedly (listed on stderr); 73 the output
    cannot be written.
    """
    tables.check_output(out, source=source)
    table = tables.read_table(source, sheet=sheet)
    index = table.column(column)
    where = table.encoding or f"sheet {table.sheet}"
    click.echo(f"{source.name} ({where}): {len(table.rows)} rows, column "
               f"{table.header[index]}", err=True)
    s = db.session()
    started = time.perf_counter()

    def on_failure(n: int, exc: Exception) -> None:
        click.echo(f"\n  row {n} (line {n + 1}): {type(exc).__name__}: {exc}", err=True)

    try:
        with tables.write_csv(out, [*table.header, *batch.OUT_COLUMNS]) as writer, \
                click.progressbar(length=len(table.rows), label="geocoding 地址匹配",
                                  file=_stderr(), show_pos=True) as bar:
            counts = batch.geocode_rows(s, table.rows, index, writer.writerow,
                                        on_row=lambda _n: bar.update(1),
                                        on_failure=on_failure)
    finally:
        s.rollback()  # read-only: nothing the geocoder touched is kept
    elapsed = time.perf_counter() - started
    _summary(len(table.rows), counts, elapsed, out)
    if counts["failed"]:
        sys.exit(70)


def _summary(rows: int, counts: Counter[str], elapsed: float, out: Path) -> None:
    rate = rows / elapsed if elapsed > 0 else 0.0
    failed = f", failed {counts['failed']}" if counts["failed"] else ""
    click.echo(f"{rows} rows: exact {counts['exact']}, partial {counts['partial']}, "
               f"none {counts['none']}{failed}; {elapsed:.1f} s, {rate:.1f} rows/s")
    click.echo(f"完全匹配 {counts['exact']}，部分匹配 {counts['partial']}，未匹配 "
               f"{counts['none']} → {out}")


# ---- reverse ------------------------------------------------------------------------------


def parse_coordinate(value: str, name: tuple[str, str], limit: float) -> float:
    """A longitude or latitude (``name`` in Chinese and English) in degrees, finite and within
    ±``limit``; else BadInput."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise BadInput(f"{name[0]}应为 -{limit:g} 到 {limit:g} 之间的度数：{value!r} / the "
                       f"{name[1]} must be degrees between -{limit:g} and {limit:g}: {value!r}")
    return number


@main.command("reverse", context_settings={"ignore_unknown_options": True})
@click.argument("lon")
@click.argument("lat")
@click.option("--radius", default=200.0, show_default=True, type=float,
              help="search radius in metres")
@click.option("--limit", default=10, show_default=True, type=int,
              help="most results of each kind")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@with_app
def reverse(lon: str, lat: str, radius: float, limit: int, as_json: bool) -> None:
    """The addresses and names nearest to LON LAT (CGCS2000 degrees), with distances."""
    x = parse_coordinate(lon, ("经度", "longitude"), 180)
    y = parse_coordinate(lat, ("纬度", "latitude"), 90)
    if not math.isfinite(radius) or radius <= 0:
        raise BadInput(f"半径应为正数（米）/ --radius must be a positive number of metres: "
                       f"{radius}")
    result = _read(lambda s: search_ops.reverse(s, x, y, radius_m=radius, limit=limit))
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.lon:.6f}, {result.lat:.6f} 半径 radius {result.radius_m:g} m")
    _print_hits("地址 addresses", result.addresses, how=False)
    _print_hits("名称 names", result.names, how=False)


def _print_hits(title: str, hits: list[Hit], *, how: bool = True) -> None:
    """One line per hit: distance (or score), label, then code, class, status and, with
    ``how``, how it matched."""
    click.echo(f"{title}:")
    if not hits:
        click.echo("  (无 none)")
    for h in hits:
        dist = f"{h.distance_m:8.1f} m" if h.distance_m is not None else f"{h.score:8.3f}  "
        extra = " ".join(x for x in (h.code, h.cls, h.status, h.matched if how else None) if x)
        old = f" (历史名称 historical → {h.current_name})" if h.historical and h.current_name \
            else ""
        click.echo(f"  {dist}  {h.label}{old}  [{extra}]")


# ---- search group -------------------------------------------------------------------------


@main.group("search")
def search_group() -> None:
    """The search index: rebuild it, try a query."""


class _LazyBar:
    """A progress callback ``(done, total)`` that opens a click progress bar on first call."""

    def __init__(self, stack: ExitStack, label: str) -> None:
        self.stack, self.label = stack, label
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.stack.enter_context(click.progressbar(
                length=max(total, 1), label=self.label, file=_stderr(), show_pos=True))
        self.bar.update(max(done - self.done, 0))
        self.done = max(done, self.done)


@search_group.command("reindex")
@with_app
def reindex() -> None:
    """Rebuild the search index of names from the register (with a progress bar)."""
    s = db.session()
    started = time.perf_counter()
    with ExitStack() as stack:
        progress: Callable[[int, int], None] = _LazyBar(stack, "indexing 建立索引")
        count = search_ops.reindex(s, progress=progress)
    s.commit()
    click.echo(f"search index rebuilt: {count} entries in "
               f"{time.perf_counter() - started:.2f} s")


@search_group.command("query")
@click.argument("text")
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@with_app
def query(text: str, limit: int, as_json: bool) -> None:
    """Show what the search box finds for TEXT: names and addresses, best first."""
    result = _read(lambda s: search_ops.search(s, text, limit=limit))
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    _print_hits("名称 names", result.names)
    _print_hits("地址 addresses", result.addresses)
