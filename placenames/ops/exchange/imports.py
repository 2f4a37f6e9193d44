"""Importing an office's existing register of names or addresses from a file, with a report.

:func:`import_file` reads the file (:mod:`.readers`) in chunks; each chunk is checked row by
row, matched against the register, screened (names) and — while no error has been found and
this is not a dry run — written in bulk. The whole import is one transaction: when any row has
an error the session is rolled back, so nothing of the file is stored (all or nothing); a dry
run always rolls back. The caller commits when :attr:`Report.imported` is true.

Re-importing updates instead of duplicating: names are keyed by 标识码 (record id) when given,
else by 标准名称 + 行政区划代码; addresses by 地址代码. A row equal to its record writes nothing
(no version bump); a changed row updates the record through the ORM, so the history row, the
version and the change feed follow as for any edit; new rows go in by bulk inserts that write
their history and change-feed rows themselves. An empty cell leaves the stored value as it is.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import AuditEvent, Jurisdiction
from ...models.base import utcnow
from ...spatial import SRID
from . import readers
from .coords import (
    CoordinateError,
    LayerCrs,
    check_geometry,
    check_lon_lat,
    parse_number,
    parse_wkt,
    point_wkt,
    to_stored,
)
from .report import ERROR, WARNING, Problem, Report

CHUNK = 5000
IN_CHUNK = 900
"""Values per IN list of a lookup."""

Progress = Callable[[int, int | None], None]


def import_file(session: Session, path: Path, kind: str, *, sheet: str | None = None,
                layer: str | None = None, dry_run: bool = False, file_name: str | None = None,
                actor_id: uuid.UUID | None = None, on_progress: Progress | None = None,
                chunk: int = CHUNK) -> Report:
    """Check and (unless ``dry_run`` or any row has an error) import ``path`` as ``kind``
    (``names`` or ``addresses``). Flushes; the caller commits when the report says imported,
    and the session is rolled back otherwise. ``file_name`` is the name shown in the report
    (an upload's original name); ``on_progress(rows done, rows expected or None)``."""
    from .import_addresses import AddressImport
    from .import_names import NameImport

    if kind not in ("names", "addresses"):
        raise ValueError(f"unknown kind {kind!r}")
    report = Report(kind, file_name or path.name, dry_run)
    try:
        with readers.open_source(path, kind, sheet=sheet, layer=layer) as source:
            report.source = source.describe()
            for problem in source.columns.warnings:
                report.add(problem)
            job = (NameImport if kind == "names" else AddressImport)(session, report, source,
                                                                     write=not dry_run)
            for rows in chunks(source.rows, chunk):
                job.process(rows)
                report.rows += len(rows)
                if on_progress:
                    on_progress(report.rows, source.total)
    except readers.FileProblem as exc:
        report.add(exc.problem)
    if report.rows == 0 and not report.errors:
        report.add(Problem(0, "", "no_rows", "文件没有数据行", "the file has no data rows"))
    if report.errors or dry_run:
        session.rollback()
        return report
    report.source["sha256"] = file_sha256(path)
    session.add(AuditEvent(at=utcnow(), actor_id=actor_id, entity_type="import",
                           entity_id=report.source["sha256"][:40], action="import",
                           note=json.dumps({"kind": kind, "file": report.file_name,
                                            **{k: report.counts[k] for k in
                                               ("new", "updated", "unchanged")},
                                            "warnings": report.warnings}, ensure_ascii=False)))
    session.flush()
    report.imported = True
    return report


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def chunks(rows: Iterator[readers.SourceRow], size: int) -> Iterator[list[readers.SourceRow]]:
    """``rows`` in lists of ``size``."""
    chunk: list[readers.SourceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def in_chunks(values: Any, size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """Sorted distinct ``values`` in lists of ``size`` (for IN lookups)."""
    ordered = sorted(set(values), key=str)
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


class Job:
    """What the names and addresses imports share: the report, the source, the jurisdictions
    looked up by code, and the checks of single cells."""

    kind = ""

    def __init__(self, session: Session, report: Report, source: readers.Source, *,
                 write: bool) -> None:
        self.session = session
        self.report = report
        self.source = source
        self.columns = source.columns
        self.write = write
        self.jurisdictions: dict[str, Jurisdiction | None] = {}

    # -- problems ------------------------------------------------------------------------------

    def error(self, row: int, key: str, code: str, zh: str, en: str) -> None:
        """Note an error of ``row`` in the column of ``key`` (or a header given as is)."""
        self.report.add(Problem(row, self.field(key), code, zh, en, ERROR))

    def warn(self, row: int, key: str, code: str, zh: str, en: str) -> None:
        """Note a warning of ``row`` in the column of ``key``."""
        self.report.add(Problem(row, self.field(key), code, zh, en, WARNING))

    def field(self, key: str) -> str:
        """The file's header of ``key`` (the geometry of a layer by its own name)."""
        if key == "geometry":
            return self.source.geometry_field
        if key in self.columns.index:
            return self.columns.name(key)
        return readers.header_of(key, self.kind) if key else ""

    @property
    def failed(self) -> bool:
        """True once any error has been found (nothing more is written)."""
        return self.report.errors > 0

    # -- cells ---------------------------------------------------------------------------------

    def text(self, values: dict[str, str], key: str, row: int, limit: int) -> str | None:
        """The cell of ``key`` (None when empty); an error when longer than ``limit``."""
        value = values.get(key, "")
        if not value:
            return None
        if len(value) > limit:
            self.error(row, key, "too_long", f"内容过长（最多 {limit} 个字符）",
                       f"too long (at most {limit} characters)")
            return None
        return value

    def metres(self, values: dict[str, str], key: str, row: int) -> float | None:
        """A length in metres (None when empty or wrong, wrong being an error)."""
        value = values.get(key, "").removesuffix("米").removesuffix("m").strip()
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0 <= number < 1e6:
            self.error(row, key, "bad_number", f"应为米数：{value[:20]}",
                       f"should be a number of metres: {value[:20]}")
            return None
        return number

    def record_id(self, values: dict[str, str], row: int) -> uuid.UUID | None:
        """The 标识码 cell as a UUID (None when empty or wrong, wrong being an error)."""
        value = values.get("id", "")
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.error(row, "id", "bad_id", f"标识码不是有效的 UUID：{value[:40]}",
                       f"the record id is not a valid UUID: {value[:40]}")
            return None

    def choice(self, values: dict[str, str], key: str, row: int, table: dict[str, str],
               what: tuple[str, str]) -> str | None:
        """The code a cell's word or code stands for (None when empty or unknown, unknown
        being an error listing the accepted words)."""
        value = values.get(key, "")
        if not value:
            return None
        code = table.get(value.strip().casefold())
        if code is None:
            accepted = sorted(set(table.values()))
            self.error(row, key, f"bad_{key}",
                       f"{what[0]}“{value[:20]}”无法识别（可用：{'、'.join(accepted)}）",
                       f"unknown {what[1]} {value[:20]!r} (use one of {', '.join(accepted)})")
        return code

    def geometry(self, src: readers.SourceRow, allowed: frozenset[str]) -> str | None:
        """The row's geometry as EWKT in CGCS2000: the layer's own, else the 几何 (WKT)
        column, else 经度/纬度; None when none is given or it is bad (an error)."""
        crs: LayerCrs | None = self.source.crs
        try:
            if src.geom_unreadable:
                key = "geometry"
                raise CoordinateError("bad_geometry", "几何无法读取（数据损坏）",
                                      "the geometry cannot be read (damaged data)")
            if src.geom is not None:
                key = "geometry"
                geom = to_stored(shapely.force_2d(src.geom), crs or LayerCrs(""))
                check_geometry(geom, allowed, crs)
                return f"SRID={SRID};{shapely.to_wkt(geom, rounding_precision=-1)}"
            if src.values.get("wkt"):
                key = "wkt"
                geom = shapely.force_2d(parse_wkt(src.values["wkt"]))
                check_geometry(geom, allowed)
                return f"SRID={SRID};{shapely.to_wkt(geom, rounding_precision=-1)}"
            lon, lat = src.values.get("lon", ""), src.values.get("lat", "")
            if not lon and not lat:
                return None
            key = "lon"
            if not lon or not lat:
                raise CoordinateError("missing_value", "经度和纬度须同时填写",
                                      "give both longitude and latitude")
            x = parse_number(lon, "经度", "longitude")
            key = "lat"
            y = parse_number(lat, "纬度", "latitude")
            key = "lon"
            check_lon_lat(x, y)
            return f"SRID={SRID};{point_wkt(x, y)}"
        except CoordinateError as exc:
            self.error(src.row, key, exc.code, exc.zh, exc.en)
            return None

    def jurisdiction(self, code: str) -> Jurisdiction | None:
        """The jurisdiction with ``code`` (looked up by :meth:`load_jurisdictions`)."""
        return self.jurisdictions.get(code)

    def load_jurisdictions(self, codes: set[str]) -> None:
        """Look up the jurisdictions of ``codes`` not seen yet."""
        missing = codes - set(self.jurisdictions)
        for part in in_chunks(missing):
            for j in self.session.scalars(select(Jurisdiction).where(Jurisdiction.code.in_(part))):
                self.jurisdictions[j.code] = j
        for code in missing:
            self.jurisdictions.setdefault(code, None)


def parse_date(text: str) -> date | None:
    """A date from 2021-05-01, 2021/5/1, 2021.5.1, 2021年5月1日, 20210501 or an ISO datetime;
    None when it is none of these."""
    value = text.strip().replace("年", "-").replace("月", "-").rstrip("日")
    value = value.replace("/", "-").replace(".", "-")
    if "T" in value:
        value = value.split("T", 1)[0]
    if " " in value:
        value = value.split(" ", 1)[0]
    try:
        if value.isdigit() and len(value) == 8:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        y, m, d = (int(p) for p in value.split("-"))
        return date(y, m, d)
    except ValueError:
        return None


def same(a: Any, b: Any) -> bool:
    """Stored and imported values compare equal (dates and datetimes by day)."""
    if isinstance(a, datetime):
        a = a.date()
    return bool(a == b)
