"""``placenames gazetteer --area CODE --out FILE.pdf [--as-of YYYY-MM-DD]``: the gazetteer
(地名录·地名图册) of the New Area or one new city, as the register stood on a date.

The PDF is written to a temporary file beside ``FILE.pdf`` and renamed into place, so a failed
run never leaves a half-written book. An unknown area exits 66, a bad or future date 64, a
file that cannot be written 73.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from .. import db
from ..gazetteer.pdf import render_pdf
from ..ops.gazetteer.build import build, parse_as_of
from ..workflow import CHINA_TZ
from . import main, with_app, write_output


@main.command(name="gazetteer")
@click.option("--area", required=True, help="The management area's code (e.g. xixian, "
              "xixian-fengdong).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The date the edition stands on (default: today, China time).")
@with_app
def gazetteer(area: str, out: Path, as_of: str | None) -> None:
    """Print the gazetteer of AREA as a PDF: cover, contents, a map and a table of names per
    chapter, and the index by romanization; the names in force at the end of the date."""
    today = datetime.now(CHINA_TZ).date()
    day = parse_as_of(as_of, today)
    book = build(db.session(), area, as_of=day, today=today,
                 office=current_app.config["OFFICE_NAME"])
    pdf = render_pdf(book)
    write_output(out, pdf)
    click.echo(f"{out}: {book.title} as of {day.isoformat()}, {book.count} names in "
               f"{len(book.chapters)} chapters, {len(pdf) // 1024} KB")
