"""The ``placenames`` command: each command parses, calls an operation, commits, prints.

One module per domain adds its commands to :data:`main` (``registry`` here; names, plates…).
Errors meant for people are printed without a traceback and end with a sysexits-style code
(64 usage, 65 data, 66 not found, 75 conflict).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import create_app, db, migrate
from ..errors import BadInput, Conflict, ImportRejected, PlacenamesError
from ..web.errors import DATABASE_UNAVAILABLE, UNAVAILABLE_MSG

if TYPE_CHECKING:
    from ..ops.names.division_report import CollisionReport


def _app() -> Flask:
    ctx = click.get_current_context()
    app = ctx.find_object(Flask)
    if app is None:
        app = create_app()
        ctx.obj = app
        # the command's connections are closed when it ends, not left to the process's exit
        ctx.call_on_close(app.extensions["placenames.engine"].dispose)
    return app


def with_app(fn: Callable[..., Any] | None = None, *, needs_schema: bool = True) -> Any:
    """Run the command inside an app context; turn domain errors into clean exits.

    Unless ``needs_schema`` is false (``init``), a database whose schema is not at the code's
    revision stops the command with a message saying to run ``placenames init``.
    """
    if fn is None:
        return functools.partial(with_app, needs_schema=needs_schema)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            app = _app()
        except PlacenamesError as exc:
            click.echo(exc.user_msg, err=True)
            sys.exit(exc.exit_code)
        with app.app_context():
            try:
                if needs_schema:
                    _check_schema()
                return fn(*args, **kwargs)
            except ImportRejected as exc:
                for line, reason in exc.problems:
                    click.echo(f"  line {line}: {reason}", err=True)
                click.echo(exc.user_msg, err=True)
                sys.exit(exc.exit_code)
            except PlacenamesError as exc:
                click.echo(exc.user_msg, err=True)
                sys.exit(exc.exit_code)
            except IntegrityError as exc:  # another writer took a code or key meanwhile
                click.echo(f"{CLASH_MSG}\n  ({str(exc.orig).strip().splitlines()[0]})", err=True)
                sys.exit(Conflict.exit_code)
            except DATABASE_UNAVAILABLE as exc:
                click.echo(f"{UNAVAILABLE_MSG}\n  ({type(exc).__name__})", err=True)
                sys.exit(Conflict.exit_code)

    return wrapper


EX_CANTCREAT = 73
"""Exit status when an output file cannot be written (sysexits)."""


def write_output(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` whole or not at all (a temporary file renamed over it); a file
    that cannot be written ends the command with a message and :data:`EX_CANTCREAT`."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        click.echo(f"无法写入文件 {out}。 / Cannot write {out}: {exc.strerror or exc}", err=True)
        sys.exit(EX_CANTCREAT)


CLASH_MSG = ("另一操作同时写入了相同的代码或记录，本次未写入任何内容，请重试。 / "
             "Another write took the same code or record at the same time; nothing was "
             "written, please try again.")


def _check_schema() -> None:
    engine = db.engine()
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        raise Conflict(f"数据库结构版本为 {current}，程序需要 {head}：请先运行 placenames init / "
                       f"the database schema is at {current}, the code needs {head}: "
                       "run `placenames init`")


@click.group()
def main() -> None:
    """Registry of standard place names and addresses (标准地名地址登记服务)."""


@main.command()
@with_app(needs_schema=False)
def init() -> None:
    """Create or upgrade the database schema (alembic upgrade head)."""
    engine = db.engine()
    # the app's personal-data keys, for the revision that encrypts commenters' contacts
    migrate.upgrade(engine, attributes={"pii_keys": current_app.extensions["placenames.pii_keys"]})
    click.echo(f"schema at revision {migrate.current_revision(engine)}")


@main.command("backup")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="the backup file to write (refused if it exists)")
@with_app
def backup_cmd(out: Path) -> None:
    """Write a consistent backup of the whole register while the app runs."""
    from .. import backup

    remote = current_app.extensions["placenames.storage"].remote
    found = backup.backup(db.engine(), out, None if remote else Path(current_app.instance_path))
    click.echo(f"backup written to {out}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    if remote:
        click.echo("上传的文件保存在对象存储中，未写入本备份；请用对象存储的版本或复制功能备份 / "
                   "the uploaded files are in the object store, not in this backup: keep them "
                   "with the store's versioning or replication", err=True)


@main.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@with_app(needs_schema=False)
def restore_cmd(source: Path) -> None:
    """Restore the backup SOURCE into the configured, empty database."""
    from .. import backup

    found = backup.restore(db.engine(), source, Path(current_app.instance_path))
    click.echo(f"restored from {source}: " + ", ".join(f"{k} {v}" for k, v in found.items()))


@main.command()
@with_app
def demo() -> None:
    """Load the Xixian New Area demo registry (idempotent)."""
    from ..models import Plate
    from ..models.base import utcnow
    from ..ops.demo import applications as demo_apps
    from ..ops.demo import loader as demo_ops
    from ..ops.procedure.applications import Settings

    s = db.session()
    cfg = Settings.from_config(current_app.config, current_app.instance_path,
                               files=current_app.extensions["placenames.storage"])
    report = demo_ops.load(s, now=utcnow(), procedure=cfg)
    s.commit()
    click.echo(", ".join(f"{k}: +{v}" for k, v in report.items()))
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    sample = s.scalar(select(Plate.plate_id).order_by(Plate.plate_id).limit(1))
    if sample:
        click.echo(f"a demo door plate: {base}/p/{sample}")
    click.echo("demo applications, one at each stage (state · name · who acts next):")
    for state, name, app_id, roles in demo_apps.overview(s):
        click.echo(f"  {state:<20} {name:<6} {', '.join(roles) or '-':<22} "
                   f"{base}/committee/applications/{app_id}")
    from ..ops.demo import plan as demo_plan

    click.echo(f"demo naming plan {demo_plan.CODE} (clerk: take a reserved name and follow "
               f"the procedure): {base}/staff/plans/{demo_plan.CODE}")
    click.echo(f"road-name signs, late units first (clerk: print a unit's letter, propose "
               f"another road's signs): {base}/staff/signs")


@main.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="threads taking jobs in this process (run more processes to use more cores)")
@with_app
def worker(workers: int) -> None:
    """Run background jobs (plate batches…) from the queue until stopped (Ctrl-C).

    Jobs left by a worker that was killed are taken again first. The queue is the instance
    folder's SQLite file, or Redis when PLACENAMES_REDIS_URL is set (see README, Jobs)."""
    from ..jobs.queue import queue_kind, run_worker

    kind = queue_kind(current_app.config)
    if kind == "immediate":
        raise BadInput("PLACENAMES_JOBS_QUEUE=immediate runs jobs in the web process: no "
                       "worker is needed")
    click.echo(f"placenames worker: {kind} queue, {workers} thread(s)")
    run_worker(current_app._get_current_object(), workers)  # type: ignore[attr-defined]


@main.group(name="import")
def import_() -> None:
    """Import official lists."""


COLLISIONS_SHOWN = 50
"""Collisions a division import prints unless asked for all."""


@import_.command(name="divisions")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--all-collisions", is_flag=True,
              help=f"list every name collision (default: the first {COLLISIONS_SHOWN})")
@with_app
def import_divisions(path: Path, all_collisions: bool) -> None:
    """Load a national statistical division list (nbs2022_*.csv shape).

    The names written are then screened against the stored divisions in their legal scope;
    duplicates and homophones are listed for information and never stop the import.
    """
    from ..ops.registry import divisions

    s = db.session()

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  {done}/{total} rows", nl=done == total, err=True)

    result = divisions.import_csv(s, path, on_progress=progress)
    s.commit()
    click.echo(f"{result.level}: {result.inserted} inserted, {result.updated} updated, "
               f"{result.unchanged} unchanged")
    _print_collisions(result.collisions, None if all_collisions else COLLISIONS_SHOWN)


def _print_collisions(report: CollisionReport, limit: int | None) -> None:
    """The collision report of a division import."""
    found = report.collisions
    click.echo(f"重名同音（仅供参考，不影响导入）/ name collisions (information, not blocking): "
               f"{report.count('exact')} exact, {report.count('homophone')} homophone; "
               f"{report.divisions} divisions")
    for c in found[:limit]:
        members = ", ".join(code for code, _name in c.members)
        click.echo(f"  {c.severity:5} {c.kind}: {c.label} ({c.scope_zh} / {c.scope_en}): "
                   f"{members}")
    if limit is not None and len(found) > limit:
        click.echo(f"  … {len(found) - limit} more (--all-collisions lists every one)")
    if report.unkeyed:
        click.echo(f"未筛查 / not screened (statistical groupings, names the engine cannot "
                   f"read): {len(report.unkeyed)}: "
                   + ", ".join(f"{code} {name}" for code, name in report.unkeyed[:10])
                   + (" …" if len(report.unkeyed) > 10 else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve the app with gunicorn (sync workers; put nginx in front in production)."""
    from ..serve import run

    _ready_to_serve()
    run(host, port, workers, access_log)


@with_app
def _ready_to_serve() -> None:
    """Stop with a message unless the settings load, the schema is current (checked by
    :func:`with_app`), the personal-data key opens the stored contacts and, outside demo mode,
    no demo account or default password is left; leave no connection open for the server's
    workers to inherit."""
    from flask import current_app

    from ..ops.accounts.startup import default_accounts
    from ..ops.privacy import contacts

    s = db.session()
    try:
        contacts.check_keys(s)
        found = default_accounts(s)
    finally:
        s.close()
    if found and str(current_app.config.get("DEMO") or "").lower() not in (
            "1", "true", "yes", "on"):
        click.echo("拒绝启动：存在演示账户或默认密码 / refusing to serve: demo accounts or "
                   f"default passwords are present: {', '.join(found)}.\n"
                   "Disable them (placenames users disable NAME) or give them new "
                   "passwords (placenames users reset-password NAME); for a demo, set "
                   "PLACENAMES_DEMO=1.", err=True)
        sys.exit(78)  # EX_CONFIG
    db.engine().dispose()


def _register_domains() -> None:
    """Import the per-domain command modules; each attaches its commands to ``main``."""
    from . import (  # noqa: F401
        addresses,
        audit,
        exchange,
        gazetteer,
        imports,
        names,
        plan_print,
        plans,
        plates,
        privacy,
        reindex,
        search,
        signs,
        tokens,
        users,
    )


_register_domains()
