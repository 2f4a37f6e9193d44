"""Open-data files: the register's names and addresses as GeoJSON, CSV, GeoPackage and XLSX.

:func:`export` reads each kind of record once, in chunks from one snapshot of the database
(:func:`placenames.spatial.snapshot_reads`; ``yield_per``, a server-side cursor on
PostgreSQL), and hands every chunk to one writer per format, so the files of one export hold
the same records and the table is never in memory. Records come from the selects and mappers of
:mod:`placenames.ops.exchange.records`, the representation the API and the feed use.

What each format holds:

* **CSV** (``names.csv``, ``addresses.csv``): UTF-8 with a byte-order mark (Excel opens it in
  Chinese), the national place-name database's column headers
  (:data:`~placenames.ops.exchange.records.NAME_FIELDS` / ``ADDRESS_FIELDS``), cells that a
  spreadsheet would run as a formula neutralised (:func:`placenames.tables.safe_cell`).
* **XLSX**: the same columns in an openpyxl write-only workbook; text that would start a
  formula is stored as text with Excel's quote prefix (shown as typed, never run); a sheet
  holds at most :data:`XLSX_MAX_ROWS` records, more go on to a second sheet.
* **GeoJSON**: one FeatureCollection, written feature by feature; a feature's ``id`` and
  ``properties`` are the record's keys (as in the API), its geometry CGCS2000 lon/lat; the
  collection's ``fields`` member maps each national column header to its key.
* **GeoPackage**: layers ``names`` (mixed points, lines and polygons: geometry type
  ``GEOMETRY``) and ``addresses`` (points), EPSG:4490, attribute columns named by the record
  keys, written with pyogrio (GDAL) in appended chunks; ``gpkg_data_columns`` gives each
  column its national header as title, so QGIS shows the Chinese names.

Beside the files :func:`export` writes ``manifest.json``: per file its name, format, kind,
record count, bytes, SHA-256, time, licence and whether historical records are in it.
:func:`export_to` writes into a folder, :func:`publish` into the published folder, swapping a
symbolic link so readers of the folder never see a half-written file. No personal data is
read: the selects read names and addresses only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import operator
import os
import queue
import re
import shutil
import sqlite3
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Connection, Engine, Select, Table, func, select

from ... import spatial, tables
from ...errors import BadInput, PlacenamesError
from ...models import Address, Place
from . import records
from .records import Field

CRS = "EPSG:4490"
XLSX_MAX_ROWS = 1_048_575
"""Data rows on one sheet (Excel's limit is 1,048,576 rows, the header included)."""
XLSX_MAX_CELL = 32_767
"""Characters Excel holds in a cell; longer text (a long road's WKT) is cut with a marker."""
XLSX_CUT = "…（截断，完整几何见 GeoJSON/GeoPackage / truncated, see GeoJSON/GeoPackage）"
READ_CHUNK = 5000
"""Rows fetched from the database at a time."""
GPKG_CHUNK = 50_000
"""Records handed to GDAL in one append."""
MANIFEST = "manifest.json"
KEEP_RELEASES = 2
"""Published releases kept: the current one and the one before (for downloads under way)."""

Progress = Callable[[str, int, int], None]
"""``(kind, records done, records in all)``, called after each chunk."""


class ExportFailed(PlacenamesError):
    """The files could not be written (disk full, no permission, GDAL refused)."""

    exit_code = 73  # EX_CANTCREAT


# --- what is exported --------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """A file format: its name on the command line, file extension and media type."""

    name: str
    ext: str
    media_type: str
    label: str


FORMATS: dict[str, Format] = {
    "geojson": Format("geojson", "geojson", "application/geo+json", "GeoJSON"),
    "csv": Format("csv", "csv", "text/csv; charset=utf-8", "CSV"),
    "gpkg": Format("gpkg", "gpkg", "application/geopackage+sqlite3", "GeoPackage"),
    "xlsx": Format("xlsx", "xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   "Excel (XLSX)"),
}


@dataclass(frozen=True)
class Kind:
    """A kind of record in the files: its select, mapper, national columns and the types of
    its record keys (for the GeoPackage's columns; other keys are text)."""

    name: str
    title: str
    table: Table
    select: Callable[[bool], Select[Any]]
    record: Callable[[Any], dict[str, Any]]
    fields: tuple[Field, ...]
    geometry_type: str
    types: dict[str, str] = field(default_factory=dict)
    id_columns: tuple[str, ...] = ("id",)

    def keys(self) -> list[str]:
        """The record's keys but the geometry (the mapper run on a row of nulls)."""
        empty = {c.key: None for c in self.select(True).selected_columns}
        return [k for k in self.record(empty) if k != "geometry"]


KINDS: dict[str, Kind] = {
    "names": Kind("names", "标准地名 / standard place names", Place.__table__,
                  lambda h: records.names_select(historical=h, standard_only=True),
                  records.name_record,
                  records.NAME_FIELDS, "Unknown",
                  {"length_m": "float", "width_m": "float", "version": "int"},
                  ("id", "renamed_to_id")),
    "addresses": Kind("addresses", "标准地址 / standard addresses", Address.__table__,
                      lambda h: records.addresses_select(historical=h),
                      records.address_record, records.ADDRESS_FIELDS, "Point",
                      {"number": "int", "version": "int"}, ("id", "road_id")),
}


ALL = "all"
"""The kind of a file holding every kind (the GeoPackage, one layer per kind)."""
PACKAGE_STEM = "placenames"


def file_name(kind: str, fmt: str) -> str:
    """``names.csv``, ``addresses.geojson`` …; the GeoPackage is one file,
    ``placenames.gpkg``, with a layer per kind."""
    if fmt == "gpkg":
        return f"{PACKAGE_STEM}.gpkg"
    return f"{kind}.{FORMATS[fmt].ext}"


def file_kind(kind: str, fmt: str) -> str:
    """The manifest's kind of the file that ``kind`` goes into in format ``fmt``."""
    return ALL if fmt == "gpkg" else kind


def check_formats(formats: Sequence[str]) -> list[str]:
    """The formats asked for, each once, in the order given (all four when none is given);
    :class:`BadInput` for an unknown one."""
    wanted = list(dict.fromkeys(f.strip().lower() for f in formats)) or list(FORMATS)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise BadInput(f"未知格式：{', '.join(unknown)}；可选 {', '.join(FORMATS)} / unknown "
                       f"format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return wanted


# --- the licence and the manifest --------------------------------------------------------------

@dataclass(frozen=True)
class Licence:
    """The open-data licence: its name and, usually, the URL of its text."""

    name: str
    url: str | None = None

    def as_json(self) -> dict[str, Any]:
        """``{"name", "url"}``."""
        return {"name": self.name, "url": self.url}


def parse_licence(text: str) -> Licence:
    """A licence from the ``OPEN_DATA_LICENCE`` setting: its name, then optionally its URL
    after a space (``CC BY 4.0 https://creativecommons.org/licenses/by/4.0/``)."""
    text = " ".join((text or "").split())
    if not text:
        raise BadInput("OPEN_DATA_LICENCE 不能为空 / OPEN_DATA_LICENCE must not be empty")
    name, _, last = text.rpartition(" ")
    if name and re.match(r"https?://\S+$", last):
        return Licence(name, last)
    return Licence(text)


@dataclass(frozen=True)
class FileEntry:
    """One published file as the manifest lists it."""

    name: str
    format: str
    kind: str
    records: int
    bytes: int
    sha256: str
    generated_at: str
    licence: Licence
    historical: bool
    layers: dict[str, int] | None = None

    def as_json(self) -> dict[str, Any]:
        """The manifest's entry for this file (a GeoPackage's with its layers' counts)."""
        out = {"name": self.name, "format": self.format, "kind": self.kind,
               "records": self.records, "bytes": self.bytes, "sha256": self.sha256,
               "generated_at": self.generated_at, "licence": self.licence.as_json(),
               "historical": self.historical}
        if self.layers is not None:
            out["layers"] = dict(self.layers)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileEntry:
        """The entry back from the manifest (:class:`ValueError` if it is malformed)."""
        try:
            lic = data["licence"]
            entry = cls(str(data["name"]), str(data["format"]), str(data["kind"]),
                        int(data["records"]), int(data["bytes"]), str(data["sha256"]),
                        str(data["generated_at"]), Licence(str(lic["name"]), lic.get("url")),
                        bool(data["historical"]),
                        {str(k): int(v) for k, v in data["layers"].items()}
                        if data.get("layers") is not None else None)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"malformed manifest entry: {exc}") from None
        if entry.format not in FORMATS or entry.name not in {
                file_name(k, entry.format) for k in KINDS} or \
                entry.kind != file_kind(entry.name.partition(".")[0], entry.format):
            raise ValueError(f"unexpected file in the manifest: {entry.name!r}")
        return entry

    @property
    def media_type(self) -> str:
        """The file's Content-Type."""
        return FORMATS[self.format].media_type


@dataclass(frozen=True)
class Manifest:
    """What an export wrote: when, under which licence, with or without history, the files."""

    generated_at: str
    licence: Licence
    historical: bool
    files: tuple[FileEntry, ...]
    crs: str = CRS

    def as_json(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json``."""
        return {"generated_at": self.generated_at, "licence": self.licence.as_json(),
                "historical": self.historical, "crs": self.crs,
                "files": [f.as_json() for f in self.files]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """The manifest back from its JSON (:class:`ValueError` if it is malformed)."""
        try:
            lic = data["licence"]
            return cls(str(data["generated_at"]), Licence(str(lic["name"]), lic.get("url")),
                       bool(data["historical"]),
                       tuple(FileEntry.from_json(f) for f in data["files"]),
                       str(data.get("crs") or CRS))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed manifest: {exc}") from None

    def file(self, name: str) -> FileEntry | None:
        """The entry of the file called ``name``, if the manifest lists it."""
        return next((f for f in self.files if f.name == name), None)


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of ``folder``; ``None`` when there is none (nothing published yet) or it
    cannot be read as one."""
    try:
        return Manifest.from_json(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# --- writers -----------------------------------------------------------------------------------

class Writer(Protocol):
    """Writes one file: chunks of records in, a closed file out (or nothing, on abort)."""

    def write(self, chunk: list[dict[str, Any]]) -> None:
        """Add these records."""

    def close(self) -> None:
        """Finish the file."""

    def abort(self) -> None:
        """Give up: release what is open (the folder is removed by the caller)."""


class _CsvWriter:
    """UTF-8 with BOM, national headers, formula-safe cells (:func:`tables.write_csv`)."""

    def __init__(self, path: Path, kind: Kind, _meta: dict[str, Any]) -> None:
        self.fields = kind.fields
        self._cm = tables.write_csv(path, [f.header for f in kind.fields])
        self._writer = self._cm.__enter__()

    def write(self, chunk: list[dict[str, Any]]) -> None:
        for record in chunk:
            self._writer.writerow(records.people_values(record, self.fields))

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

    def abort(self) -> None:
        with contextlib.suppress(ExportAborted):
            self._cm.__exit__(ExportAborted, ExportAborted(), None)  # removes the temp file


class ExportAborted(Exception):
    """Thrown into a writer's context to make it clean up."""


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _XlsxWriter:
    """An openpyxl write-only workbook with the national headers; more than
    :data:`XLSX_MAX_ROWS` records continue on a new sheet."""

    def __init__(self, path: Path, kind: Kind, meta: dict[str, Any]) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        self.path, self.kind = path, kind
        self.book = Workbook(write_only=True)
        self.book.properties.title = kind.title
        self.book.properties.description = _describe(meta)
        self._bold = Font(bold=True)
        self.sheets = 0
        self.rows = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        from openpyxl.cell import WriteOnlyCell

        self.sheets += 1
        title = self.kind.name if self.sheets == 1 else f"{self.kind.name} ({self.sheets})"
        self.sheet = self.book.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        header = []
        for f in self.kind.fields:
            cell = WriteOnlyCell(self.sheet, value=f.header)
            cell.font = self._bold
            header.append(cell)
        self.sheet.append(header)
        self.rows = 0

    def _cell(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = _ILLEGAL_XML.sub("", value)
        if len(value) > XLSX_MAX_CELL:
            value = value[:XLSX_MAX_CELL - len(XLSX_CUT)] + XLSX_CUT
        if tables.safe_cell(value) == value:
            return value
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"  # text, never a formula, shown as typed
        cell.quotePrefix = True
        return cell

    def write(self, chunk: list[dict[str, Any]]) -> None:
        for record in chunk:
            if self.rows >= XLSX_MAX_ROWS:
                self._new_sheet()
            values = records.people_values(record, self.kind.fields)
            self.sheet.append([self._cell(v) for v in values])
            self.rows += 1

    def close(self) -> None:
        self.book.save(self.path)

    def abort(self) -> None:
        self.book.close()


def _describe(meta: dict[str, Any]) -> str:
    licence = meta["licence"]
    return " · ".join(x for x in (f"CGCS2000 ({CRS})", licence["name"], licence["url"],
                                  meta["generated_at"]) if x)


_GEOMETRY_KEYS = ("lon", "lat", "wkt")
"""Keys of the people's columns that the geometry itself carries in GeoJSON/GeoPackage."""
GEOJSON_COORDINATES = ("CGCS2000 (EPSG:4490) longitude, latitude: equal to WGS 84 within "
                       "the data's accuracy")


class _GeoJsonWriter:
    """A FeatureCollection written feature by feature (RFC 7946; CGCS2000 lon/lat)."""

    def __init__(self, path: Path, kind: Kind, meta: dict[str, Any]) -> None:
        self.f: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        head = {"type": "FeatureCollection", "name": kind.name, "title": kind.title,
                "generated_at": meta["generated_at"], "licence": meta["licence"],
                "historical": meta["historical"], "coordinates": GEOJSON_COORDINATES,
                "fields": [{"header": f.header, "key": f.key, "en": f.en}
                           for f in kind.fields if f.key not in _GEOMETRY_KEYS]}
        text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        self.f.write(text[:-1] + ',"features":[')
        self.first = True
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def write(self, chunk: list[dict[str, Any]]) -> None:
        parts = []
        for record in chunk:
            props = dict(record)
            geometry = props.pop("geometry", None)
            parts.append(self._dumps({"type": "Feature", "id": record["id"],
                                      "geometry": geometry, "properties": props}))
        if parts:
            self.f.write(("\n" if self.first else ",\n") + ",\n".join(parts))
            self.first = False

    def close(self) -> None:
        self.f.write("\n]}\n")
        self.f.close()

    def abort(self) -> None:
        self.f.close()


class _GpkgWriter:
    """A GeoPackage layer written with pyogrio in appended chunks of :data:`GPKG_CHUNK`."""

    def __init__(self, path: Path, kind: Kind, meta: dict[str, Any]) -> None:
        self.path, self.kind, self.meta = path, kind, meta
        self.keys = kind.keys()
        self._values = operator.itemgetter(*self.keys)
        self.buffer: list[dict[str, Any]] = []
        self.created = False

    def write(self, chunk: list[dict[str, Any]]) -> None:
        self.buffer.extend(chunk)
        if len(self.buffer) >= GPKG_CHUNK:
            self._flush()

    def _flush(self) -> None:
        from pyogrio.raw import write as ogr_write

        rows, self.buffer = self.buffer, []
        # one tuple per record, transposed to one tuple per key (both loops in C)
        by_key = list(zip(*map(self._values, rows), strict=True)) if rows else [
            () for _k in self.keys]
        columns, masks = [], []
        for key, values in zip(self.keys, by_key, strict=True):
            col, mask = _column(values, self.kind.types.get(key, "str"))
            columns.append(col)
            masks.append(mask)
        options: dict[str, Any] = {}
        if not self.created:  # the layer (the file exists when another layer is in it)
            options["layer_options"] = {"IDENTIFIER": self.kind.name,
                                        "DESCRIPTION": f"{self.kind.title} · "
                                                       f"{_describe(self.meta)}"}
            if not self.path.exists():  # GDAL 3.6 reads GeoPackage 1.4 with a warning
                options["dataset_options"] = {"VERSION": "1.3"}
        ogr_write(str(self.path), _wkb([r.get("geometry") for r in rows]), columns, self.keys,
                  field_mask=masks, layer=self.kind.name, driver="GPKG",
                  geometry_type=self.kind.geometry_type, crs=CRS, promote_to_multi=False,
                  append=self.created, **options)
        self.created = True

    def close(self) -> None:
        if self.buffer or not self.created:
            self._flush()
        describe_columns(self.path, self.kind.name, self.kind.fields)

    def abort(self) -> None:
        self.buffer = []


def _column(values: Sequence[Any], kind: str) -> tuple[Any, Any]:
    """A numpy column for GDAL and its null mask (``None`` when nothing is null)."""
    import numpy as np

    if kind == "str":
        return np.array(values, dtype=object), None  # GDAL writes None as null
    if None not in values:
        return np.array(values, dtype=np.int64 if kind == "int" else np.float64), None
    mask = np.array([v is None for v in values], dtype=bool)
    fill = 0 if kind == "int" else np.nan
    return np.array([fill if v is None else v for v in values],
                    dtype=np.int64 if kind == "int" else np.float64), mask


_POINT_WKB = struct.Struct("<BIdd")  # little-endian, type 1 (Point), x, y


def _wkb(geometries: list[dict[str, Any] | None]) -> Any:
    """WKB of GeoJSON geometries: points packed directly (a million addresses), other
    geometries through shapely."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    out = np.empty(len(geometries), dtype=object)
    for i, g in enumerate(geometries):
        if g is None:
            continue
        if g.get("type") == "Point":
            x, y = g["coordinates"][:2]
            out[i] = _POINT_WKB.pack(1, 1, x, y)
        else:
            out[i] = shapely.to_wkb(shape(g))
    return out


def describe_columns(path: Path, table: str, fields: Sequence[Field]) -> None:
    """Give the GeoPackage's columns their national headers (``gpkg_data_columns``: title =
    header, description = English label), so GIS tools show 标准名称 beside ``name``."""
    rows = [(table, f.key, f.header, f.header, f.en) for f in fields
            if f.key not in _GEOMETRY_KEYS]
    db = sqlite3.connect(path)
    try:
        with db:
            db.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_columns (
                table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
                description TEXT, mime_type TEXT, constraint_name TEXT,
                CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
                CONSTRAINT gdc_tn UNIQUE (table_name, name))""")
            db.execute("""INSERT OR IGNORE INTO gpkg_extensions
                (table_name, column_name, extension_name, definition, scope)
                VALUES ('gpkg_data_columns', NULL, 'gpkg_schema',
                        'http://www.geopackage.org/spec/#extension_schema', 'read-write')""")
            columns = {r[1] for r in db.execute(f'PRAGMA table_info("{table}")')}
            db.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, "
                           "name, title, description) VALUES (?, ?, ?, ?, ?)",
                           [r for r in rows if r[1] in columns])
    finally:
        db.close()


WRITERS: dict[str, Callable[[Path, Kind, dict[str, Any]], Writer]] = {
    "csv": _CsvWriter, "xlsx": _XlsxWriter, "geojson": _GeoJsonWriter, "gpkg": _GpkgWriter}


# --- the export --------------------------------------------------------------------------------

def count(conn: Connection, kind: str, *, historical: bool = False) -> int:
    """How many records of ``kind`` an export would write."""
    stmt = KINDS[kind].select(historical).order_by(None)
    return int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def stream(conn: Connection, kind: str, *, historical: bool = False,
           chunk: int = READ_CHUNK) -> Iterator[list[dict[str, Any]]]:
    """The records of ``kind`` in chunks of ``chunk``, fetched as they are written (a
    server-side cursor on PostgreSQL).

    A thread of its own reads and maps the next chunks (at most :data:`PREFETCH` ahead) while
    the caller writes this one: the database's part of the work (the join, the GeoJSON, the
    network) and the driver's, which run without Python's lock, overlap the writing.
    """
    spec = KINDS[kind]
    stmt = spec.select(historical)
    # ids as text straight from the row: the mapper prints them anyway (a million times)
    stmt = stmt.with_only_columns(*[
        spatial.uuid_text(c) if c.key in spec.id_columns else c for c in stmt.selected_columns])
    stmt = stmt.order_by(None).order_by(spatial.scan_order(conn, spec.table))

    def produce() -> Iterator[list[dict[str, Any]]]:
        result = conn.execute(stmt.execution_options(yield_per=chunk))
        try:
            for rows in result.mappings().partitions():
                yield [spec.record(row) for row in rows]
        finally:
            result.close()  # the server-side cursor, also when the reader stops early

    return _ahead(produce())


PREFETCH = 2
"""Chunks read ahead of the writers (each a few MB)."""
_DONE = object()


def _ahead(source: Iterator[Any], depth: int = PREFETCH) -> Iterator[Any]:
    """``source``'s items, produced by a thread up to ``depth`` items ahead. An error in the
    thread is raised here; closing this generator stops the thread and closes ``source``
    (in the thread, which alone touched it)."""
    out: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        out.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            item = _DONE
        except BaseException as exc:  # noqa: BLE001 - handed to the reader
            item = exc
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=run, name="export-read", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def export(conn: Connection, folder: Path, formats: Sequence[str], *, now: datetime,
           licence: Licence, historical: bool = False, on_progress: Progress | None = None,
           chunk: int = READ_CHUNK) -> Manifest:
    """Write ``names.<ext>`` and ``addresses.<ext>`` of each format, and ``manifest.json``,
    into the empty folder ``folder``, reading through ``conn`` (open it on
    :func:`placenames.spatial.snapshot_reads` so that every file shows one moment)."""
    formats = check_formats(formats)
    stamp = now.isoformat().replace("+00:00", "Z")
    meta = {"generated_at": stamp, "licence": licence.as_json(), "historical": historical}
    counts: dict[str, int] = {}
    for kind in KINDS:
        total = count(conn, kind, historical=historical)
        counts[kind] = _write_kind(conn, folder, kind, formats, meta, total=total,
                                   historical=historical, chunk=chunk, on_progress=on_progress)
        if on_progress:
            on_progress(kind, counts[kind], counts[kind])
    entries: list[FileEntry] = []
    for fmt in formats:
        for kind in KINDS:
            name, what = file_name(kind, fmt), file_kind(kind, fmt)
            if any(e.name == name for e in entries):
                continue
            layers = {k: counts[k] for k in KINDS} if what == ALL else None
            path = folder / name
            path.chmod(0o644)  # published as is (a web server reads it)
            entries.append(FileEntry(name, fmt, what, sum(layers.values()) if layers else
                                     counts[kind], path.stat().st_size, sha256_of(path), stamp,
                                     licence, historical, layers))
    manifest = Manifest(stamp, licence, historical, tuple(entries))
    (folder / MANIFEST).write_text(json.dumps(manifest.as_json(), ensure_ascii=False,
                                              indent=1) + "\n", encoding="utf-8")
    (folder / MANIFEST).chmod(0o644)
    return manifest


def _write_kind(conn: Connection, folder: Path, kind: str, formats: Sequence[str],
                meta: dict[str, Any], *, total: int, historical: bool, chunk: int,
                on_progress: Progress | None) -> int:
    """Stream the records of ``kind`` into one writer per format; the number written."""
    writers: list[Writer] = []
    parts = stream(conn, kind, historical=historical, chunk=chunk)  # runs at the first read
    try:
        for fmt in formats:
            writers.append(WRITERS[fmt](folder / file_name(kind, fmt), KINDS[kind], meta))
        done = 0
        for part in parts:
            for w in writers:
                w.write(part)
            done += len(part)
            if on_progress:
                on_progress(kind, done, max(total, done))
        while writers:
            writers[0].close()
            writers.pop(0)
    except BaseException:
        for w in writers:
            with contextlib.suppress(Exception):
                w.abort()
        raise
    finally:
        parts.close()  # the cursor, when a writer failed half-way
    return done


def _export_snapshot(engine: Engine, folder: Path, formats: Sequence[str],
                     **kwargs: Any) -> Manifest:
    with spatial.snapshot_reads(engine).connect() as conn, conn.begin():
        try:
            return export(conn, folder, formats, **kwargs)
        except OSError as exc:
            raise ExportFailed(f"写入导出文件失败 / writing the export failed: {exc}") from None


def export_to(engine: Engine, out: Path, formats: Sequence[str], **kwargs: Any) -> Manifest:
    """:func:`export` into the folder ``out`` (made if missing): the files are built in a
    temporary folder beside it and moved in only when all are written, so a failed export
    leaves ``out`` as it was."""
    formats = check_formats(formats)
    if out.exists() and not out.is_dir():
        raise tables.CannotCreate(f"输出路径不是目录：{out} / the output path is not a folder: "
                                  f"{out}")
    try:
        out.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.export-"))
    except OSError as exc:
        raise tables.CannotCreate(f"无法创建 {out} / cannot create {out}: {exc}") from None
    try:
        manifest = _export_snapshot(engine, build, formats, **kwargs)
        for entry in manifest.files:
            os.replace(build / entry.name, out / entry.name)
        os.replace(build / MANIFEST, out / MANIFEST)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return manifest


def publish(engine: Engine, published: Path, formats: Sequence[str],
            **kwargs: Any) -> Manifest:
    """:func:`export` into the published folder, atomically.

    ``published`` is a symbolic link to the current release, a folder in
    ``.<name>.releases`` beside it. A new release is built there, then the link is replaced in
    one rename, so a reader sees the old files or the new ones, never a mix or half a file.
    Older releases but the previous one are removed. A real folder found at ``published``
    (made by hand) is moved into the releases first. Concurrent publishes queue on a lock.
    """
    formats = check_formats(formats)
    releases = published.parent / f".{published.name}.releases"
    try:
        releases.mkdir(parents=True, exist_ok=True)
        lock = (releases / ".lock").open("w")
    except OSError as exc:
        raise tables.CannotCreate(f"无法创建 {releases} / cannot create {releases}: "
                                  f"{exc}") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        build = Path(tempfile.mkdtemp(dir=releases, prefix="building-"))
        try:
            build.chmod(0o755)  # a web server serving the folder must enter it
            manifest = _export_snapshot(engine, build, formats, **kwargs)
            stamp = manifest.generated_at.replace(":", "").replace("-", "")[:15]
            release = releases / f"{stamp}-{build.name.rpartition('-')[2]}"
            build.rename(release)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
        _swap(published, release, releases)
        _prune(releases, keep={release.name, *_previous(releases, release)})
    return manifest


def _swap(published: Path, release: Path, releases: Path) -> None:
    """Point the link ``published`` at ``release`` in one rename."""
    if published.exists() and not published.is_symlink():
        published.rename(releases / f"{datetime.now().strftime('%Y%m%dT%H%M%S')}-manual")
    link = published.parent / f".{published.name}.link-{release.name}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(release, published.parent), target_is_directory=True)
    os.replace(link, published)


def _previous(releases: Path, current: Path) -> list[str]:
    done = sorted(p.name for p in releases.iterdir()
                  if p.is_dir() and not p.name.startswith("building-") and p != current)
    return done[-(KEEP_RELEASES - 1):] if KEEP_RELEASES > 1 else []


def _prune(releases: Path, keep: set[str]) -> None:
    """Remove every release but ``keep`` (under the lock: a ``building-`` folder left is from
    a publish that died)."""
    for p in releases.iterdir():
        if p.is_dir() and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
