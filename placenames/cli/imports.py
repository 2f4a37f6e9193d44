"""``placenames import names|addresses FILE``: an office's existing register, with a report.

The file (CSV, XLSX, GeoJSON, GeoPackage or a shapefile) is checked row by row; with no error
it is imported in one transaction (exit 0), else nothing is written and the report says why
(exit 65). ``--dry-run`` checks and reports without writing; ``--report FILE`` writes every
problem as CSV (UTF-8 with a byte-order mark).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from .. import db
from ..ops.exchange import report as reports
from . import import_, with_app

KINDS = ("names", "addresses")


def _command(kind: str) -> click.Command:
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--sheet", help="the workbook sheet to read (default: the first)")
    @click.option("--layer", help="the GeoPackage/GeoJSON layer to read (default: the only one)")
    @click.option("--dry-run", is_flag=True, help="check and report, write nothing")
    @click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="write every problem to this CSV file")
    @with_app
    def run(path: Path, sheet: str | None, layer: str | None, dry_run: bool,
            report_path: Path | None) -> None:
        from ..ops.exchange.imports import import_file
        from ..tables import check_output

        if report_path is not None:
            check_output(report_path, source=path)
        s = db.session()
        with ExitStack() as stack:
            result = import_file(s, path, kind, sheet=sheet, layer=layer, dry_run=dry_run,
                                 on_progress=_Progress(stack, f"{kind} ← {path.name}"))
        if result.imported:
            s.commit()
        if report_path is not None:
            reports.write_csv(result, report_path)
        _print(result, report_path)
        if result.errors:
            sys.exit(65)  # EX_DATAERR: rejected, nothing imported

    run.__doc__ = (f"Import {kind} from a CSV, XLSX, GeoJSON or GeoPackage file (re-importing "
                   "updates; all or nothing).")
    return import_.command(name=kind)(run)


class _Progress:
    """A progress bar on a terminal (opened at the first call); ``done/total rows`` lines
    otherwise (a log, a test)."""

    def __init__(self, stack: ExitStack, label: str) -> None:
        self.stack, self.label = stack, label
        self.bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if not sys.stderr.isatty():
            click.echo(f"  {done}/{max(total or done, done)} rows", err=True)
            return
        if self.bar is None:
            self.bar = self.stack.enter_context(click.progressbar(
                length=max(total or done, done, 1), label=self.label, file=sys.stderr,
                show_pos=True))
        self.bar.length = max(self.bar.length or 0, done)
        self.bar.update(done - self.bar.pos)


def _print(result: reports.Report, report_path: Path | None) -> None:
    source = ", ".join(f"{k} {v}" for k, v in result.source.items() if k != "sha256")
    click.echo(f"{result.file_name}" + (f" ({source})" if source else ""))
    shown = result.sorted_problems()[:reports.SHOWN_ON_SCREEN]
    for p in shown:
        where = f"row {p.row}" if p.row else "file"
        field = f" [{p.field}]" if p.field else ""
        click.echo(f"  {where}{field} {p.severity}: {p.zh} / {p.en}",
                   err=p.severity == reports.ERROR)
    if len(result.problems) > len(shown):
        more = len(result.problems) - len(shown)
        click.echo(f"  … {more} more" + (f" in {report_path}" if report_path else
                                         " (write them all with --report FILE)"))
    click.echo(result.summary("zh"))
    click.echo(result.summary("en"))


for _kind in KINDS:
    _command(_kind)
