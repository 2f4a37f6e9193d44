"""The report of an import: every problem as (row, field, problem 中文, problem English).

A problem is an ``error`` (the file is not imported: all or nothing) or a ``warning`` (the
office should look, the import goes ahead). Row 0 is the file as a whole (a missing column, an
encoding that cannot be told); otherwise the row number a spreadsheet shows (the header is
row 1), or the feature's number in a GeoJSON/GeoPackage layer (the first is 1).

The report is written as CSV in UTF-8 with a byte-order mark (Excel opens it in Chinese), and
kept as JSON in an uploaded file's manifest for the staff page (:mod:`.uploads`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ... import tables

ERROR, WARNING = "error", "warning"
KINDS = ("names", "addresses")
REPORT_HEADER = ("行 row", "字段 field", "级别 severity", "代码 code", "问题", "problem")
OUTCOMES = ("new", "updated", "unchanged")
SHOWN_ON_SCREEN = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of one row (row 0: the whole file) and field (the file's column header)."""

    row: int
    field: str
    code: str
    zh: str
    en: str
    severity: str = ERROR

    def text(self, lang: str) -> str:
        """The problem in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


@dataclass
class Report:
    """What an import found and did.

    ``counts`` has ``new``, ``updated`` and ``unchanged`` rows; ``imported`` is true when the
    rows were written (no error, not a dry run). ``source`` describes the file as read
    (format, encoding, sheet or layer, CRS); ``samples`` are a few ids of written records.
    """

    kind: str
    file_name: str
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    imported: bool = False
    source: dict[str, str] = field(default_factory=dict)
    samples: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tally: Counter[str] = Counter(p.severity for p in self.problems)

    @property
    def errors(self) -> int:
        """Number of errors."""
        return self.tally[ERROR]

    @property
    def warnings(self) -> int:
        """Number of warnings."""
        return self.tally[WARNING]

    def add(self, problem: Problem) -> None:
        """Note a problem (always through here: the tally is kept as problems come)."""
        self.problems.append(problem)
        self.tally[problem.severity] += 1

    def sorted_problems(self) -> list[Problem]:
        """Problems by row, errors first within a row."""
        return sorted(self.problems, key=lambda p: (p.row, p.severity != ERROR))

    def summary(self, lang: str = "zh") -> str:
        """One line: rows read, new/updated/unchanged, errors and warnings, the verdict."""
        c = self.counts
        if lang == "zh":
            verdict = ("已导入" if self.imported else "试运行，未写入" if self.dry_run and
                       not self.errors else "有错误，未导入任何数据")
            return (f"{self.rows} 行：新增 {c['new']}，更新 {c['updated']}，未变 "
                    f"{c['unchanged']}；错误 {self.errors}，警告 {self.warnings}。{verdict}")
        verdict = ("imported" if self.imported else "dry run, nothing written" if self.dry_run
                   and not self.errors else "rejected: nothing imported")
        return (f"{self.rows} rows: {c['new']} new, {c['updated']} updated, {c['unchanged']} "
                f"unchanged; {self.errors} errors, {self.warnings} warnings. {verdict}")

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (kept beside an uploaded file)."""
        return {"kind": self.kind, "file_name": self.file_name, "dry_run": self.dry_run,
                "rows": self.rows, "imported": self.imported, "source": self.source,
                "counts": {k: self.counts[k] for k in OUTCOMES}, "samples": self.samples,
                "problems": [asdict(p) for p in self.sorted_problems()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report :meth:`to_json` wrote."""
        return cls(kind=data["kind"], file_name=data["file_name"], dry_run=data["dry_run"],
                   problems=[Problem(**p) for p in data["problems"]],
                   counts=Counter(data["counts"]), rows=data["rows"],
                   imported=data["imported"], source=dict(data["source"]),
                   samples=[(a, b) for a, b in data.get("samples", [])])


def report_rows(problems: Iterable[Problem]) -> Iterator[list[str | int]]:
    """Rows of the report file, under :data:`REPORT_HEADER`."""
    for p in problems:
        yield [p.row, p.field, p.severity, p.code, p.zh, p.en]


def csv_bytes(problems: Iterable[Problem]) -> bytes:
    """The report file's bytes (UTF-8 with a byte-order mark), cells safe from formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADER)
    for row in report_rows(problems):
        writer.writerow([tables.safe_cell(c) if isinstance(c, str) else c for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_csv(report: Report, out: Path) -> None:
    """Write the report as CSV (UTF-8 with a byte-order mark), one row per problem."""
    with tables.write_csv(out, REPORT_HEADER) as writer:
        for row in report_rows(report.sorted_problems()):
            writer.writerow(row)
