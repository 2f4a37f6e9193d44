"""Backup and restore of the whole register (``placenames backup`` / ``placenames restore``).

A backup is taken while the app runs and is consistent (SQLite's online backup API; pg_dump).
A restore goes only into a database that holds no register yet, so it can never overwrite
one by mistake; afterwards the schema revision and the counts are checked.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select

from . import migrate, spatial
from .errors import BadInput, Conflict, NotFound
from .models import Address, Jurisdiction, Place, Plate


def counts(engine: Engine) -> dict[str, int]:
    """Rows of the register's main tables (what a restore drill compares)."""
    with engine.connect() as conn:
        return {model.__tablename__: int(conn.scalar(select(func.count()).select_from(model))
                                         or 0)
                for model in (Jurisdiction, Place, Address, Plate)}


def backup(engine: Engine, out: Path) -> dict[str, int]:
    """Write a backup of the register to ``out``; returns the counts it holds."""
    if out.exists():
        raise Conflict(f"{out} 已存在，不会覆盖 / {out} exists; it is not overwritten")
    if migrate.current_revision(engine) is None:
        raise BadInput("数据库中没有地名库 / the database holds no register")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        spatial.backup_to(engine, str(out))
    except (OSError, subprocess.CalledProcessError) as exc:
        out.unlink(missing_ok=True)
        detail = getattr(exc, "stderr", "") or str(exc)
        raise BadInput(f"备份失败 / the backup failed: {detail.strip()[:300]}") from None
    return counts(engine)


def restore(engine: Engine, source: Path) -> dict[str, int]:
    """Restore the backup ``source`` into the empty database of ``engine``; returns the counts."""
    if not source.is_file():
        raise NotFound(f"没有备份文件 {source} / no backup file {source}")
    tables = set(inspect(engine).get_table_names())
    if "alembic_version" in tables or "places" in tables:
        raise Conflict("目标数据库中已有地名库：恢复只写入空数据库 / the target database "
                       "already holds a register: restore into an empty database")
    if spatial.backend_name(engine) == "postgis":
        with engine.begin() as conn:  # the geometry type must exist before the tables
            spatial.ensure_postgis(conn)
    try:
        spatial.restore_from(engine, str(source))
    except ValueError as exc:
        raise BadInput(f"{source} 不是本系统的备份 / {source} is not a backup of this "
                       f"database kind: {exc}") from None
    except subprocess.CalledProcessError as exc:
        raise BadInput(f"恢复失败 / the restore failed: {exc.stderr.strip()[:300]}") from None
    head = migrate.head_revision()
    current = migrate.current_revision(engine)
    if current != head:
        raise Conflict(f"已恢复，但结构版本为 {current}，程序需要 {head}：请运行 placenames "
                       f"init / restored at schema {current}; run `placenames init` for {head}")
    return counts(engine)
