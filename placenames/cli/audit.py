"""``placenames audit verify``: check the tamper-evident audit log (for cron).

Exit 0 printing ``ok: N events`` and the head; exit 1 naming the first problem (Chinese /
English) on standard error. With ``--anchor FILE`` the head's ``seq`` and hash are appended
to FILE after every clean run and the chain must still hold the hash FILE recorded last, so
events deleted from the end, or a chain rewritten from an edit onwards, are found too (keep
FILE where the database's users cannot write, ideally on another machine).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from .. import db
from ..errors import BadInput
from . import main, with_app


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command()
@click.option("--anchor", "anchor_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="a file keeping the chain's head outside the database: "
              "checked, then appended to after a clean run")
@with_app
def verify(anchor_file: Path | None) -> None:
    """Recompute the audit chain and the record digests; exit 1 at the first problem."""
    from ..ops.audit import verify as ops

    anchor = None
    if anchor_file is not None and anchor_file.exists():
        try:
            anchor = ops.parse_anchor(anchor_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadInput(f"锚定文件格式不对 / the anchor file is malformed: {exc}") from None
    report = ops.verify(db.engine(), anchor=anchor)
    if not report.ok:
        first = report.problems[0]
        more = len(report.problems) - 1
        click.echo(f"审计日志校验失败 / audit log check failed: {first.text()}", err=True)
        if more:
            plus = "+" if report.truncated else ""
            click.echo(f"另有 {more}{plus} 个问题 / {more}{plus} more problems:", err=True)
            for problem in report.problems[1:]:
                click.echo(f"  {problem.text()}", err=True)
        sys.exit(1)
    click.echo(f"ok: {report.entries} events")
    if report.head is not None:
        click.echo(f"head: {report.head[0]} {report.head[1]}")
        if anchor_file is not None:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            with anchor_file.open("a", encoding="utf-8") as f:
                f.write(f"{report.head[0]} {report.head[1]} {stamp}\n")
