"""Spreadsheets in and out: read a CSV or an Excel workbook as rows of text; write a CSV that
Excel opens in Chinese.

Offices send lists of addresses as Excel exports. Chinese Excel saves CSV as GB18030/GBK
("ANSI" on a Chinese Windows) or as UTF-8 with a byte-order mark, and "Unicode text" as
UTF-16 with tabs; :func:`read_table` reads all of these and ``.xlsx``/``.xlsm`` workbooks (with
openpyxl in read-only mode). :func:`write_csv` writes UTF-8 with a byte-order mark (without one
Excel reads UTF-8 as the local code page and shows mojibake) through a temporary file that is
renamed into place only when complete.

Errors are :class:`~placenames.errors.PlacenamesError` with a bilingual message and a
sysexits-style code: 66 the file is missing, 64 a wrong extension, sheet or column, 65 a file
that cannot be decoded, 73 an output that cannot be created.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import BadInput, NotFound, PlacenamesError

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_FIELD_LIMIT = 1_000_000
"""Longest cell accepted in a CSV, in characters (csv's default is 131 072)."""


class UnreadableFile(PlacenamesError):
    """The file exists but cannot be read as a table (encoding, broken workbook)."""

    exit_code = 65  # EX_DATAERR


class CannotCreate(PlacenamesError):
    """The output file cannot be created (missing folder, no permission)."""

    exit_code = 73  # EX_CANTCREAT


@dataclass
class Table:
    """A sheet read as text: the header and the data rows, each as long as the header.

    ``encoding`` is the CSV's detected encoding (``None`` for a workbook); ``sheet`` is the
    workbook sheet read (``None`` for a CSV). Interior blank rows are kept (as empty cells),
    so that output row *n* answers input row *n*; trailing blank rows are dropped.
    """

    header: list[str]
    rows: list[list[str]]
    encoding: str | None = None
    sheet: str | None = None

    def column(self, name: str) -> int:
        """The index of the column called ``name`` (spaces around names ignored; Latin
        letters in any case); :class:`BadInput` listing the columns when there is none."""
        wanted = name.strip()
        for i, h in enumerate(self.header):
            if h == wanted:
                return i
        for i, h in enumerate(self.header):
            if h.casefold() == wanted.casefold():
                return i
        found = ", ".join(h or "(空 empty)" for h in self.header) or "(无 none)"
        raise BadInput(f"找不到列“{wanted}”，文件中的列：{found} / no column "
                       f"\"{wanted}\"; the columns found are: {found}")


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Read ``path`` (``.csv``/``.tsv``/``.txt`` or ``.xlsx``/``.xlsm``) into a :class:`Table`.

    ``sheet`` names the workbook sheet to read (default the first); it is refused for a CSV.
    """
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES:
        hint = ("旧版 Excel 文件（.xls）请另存为 .xlsx 或 CSV / save an old Excel file (.xls) "
                "as .xlsx or CSV first; " if suffix == ".xls" else "")
        raise BadInput(f"{hint}只能读取 CSV 或 Excel（.xlsx）文件：{path.name} / only CSV or "
                       f"Excel (.xlsx) files can be read: {path.name}")
    if not path.exists():
        raise NotFound(f"文件不存在：{path} / no such file: {path}")
    if not path.is_file():
        raise BadInput(f"不是文件：{path} / not a file: {path}")
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(path, sheet)
    if sheet is not None:
        raise BadInput("--sheet 只用于 Excel 文件 / --sheet applies to Excel files only")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"无法读取 {path} / cannot read {path}: {exc.strerror}") from None
    text, encoding = decode_csv_bytes(data)
    return _table(parse_csv_text(text), encoding=encoding)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode a CSV file's bytes; return the text and the encoding found.

    A byte-order mark decides (UTF-8, UTF-16); otherwise UTF-8 if the bytes are valid UTF-8,
    else GB18030 (a superset of GBK and GB2312, what Chinese Excel writes).
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8):], "utf-8", "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", "utf-16")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode(data, "gb18030", "gb18030")


def _decode(data: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UnreadableFile(
            f"第 {line} 行的字符无法识别：文件应为 UTF-8 或 GBK/GB18030 编码 / line {line} "
            f"cannot be decoded: the file should be UTF-8 or GBK/GB18030") from None


def parse_csv_text(text: str) -> list[list[str]]:
    """Split CSV ``text`` into rows of cells; the delimiter (comma, tab or semicolon) is the
    one the first line uses most (a comma when it uses none)."""
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=lambda d: (first.count(d), d == ","))
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 第 {reader.line_num} 行格式有误 / CSV line "
                             f"{reader.line_num} is malformed: {exc}") from None


def _read_workbook(path: Path, sheet: str | None) -> Table:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"无法读取 Excel 文件 {path.name}（文件损坏或不是 .xlsx）/ cannot "
                             f"read the workbook {path.name} (damaged or not .xlsx): "
                             f"{exc}") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            names = ", ".join(book.sheetnames)
            raise BadInput(f"没有工作表“{sheet}”，文件中的工作表：{names} / no sheet "
                           f"\"{sheet}\"; the sheets are: {names}")
        rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        title = ws.title
    finally:
        book.close()
    return _table(rows, sheet=title)


def cell_text(value: Any) -> str:
    """A workbook cell as text: empty for none, ``7`` for the float 7.0, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _table(rows: list[list[str]], *, encoding: str | None = None,
           sheet: str | None = None) -> Table:
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise UnreadableFile("文件是空的（没有表头）/ the file is empty (no header row)")
    header = [h.replace("\ufeff", "").strip() for h in rows[0]]
    width = max(len(r) for r in rows)
    header += [f"column_{i + 1}" for i in range(len(header), width)]
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    return Table(header=header, rows=body, encoding=encoding, sheet=sheet)


def check_output(out: Path, *, source: Path | None = None) -> None:
    """Refuse an output path before any work: a missing folder, a folder, the input itself."""
    if not out.parent.is_dir():
        raise CannotCreate(f"输出目录不存在：{out.parent} / the output folder does not exist: "
                           f"{out.parent}")
    if out.is_dir():
        raise CannotCreate(f"输出路径是目录：{out} / the output path is a folder: {out}")
    if source is not None and out.resolve() == source.resolve():
        raise BadInput("输出文件不能覆盖输入文件 / the output must not overwrite the input")


_FORMULA_START = ("=", "+", "@", "\t", "\r")
_FIRST_CHARS = frozenset("=+@\t\r-")


def safe_cell(value: str) -> str:
    """A cell that a spreadsheet will not run as a formula (CSV injection): text starting with
    = + @ or a tab, or a - not followed by a digit, gets a leading apostrophe (OWASP's advice)."""
    if not value or value[0] not in _FIRST_CHARS:  # the common case, one test (exports)
        return value
    if value.startswith(_FORMULA_START) or (value.startswith("-") and not value[1:2].isdigit()):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow([safe_cell(c) if isinstance(c, str) else c for c in row])


@contextmanager
def write_csv(out: Path, header: Sequence[str]) -> Iterator[Any]:
    """Yield a ``csv.writer`` (the header written) on a temporary file beside ``out``, in UTF-8
    with a byte-order mark; rename it to ``out`` on success, remove it on any error."""
    check_output(out)
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    except OSError as exc:
        raise CannotCreate(f"无法写入 {out} / cannot write {out}: {exc.strerror}") from None
    f: TextIO = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
    try:
        writer = _SafeWriter(csv.writer(f))
        writer.writerow(header)
        yield writer
        f.close()
        try:
            os.replace(tmp, out)
        except OSError as exc:
            raise CannotCreate(f"无法写入 {out} / cannot write {out}: {exc.strerror}") from None
    except BaseException:
        f.close()
        Path(tmp).unlink(missing_ok=True)
        raise
