"""Import of the national statistical division lists (统计用区划代码, nbs2022_*.csv shape).

A file is checked whole before anything is written: every bad row is reported with its line
number and reason, and nothing is imported unless every row is good. A re-import updates names
and parents of existing codes instead of adding rows. Every row written gets the matching keys
of its name; the names written (new or renamed) are then compared with the stored divisions in
their legal scope, and the collisions (duplicates, homophones) are reported, never blocking:
real lists hold them (:mod:`placenames.ops.names.division_report`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ... import spatial
from ...errors import BadInput, ImportRejected
from ...models import Jurisdiction, Level
from ...models.changes import record_bulk
from ...models.jurisdictions import CODE_LENGTH
from ...models.name_keys import jurisdiction_derived
from ..names.division_report import CollisionReport, import_collisions

# header column that names the parent code, per level
SHAPES: dict[Level, tuple[str, ...]] = {
    Level.PROVINCE: ("code", "name"),
    Level.CITY: ("code", "name", "provinceCode"),
    Level.COUNTY: ("code", "name", "cityCode", "provinceCode"),
    Level.TOWNSHIP: ("code", "name", "areaCode", "provinceCode", "cityCode"),
}
PARENT_COLUMN = {Level.CITY: "provinceCode", Level.COUNTY: "cityCode",
                 Level.TOWNSHIP: "areaCode"}
ALIASES = {"area_code": "areaCode", "city_code": "cityCode", "province_code": "provinceCode"}
MAX_REPORTED = 200


@dataclass
class ImportResult:
    """What an import did, and the collisions among the names it wrote (information)."""

    level: str
    inserted: int
    updated: int
    unchanged: int
    collisions: CollisionReport = field(default_factory=CollisionReport)


@dataclass(frozen=True)
class Row:
    """One good row of a division file."""

    line: int
    code: str
    name: str
    parent_code: str | None


def detect_level(header: list[str]) -> Level:
    """Which level a file holds, from its header."""
    cols = [ALIASES.get(c.strip(), c.strip()) for c in header]
    for level in (Level.TOWNSHIP, Level.COUNTY, Level.CITY, Level.PROVINCE):
        if all(c in cols for c in SHAPES[level]):
            return level
    raise BadInput("无法识别的表头 / unrecognised header: " + ",".join(header)
                   + "（应为 code,name[,provinceCode|cityCode|areaCode…]）")


def check_row(level: Level, record: dict[str, str], line: int) -> Row | str:
    """A good :class:`Row`, or the reason the row is bad."""
    code = (record.get("code") or "").strip()
    name = unicodedata.normalize("NFC", (record.get("name") or "").strip())
    want = CODE_LENGTH[level]
    if not (code.isascii() and code.isdigit()) or len(code) != want:
        return f"代码应为{want}位数字 / code must be {want} digits: {code!r}"
    if not name:
        return "名称为空 / empty name"
    if len(name) > 80 or any(unicodedata.category(ch).startswith("C") for ch in name):
        return f"名称无效 / invalid name: {name[:20]!r}"
    parent_code = None
    if level in PARENT_COLUMN:
        parent_code = (record.get(PARENT_COLUMN[level]) or "").strip()
        if not code.startswith(parent_code) or len(parent_code) != CODE_LENGTH[_up(level)]:
            return f"上级代码 {parent_code!r} 与代码 {code} 不符 / parent code does not match"
    return Row(line, code, name, parent_code)


def _up(level: Level) -> Level:
    return {Level.CITY: Level.PROVINCE, Level.COUNTY: Level.CITY,
            Level.TOWNSHIP: Level.COUNTY}[level]


def read_rows(path: Path) -> tuple[Level, list[Row]]:
    """Parse and check the whole file; raise :class:`ImportRejected` listing every bad row."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"无法读取文件 / cannot read {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    level = detect_level(reader.fieldnames or [])
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        record = {ALIASES.get(k, k): v for k, v in record.items() if k is not None}
        result = check_row(level, record, line)
        if isinstance(result, str):
            problems.append((line, result))
        elif result.code in seen:
            problems.append((line, f"代码重复，首见于第{seen[result.code]}行 / duplicate code"))
        else:
            seen[result.code] = line
            rows.append(result)
    if not rows and not problems:
        raise BadInput("文件没有数据行 / the file has no rows")
    if problems:
        raise ImportRejected(
            f"文件被整体拒绝：{len(problems)} 行有误，未导入任何数据 / "
            f"file rejected: {len(problems)} bad rows, nothing imported", problems[:MAX_REPORTED])
    return level, rows


def import_csv(session: Session, path: Path,
               on_progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import one division file; flushes, the caller commits."""
    level, rows = read_rows(path)
    existing = {code: (jid, name, parent) for code, jid, name, parent in session.execute(
        select(Jurisdiction.code, Jurisdiction.id, Jurisdiction.name, Jurisdiction.parent_id))}
    missing = [(r.line, f"上级 {r.parent_code} 不在登记中，请先导入上级区划 / parent not found")
               for r in rows if r.parent_code and r.parent_code not in existing]
    if missing:
        raise ImportRejected(f"文件被整体拒绝：{len(missing)} 行的上级区划不存在 / "
                             f"file rejected: unknown parents", missing[:MAX_REPORTED])
    inserts, updated, unchanged, written = [], 0, 0, []
    for i, row in enumerate(rows, 1):
        parent_id = existing[row.parent_code][0] if row.parent_code else None
        if row.code not in existing:
            inserts.append({"id": uuid.uuid4(), "code": row.code, "name": row.name,
                            "level": level.value, "parent_id": parent_id, "source": "nbs",
                            **jurisdiction_derived(row.name, level.value, None)})
        elif existing[row.code][1:] == (row.name, parent_id):
            unchanged += 1
        else:
            obj = session.get(Jurisdiction, existing[row.code][0])
            assert obj is not None
            obj.name, obj.parent_id = row.name, parent_id
            updated += 1
            written.append(row.code)
        if on_progress and (i % 5000 == 0 or i == len(rows)):
            on_progress(i, len(rows))
    for start in range(0, len(inserts), 5000):
        session.execute(insert(Jurisdiction), inserts[start:start + 5000])
    record_bulk(session, "jurisdiction", ((r["id"], "insert", 1) for r in inserts))
    session.flush()
    if len(inserts) > 1000:  # fresh statistics for the screens that look names up by key
        spatial.analyze(session.connection(), [Jurisdiction.__table__])
    written += [r["code"] for r in inserts]
    return ImportResult(level.value, len(inserts), updated, unchanged,
                        import_collisions(session, written, level.value))
