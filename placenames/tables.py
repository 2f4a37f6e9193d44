"""Spreadsheets in and out: read a CSV or an Excel workbook as rows of text; write a CSV that
Excel opens in Chinese.

Offices send lists of addresses as Excel exports. Chinese Excel saves CSV as GB18030/GBK
("ANSI" on a Chinese Windows) or as UTF-8 with a byte-order mark, and "Unicode text" as
UTF-16 with tabs; :func:`read_table` reads all of these and ``.xlsx``/``.xlsm`` workbooks (with
openpyxl in read-only mode); :func:`open_table` reads the same files as a stream of rows, for
files too large to hold in memory (a million addresses). When the bytes are neither valid
UTF-8 nor plausible GB18030 (a Big5 or Shift-JIS file decodes as GB18030 into rare and
private-use characters), the encoding is not guessed: the error names the encodings tried and
says how to save the file as UTF-8. :func:`write_csv` writes UTF-8 with a byte-order mark
(without one Excel reads UTF-8 as the local code page and shows mojibake) through a temporary
file that is renamed into place only when complete.

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
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
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
        """The index of the column called ``name`` (:func:`column_index`)."""
        return column_index(self.header, name)


def column_index(header: Sequence[str], name: str) -> int:
    """The index of the column called ``name`` in ``header`` (spaces around names ignored;
    Latin letters in any case); :class:`BadInput` listing the columns when there is none."""
    wanted = name.strip()
    for i, h in enumerate(header):
        if h == wanted:
            return i
    for i, h in enumerate(header):
        if h.casefold() == wanted.casefold():
            return i
    found = ", ".join(h or "(空 empty)" for h in header) or "(无 none)"
    raise BadInput(f"找不到列“{wanted}”，文件中的列：{found} / no column "
                   f"\"{wanted}\"; the columns found are: {found}")


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Read ``path`` (``.csv``/``.tsv``/``.txt`` or ``.xlsx``/``.xlsm``) into a :class:`Table`.

    ``sheet`` names the workbook sheet to read (default the first); it is refused for a CSV.
    """
    if _check_path(path, sheet) in EXCEL_SUFFIXES:
        return _read_workbook(path, sheet)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"无法读取 {path} / cannot read {path}: {exc.strerror}") from None
    text, encoding = decode_csv_bytes(data)
    return _table(parse_csv_text(text), encoding=encoding)


def _check_path(path: Path, sheet: str | None) -> str:
    """The file's suffix, once it is known to be a readable table; else the error."""
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
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise BadInput("--sheet 只用于 Excel 文件 / --sheet applies to Excel files only")
    return suffix


@dataclass
class TableStream:
    """A sheet read row by row (:func:`open_table`).

    ``rows`` yields (row number, cells): the row number is the one a spreadsheet shows (the
    header is row 1), the cells are at least as many as the header's. Blank rows are skipped
    (their numbers too). ``total`` is the number of data rows, or an estimate (the lines of a
    CSV), for a progress bar.
    """

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None = None
    sheet: str | None = None
    total: int | None = None


@contextmanager
def open_table(path: Path, *, sheet: str | None = None) -> Iterator[TableStream]:
    """Open ``path`` as :func:`read_table` does, but yield a :class:`TableStream` that reads the
    rows as they are consumed (an :class:`UnreadableFile` may come from the iteration)."""
    if _check_path(path, sheet) in EXCEL_SUFFIXES:
        with _open_workbook(path, sheet) as stream:
            yield stream
        return

    def chunks() -> Iterator[bytes]:
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    yield chunk
        except OSError as exc:
            raise UnreadableFile(f"无法读取 {path} / cannot read {path}: {exc.strerror}") from None

    encoding = detect_encoding(chunks)
    lines = sum(chunk.count(b"\n") for chunk in chunks())
    with path.open(encoding=_CODECS.get(encoding, encoding), newline="") as f:
        delimiter = _delimiter(f.readline())
        f.seek(0)
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        reader = csv.reader(f, delimiter=delimiter)
        header = _header(_next_csv(reader))
        yield TableStream(header, _csv_rows(reader, len(header)), encoding=encoding,
                          total=max(lines - 1, 0))


def _next_csv(reader: Any) -> list[str]:
    try:
        return list(next(reader))
    except StopIteration:
        raise UnreadableFile("文件是空的（没有表头）/ the file is empty (no header row)") from None
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 第 {reader.line_num} 行格式有误 / CSV line "
                             f"{reader.line_num} is malformed: {exc}") from None


def _header(cells: Sequence[Any]) -> list[str]:
    header = [cell_text(h).replace("\ufeff", "").strip() for h in cells]
    if not any(header):
        raise UnreadableFile("文件是空的（没有表头）/ the file is empty (no header row)")
    return header


def _csv_rows(reader: Any, width: int) -> Iterator[tuple[int, list[str]]]:
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableFile(f"CSV 第 {number + 1} 行格式有误 / CSV row {number + 1} is "
                                 f"malformed: {exc}") from None
        number += 1
        if any(c.strip() for c in cells):
            yield number, cells + [""] * (width - len(cells))


@contextmanager
def _open_workbook(path: Path, sheet: str | None) -> Iterator[TableStream]:
    book, ws = _worksheet(path, sheet)
    try:
        rows = ws.iter_rows(values_only=True)
        header = _header(next(rows, ()))

        def data() -> Iterator[tuple[int, list[str]]]:
            for number, row in enumerate(rows, 2):
                cells = [cell_text(v) for v in row]
                if any(c.strip() for c in cells):
                    yield number, cells + [""] * (len(header) - len(cells))

        total = ws.max_row - 1 if isinstance(ws.max_row, int) else None
        yield TableStream(header, data(), sheet=ws.title, total=total)
    finally:
        book.close()


SAVE_AS_UTF8 = ("请把文件另存为 UTF-8：Excel 中“另存为 → CSV UTF-8（逗号分隔）”，记事本中“另存为 → "
                "编码 UTF-8” / save the file as UTF-8: in Excel, Save As → CSV UTF-8 (Comma "
                "delimited); in Notepad, Save As → Encoding UTF-8")
"""How to give us a file whose encoding is beyond doubt; said with every encoding error."""
_CHUNK = 1 << 20
_PLAUSIBILITY_SAMPLE = 2 << 20  # characters of a GB18030 decoding checked for rare ones
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode a CSV file's bytes; return the text and the encoding found.

    A byte-order mark decides (UTF-8, UTF-16); NUL bytes in every other place mean UTF-16
    without one; otherwise UTF-8 if the bytes are valid UTF-8, else GB18030 (a superset of GBK
    and GB2312, what Chinese Excel writes) when the text it gives is plausible Chinese.
    :class:`UnreadableFile` names the encodings tried when none fits.
    """
    label = detect_encoding(lambda: iter([data]))
    return data.decode(_CODECS.get(label, label)), label


_CODECS = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}


def detect_encoding(chunks: Callable[[], Iterator[bytes]]) -> str:
    """The encoding of the bytes that ``chunks()`` yields (called once per pass, each time a
    new iterator from the start): ``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``utf-16-be``,
    ``utf-8`` or ``gb18030``; :class:`UnreadableFile` when it cannot be decided."""
    first = next(chunks(), b"")
    if first.startswith(codecs.BOM_UTF8):
        _must_decode(chunks, "utf-8-sig", "UTF-8")
        return "utf-8-sig"
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _must_decode(chunks, "utf-16", "UTF-16")
        return "utf-16"
    head = first[:4096]
    if b"\x00" in head:
        return _utf16_without_mark(chunks, head)
    utf8_error = _first_error(chunks, "utf-8")
    if utf8_error is None:
        return "utf-8"
    gb_error = _first_error(chunks, "gb18030", check_text=True)
    if gb_error is None:
        return "gb18030"
    line, why = gb_error
    if why:
        raise UnreadableFile(
            f"无法确定文件的编码：UTF-8 在第 {utf8_error[0]} 行无效；按 GB18030/GBK 读出的文字"
            f"{why[0]}，不像中文（可能是 Big5、Shift-JIS 等编码）。{SAVE_AS_UTF8} / cannot tell "
            f"the file's encoding: it is not UTF-8 (invalid at line {utf8_error[0]}), and read "
            f"as GB18030/GBK it gives {why[1]}, not Chinese text (Big5, Shift-JIS…?)")
    raise UnreadableFile(
        f"第 {line} 行的字符无法识别：已尝试 UTF-8（第 {utf8_error[0]} 行无效）和 GB18030/GBK"
        f"（第 {line} 行无效）。{SAVE_AS_UTF8} / line {line} cannot be decoded: tried UTF-8 "
        f"(invalid at line {utf8_error[0]}) and GB18030/GBK (invalid at line {line}); the "
        "file should be UTF-8 or GBK/GB18030")


def _first_error(chunks: Callable[[], Iterator[bytes]], codec: str, *, check_text: bool = False
                 ) -> tuple[int, tuple[str, str] | None] | None:
    """None when every byte decodes with ``codec`` (and, with ``check_text``, the text looks
    like Chinese); else (line of the first bad byte, None) or (1, why the text is implausible)."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines, sample = 1, []
    sampled = 0
    for chunk in chunks():
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return lines + chunk[:exc.start].count(b"\n"), None
        lines += chunk.count(b"\n")
        if check_text and sampled < _PLAUSIBILITY_SAMPLE:
            sample.append(text)
            sampled += len(text)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return lines, None
    why = implausible_chinese("".join(sample)) if check_text else None
    return (1, why) if why else None


def implausible_chinese(text: str) -> tuple[str, str] | None:
    """Why ``text`` is not plausibly Chinese as GB18030 decodes it (zh, en), or None: private-use
    characters, or more than a tenth of its ideographs outside the 通用规范汉字表 and the known
    traditional/variant forms."""
    from .naming.charset import tiers, variants

    private = len(_PRIVATE.findall(text))
    if private:
        return (f"含 {private} 个私用区字符", f"{private} private-use characters")
    ideographs = _CJK.findall(text)
    known, other = tiers(), variants()
    rare = sum(1 for ch in ideographs if ch not in known and ch not in other)
    if ideographs and rare * 10 > len(ideographs):
        return (f"有 {rare}/{len(ideographs)} 个生僻字",
                f"{rare} of {len(ideographs)} ideographs outside the standard table")
    return None


def _must_decode(chunks: Callable[[], Iterator[bytes]], codec: str, label: str) -> None:
    bad = _first_error(chunks, codec)
    if bad is not None:
        raise UnreadableFile(
            f"文件标明为 {label}，但第 {bad[0]} 行不是 {label}。{SAVE_AS_UTF8} / the file "
            f"is marked {label} but line {bad[0]} is not {label}")


def _utf16_without_mark(chunks: Callable[[], Iterator[bytes]], head: bytes) -> str:
    """UTF-16 without a byte-order mark: ASCII text puts its NUL bytes all in odd places
    (little-endian) or all in even ones (big-endian); anything else is not text."""
    odd, even = head[1::2].count(0), head[0::2].count(0)
    codec = "utf-16-le" if odd and not even else "utf-16-be" if even and not odd else None
    if codec is None or _first_error(chunks, codec) is not None or \
            _CONTROL.search(head[: len(head) // 2 * 2].decode(codec, errors="replace")):
        raise UnreadableFile(
            f"文件含有 NUL 字节，不是文本（CSV）文件，也不是可识别的 UTF-16。{SAVE_AS_UTF8} / the "
            "file holds NUL bytes: it is not a text (CSV) file, nor recognisable UTF-16")
    return codec


def parse_csv_text(text: str) -> list[list[str]]:
    """Split CSV ``text`` into rows of cells; the delimiter (comma, tab or semicolon) is the
    one the first line uses most (a comma when it uses none)."""
    delimiter = _delimiter(text.split("\n", 1)[0])
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 第 {reader.line_num} 行格式有误 / CSV line "
                             f"{reader.line_num} is malformed: {exc}") from None


def _read_workbook(path: Path, sheet: str | None) -> Table:
    book, ws = _worksheet(path, sheet)
    try:
        rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        title = ws.title
    finally:
        book.close()
    return _table(rows, sheet=title)


def _worksheet(path: Path, sheet: str | None) -> tuple[Any, Any]:
    """The workbook (read-only; the caller closes it) and the sheet asked for (or the first)."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"无法读取 Excel 文件 {path.name}（文件损坏或不是 .xlsx）/ cannot "
                             f"read the workbook {path.name} (damaged or not .xlsx): "
                             f"{exc}") from None
    if sheet is None and book.worksheets:
        return book, book.worksheets[0]
    if sheet in book.sheetnames:
        return book, book[sheet]
    names = ", ".join(book.sheetnames)
    book.close()
    raise BadInput(f"没有工作表“{sheet}”，文件中的工作表：{names} / no sheet "
                   f"\"{sheet}\"; the sheets are: {names}")


def cell_text(value: Any) -> str:
    """A workbook cell as text: empty for none, ``7`` for the float 7.0, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _delimiter(first_line: str) -> str:
    """The delimiter the first line uses most: comma, tab or semicolon (a comma if none)."""
    return max(",\t;", key=lambda d: (first_line.count(d), d == ","))


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
