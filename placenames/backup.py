"""Backup and restore of the whole register (``placenames backup`` / ``placenames restore``).

A backup is taken while the app runs and is consistent (SQLite's online backup API; pg_dump).
A restore goes only into a database that holds no register yet, so it can never overwrite
one by mistake; afterwards the schema revision and the counts are checked.

The files the register refers to (survey photos, documents and meeting minutes, plate
installation photos, name stories' and signs' photos: :data:`FILE_FOLDERS` of the instance
folder) go into ``FILE.files.tar`` beside the database's backup, archived after the
database's snapshot: a file is written before the commit that names it, so every file the
snapshot names is in the archive. Generated PDFs are not kept (they are made again). The
personal-data key is not in either file: keep it apart (README, Security).
"""

from __future__ import annotations

import subprocess
import tarfile
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


FILE_FOLDERS = ("procedure", "plate_photos", "stories", "signs")
"""Folders of the instance folder that hold uploaded files the register refers to."""


def files_archive(backup_file: Path) -> Path:
    """Where the files of the backup ``backup_file`` are archived."""
    return backup_file.with_name(backup_file.name + ".files.tar")


def _archive_files(instance: Path, archive: Path) -> int:
    count = 0
    with tarfile.open(archive, "w") as tar:
        for folder in FILE_FOLDERS:
            root = instance / folder
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(instance)), recursive=False)
                    count += 1
    return count


def _file_members(archive: Path) -> list[tarfile.TarInfo]:
    """The regular files of ``archive`` under :data:`FILE_FOLDERS` (BadInput otherwise)."""
    try:
        with tarfile.open(archive, "r") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, OSError) as exc:
        raise BadInput(f"{archive} 不是备份的文件包 / {archive} is not a backup's file "
                       f"archive: {exc}") from None
    for m in members:
        parts = Path(m.name).parts
        if not m.isfile() or not parts or parts[0] not in FILE_FOLDERS or ".." in parts \
                or Path(m.name).is_absolute():
            raise BadInput(f"{archive} 含有不应有的条目 {m.name!r} / {archive} holds an entry "
                           f"a backup never has: {m.name!r}")
    return members


def backup(engine: Engine, out: Path, instance: Path | None = None) -> dict[str, int]:
    """Write a backup of the register to ``out`` and, given the ``instance`` folder, its files
    to :func:`files_archive`; returns the counts it holds."""
    if out.exists() or files_archive(out).exists():
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
    found = counts(engine)
    if instance is not None:
        found["files"] = _archive_files(instance, files_archive(out))
    return found


def restore(engine: Engine, source: Path, instance: Path | None = None) -> dict[str, int]:
    """Restore the backup ``source`` into the empty database of ``engine`` and, given the
    ``instance`` folder, the files of its archive (none may exist there already); returns
    the counts."""
    if not source.is_file():
        raise NotFound(f"没有备份文件 {source} / no backup file {source}")
    archive = files_archive(source)
    members = _file_members(archive) if instance is not None and archive.is_file() else []
    clash = next((m.name for m in members if (instance / m.name).exists()), None) \
        if instance is not None else None
    if clash is not None:
        raise Conflict(f"实例目录中已有文件 {clash}：恢复只写入新的实例目录 / the instance folder "
                       f"already holds {clash}: restore into a new instance folder")
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
    found = counts(engine)
    if instance is not None and archive.is_file():
        with tarfile.open(archive, "r") as tar:
            tar.extractall(instance, members=members, filter="data")
        found["files"] = len(members)
    return found
