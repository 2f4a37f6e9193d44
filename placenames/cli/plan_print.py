"""``placenames plan print CODE --out FILE.pdf``: the printed naming plan.

The command is a subcommand of the ``plan`` group (added on import). The PDF is
written to a temporary file beside ``FILE.pdf`` and renamed into place, so a failed run never
leaves a half-written plan. An unknown code exits 66, a file that cannot be written 73.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from .. import db
from ..ops.plans import report
from ..workflow import CHINA_TZ
from . import with_app, write_output
from .plans import plan_group


@click.command(name="print")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
@with_app
def print_plan(code: str, out: Path) -> None:
    """Print the naming plan CODE as a PDF: title page, reserved names by area and by theme,
    and its map."""
    rep = report.build(db.session(), code, today=datetime.now(CHINA_TZ).date(),
                       office=current_app.config["OFFICE_NAME"])
    pdf = report.render_pdf(rep)
    write_output(out, pdf)
    planned = sum(1 for r in rep.rows if r.planned)
    click.echo(f"{out}: {rep.title} ({rep.code}), {len(rep.rows)} reserved names, "
               f"{planned} still planned, {len(pdf) // 1024} KB")


plan_group.add_command(print_plan)
