"""Commands of the names engine: romanize (and check-name)."""

from __future__ import annotations

import sys

import click

from ..naming import romanize as romanize_name
from ..naming.errors import NamingError
from . import main


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--style", type=click.Choice(["standard", "sign", "tone"]), default="standard",
              show_default=True)
@click.option("--class", "cls", default=None, help="class of the named feature (road, village…)")
def romanize(names: tuple[str, ...], style: str, cls: str | None) -> None:
    """Print the standard romanization of each NAME (``-`` reads one name per line)."""
    items = [line.strip() for line in sys.stdin if line.strip()] if names == ("-",) else names
    failed = False
    for name in items:
        try:
            click.echo(romanize_name(name, cls, style=style))  # type: ignore[arg-type]
        except NamingError as exc:
            click.echo(f"{name}: {exc.message_zh} / {exc.message_en}", err=True)
            failed = True
    if failed:
        sys.exit(65)
