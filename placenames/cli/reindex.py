"""``placenames reindex``: recompute every name's derived fields from the current engine.

Run it after upgrading the names engine or changing the office's lexicons: the 专名/通名,
romanization, matching keys and syllable-index rows of every place name are recomputed and the
rows that differ are rewritten, batch by batch, while the app keeps serving; then the same for
every division (the same fields, no syllable rows).
"""

from __future__ import annotations

import sys

import click
from flask import current_app

from .. import db
from ..errors import BadInput
from . import main, with_app

MAX_LISTED = 20


@main.command("reindex")
@click.option("--workers", default=2, show_default=True, type=int,
              help="worker processes (each with its own connection)")
@click.option("--batch", default=5000, show_default=True, type=int,
              help="rows read, and written in one transaction, at a time")
@click.option("--dry-run", is_flag=True, help="count what would change; write nothing")
@click.option("--check-index", is_flag=True,
              help="compare every name's syllable-index rows, not only those of names whose "
                   "keys changed (for index rows touched by hand)")
@click.option("--mode", type=click.Choice(["auto", "rows", "rebuild"]), default="auto",
              show_default=True,
              help="rows: write the changed names' keys and index rows one by one; rebuild: "
                   "write every name's into new tables and swap them in (fast when most "
                   "change); auto: a rebuild when a sample of the names says most change")
@click.option("--job", "as_job", is_flag=True,
              help="queue it as a background job for `placenames worker` (its progress on "
                   "the /admin/reindex page) instead of running it here")
@with_app
def reindex_cmd(workers: int, batch: int, dry_run: bool, check_index: bool, mode: str,
                as_job: bool) -> None:
    """Recompute 专名/通名, romanization, matching keys and syllable rows of every name and
    division.

    Only rows whose values changed are written; a published change (romanization; a name's
    专名, 通名) gets a new version and a change-feed row, a name also a history row. Safe
    while the app serves; a second run writes nothing. Exit status: 0 done, 64 bad
    arguments, 65 some names could not be read by the engine (listed; the others were
    written).
    """
    from ..ops.names import reindex as reindex_ops

    if not 1 <= workers <= 64:
        raise BadInput(f"--workers 应为 1 到 64 / --workers must be 1 to 64, not {workers}")
    if not 100 <= batch <= 100_000:
        raise BadInput(f"--batch 应为 100 到 100000 / --batch must be 100 to 100000, not {batch}")
    if as_job:
        from ..jobs.handlers import REINDEX
        from ..jobs.queue import start_job

        job = start_job(current_app._get_current_object(),  # type: ignore[attr-defined]
                        db.session(), REINDEX,
                        {"workers": workers, "batch": batch, "dry_run": dry_run,
                         "check_index": check_index, "mode": mode}, subject=REINDEX,
                        actor_id=None)
        click.echo(f"queued as job {job.id}: `placenames worker` runs it; progress on "
                   "/admin/reindex")
        return
    config = current_app.config
    settings = {k: config[k] for k in reindex_ops.ENGINE_SETTINGS if k in config}
    db.session().close()  # hold no connection while the batches run

    def progress(entity: str, done: int, total: int) -> None:
        click.echo(f"\r  {entity}: {done:,}/{total:,}", nl=done >= total, err=True)

    report = reindex_ops.reindex(db.engine(), workers=workers, batch=batch, dry_run=dry_run,
                                 check_index=check_index, mode=mode, engine_settings=settings,
                                 progress=progress)
    for target in reindex_ops.TARGETS:
        c = report.counts[target.entity]
        click.echo(f"{target.label}: {c.read:,} read, {c.changed:,} changed, "
                   f"{c.written:,} written in {c.seconds:.1f} s "
                   f"({c.published:,} published changes with history and feed rows, "
                   f"{c.syllables:,} syllable-index and {c.search:,} search rebuilds, "
                   f"{c.skipped:,} edited meanwhile, {c.failed:,} failed)")
    if report.rebuilt is not None:
        r = report.rebuilt
        click.echo(f"keys and syllable index rebuilt and swapped in: indexes built in "
                   f"{r.index_seconds:.1f} s; writers waited {r.locked_seconds:.1f} s; "
                   f"{r.settled + r.taken:,} names written meanwhile or not computed kept "
                   "their live rows")
    if dry_run:
        click.echo("试运行，未写入任何内容 / dry run: nothing written")
    if report.failed_total:
        for f in report.failures[:MAX_LISTED]:
            click.echo(f"  {f.entity} {f.id} {f.name}: {f.message}", err=True)
        more = report.failed_total - min(len(report.failures), MAX_LISTED)
        if more > 0:
            click.echo(f"  … and {more} more", err=True)
        click.echo(f"{report.failed_total} 个名称无法由名称引擎读取，保持原样（如读音不符）；"
                   f"其余已处理 / {report.failed_total} names could not be read by the names "
                   "engine and were left as they are (a reading that no longer fits…); "
                   "the others were done", err=True)
        sys.exit(65)
