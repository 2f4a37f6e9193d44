"""Batch geocoding: every row of a spreadsheet's address column matched to the register.

:func:`geocode_rows` writes, for each input row in order, the row's own cells then the
:data:`OUT_COLUMNS` (standard address, code, point, quality, score and reason), and counts the
qualities. Lists repeat addresses (one row per resident), so answers are remembered; the read
transaction is ended every :data:`ROLLBACK_EVERY` rows so that a long batch holds no snapshot;
a row that fails unexpectedly gets its reason written and the batch goes on, until
:data:`MAX_FAILURES_IN_A_ROW` fail one after the other (then something other than the data is
wrong: :class:`BatchFailed`). The command ``placenames geocode`` and the ``geocode_batch`` job
both run it.
"""

from __future__ import annotations

import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import tables
from ...errors import BadInput, PlacenamesError
from ...search.query import QueryError
from ...storage import Storage
from .geocode import geocode_one
from .results import GeocodeMatch

OUT_COLUMNS = ("标准地址 standard_address", "地址代码 address_code", "经度 lon", "纬度 lat",
               "匹配程度 quality", "得分 score", "原因 reason")
"""The columns added after the input's own, Chinese then English."""

QUALITY_LABELS = {"exact": "完全匹配 exact", "partial": "部分匹配 partial",
                  "none": "未匹配 none"}
EMPTY_REASON = "地址为空。 / The address is empty."
ROLLBACK_EVERY = 500
"""Rows geocoded per read transaction (a long batch holds no snapshot for minutes)."""
CACHE_SIZE = 50_000
"""Distinct cells whose answer is kept: lists repeat addresses (one row per resident)."""
MAX_FAILURES_IN_A_ROW = 50
"""Unexpected failures on consecutive rows that stop the batch (the database is gone)."""


MAX_LIST_BYTES = 20 * 1024 * 1024
"""Largest list taken through the web page or the API (about 300,000 addresses as CSV);
larger lists: the ``placenames geocode`` command."""
LIST_SUFFIXES = tables.CSV_SUFFIXES + tables.EXCEL_SUFFIXES


def keep_list(store: Storage, data: bytes, file_name: str, column: str,
              sheet: str | None) -> str:
    """Keep a list of addresses in the store once it is known to be a readable table with
    ``column``; its key. :class:`BadInput` (in words) otherwise, and nothing is kept."""
    name = Path(file_name.replace("\\", "/")).name[:120] or "addresses.csv"
    suffix = Path(name).suffix.lower()
    if suffix not in LIST_SUFFIXES:
        raise BadInput(f"只能读取 CSV 或 Excel（.xlsx）文件：{name} / only CSV or Excel (.xlsx) "
                       f"files can be read: {name}")
    if not data:
        raise BadInput("文件是空的 / the file is empty")
    if len(data) > MAX_LIST_BYTES:
        mb = MAX_LIST_BYTES // 1024 // 1024
        raise BadInput(f"文件超过 {mb} MB，请用 placenames geocode 命令匹配 / the file is "
                       f"larger than {mb} MB: match it with the placenames geocode command")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"list{suffix}"
        path.write_bytes(data)
        with tables.open_table(path, sheet=sheet) as table:
            tables.column_index(table.header, column)
    key = f"geocode/input/{uuid.uuid4().hex}{suffix}"
    store.put_bytes(key, data)
    return key


class BatchFailed(PlacenamesError):
    """Too many rows failed one after the other: something other than the data is wrong."""

    exit_code = 70  # EX_SOFTWARE


@dataclass
class RowOutcome:
    """What the batch writes for one row: the quality and the seven added cells."""

    quality: str
    cells: list[str]
    failed: bool = False


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def outcome_of(match: GeocodeMatch) -> RowOutcome:
    """The output cells for a geocoder's answer."""
    reason = " / ".join(r for r in (match.reason, match.reason_en) if r)
    return RowOutcome(match.quality, [
        match.address or "", match.code or "", _fmt(match.lon, 7), _fmt(match.lat, 7),
        QUALITY_LABELS.get(match.quality, match.quality), _fmt(match.score, 3), reason])


def unmatched(reason: str) -> RowOutcome:
    """The output cells of a row that was not geocoded, with its reason."""
    return RowOutcome("none", ["", "", "", "", QUALITY_LABELS["none"], _fmt(0.0, 3), reason])


def geocode_cell(session: Any, text: str) -> RowOutcome:
    """Geocode one cell: blank → none ("empty"); refused by the query parser → none with the
    parser's message; otherwise the geocoder's best match."""
    if not text.strip():
        return unmatched(EMPTY_REASON)
    try:
        return outcome_of(geocode_one(session, text))
    except QueryError as exc:
        return unmatched(exc.message)


def geocode_rows(session: Any, rows: Sequence[Sequence[str]], index: int,
                 write: Callable[[list[str]], Any], *,
                 on_row: Callable[[int], None] | None = None,
                 on_failure: Callable[[int, Exception], None] | None = None) -> Counter[str]:
    """Geocode column ``index`` of every row, writing each row with its added cells; the
    counts of each quality (and ``failed``). ``on_row(n)`` after row ``n`` (from 1);
    ``on_failure(n, exc)`` when row ``n`` failed unexpectedly. Only reads the register."""
    counts: Counter[str] = Counter()
    seen: dict[str, RowOutcome] = {}
    failures = 0
    for n, row in enumerate(rows, start=1):
        text = row[index]
        result = seen.get(text) or _safe_geocode(session, text, n, on_failure)
        if not result.failed and len(seen) < CACHE_SIZE:
            seen[text] = result
        failures = failures + 1 if result.failed else 0
        if failures >= MAX_FAILURES_IN_A_ROW:
            raise BatchFailed(f"连续 {failures} 行处理失败，已停止 / {failures} rows in a row "
                              "failed: stopped (is the database reachable?)")
        counts[result.quality] += 1
        counts["failed"] += result.failed
        write([*row, *result.cells])
        if n % ROLLBACK_EVERY == 0:
            session.rollback()
        if on_row:
            on_row(n)
    return counts


def _safe_geocode(session: Any, text: str, n: int,
                  on_failure: Callable[[int, Exception], None] | None) -> RowOutcome:
    """:func:`geocode_cell`, with an unexpected failure written as that row's reason rather
    than ending the file."""
    try:
        return geocode_cell(session, text)
    except Exception as exc:  # one bad row must not abort the whole file
        session.rollback()
        if on_failure:
            on_failure(n, exc)
        outcome = unmatched(f"处理出错 / failed: {type(exc).__name__}")
        outcome.failed = True
        return outcome
