"""Commands for house numbers: number a road's addresses, validate the stored numbers."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import db
from ..addressing.numbering import NumberingPolicy
from ..addressing.validate import Severity
from ..ops.addresses import numbering
from . import main, with_app


@main.group()
def addresses() -> None:
    """Standard addresses: house numbering along roads."""


def policy_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The numbering policy options shared by ``number`` and ``validate``."""
    options = [
        click.option("--policy", "preset", default="default", show_default=True,
                     type=click.Choice(list(numbering.PRESETS))),
        click.option("--origin", type=click.Choice(["start", "end", "east", "west", "north",
                                                    "south"])),
        click.option("--odd-side", type=click.Choice(["left", "right"])),
        click.option("--mode", type=click.Choice(["sequential", "distance"])),
        click.option("--interval", "interval_m", type=float, help="metres per number pair"),
        click.option("--skip", help="numbers never issued, comma-separated (4,13,14)"),
        click.option("--skip-4", "skip_containing_4", is_flag=True, default=None,
                     help="skip every number containing the digit 4"),
        click.option("--dead-end", type=click.Choice(["start", "end"])),
    ]
    return functools.reduce(lambda f, opt: opt(f), reversed(options), fn)


def _policy(preset: str, options: dict[str, Any]) -> NumberingPolicy:
    return numbering.parse_policy(preset, options)


@addresses.command("number")
@click.argument("road_name")
@policy_options
@click.option("--renumber", is_flag=True, help="number every address afresh (not only infill)")
@click.option("--dry-run", is_flag=True, help="show the numbers without storing them")
@with_app
def number(road_name: str, preset: str, renumber: bool, dry_run: bool, **options: Any) -> None:
    """Number the addresses along ROAD_NAME and store number, side, distance, road point."""
    s = db.session()
    road = numbering.find_road(s, road_name)
    report = numbering.number_addresses(s, road, _policy(preset, options), renumber=renumber,
                                        dry_run=dry_run)
    for c in report.changes:
        mark = "*" if c.changed else " "
        click.echo(f"{mark} {c.code}  {c.old or '-':>6} -> {c.new:<6} {c.side:<5} "
                   f"{c.distance_m:>8.1f} m {' '.join(c.notes)}".rstrip())
    for code in report.no_entrance:
        click.echo(f"  {code}  no entrance point: not numbered", err=True)
    changed = sum(c.changed for c in report.changes)
    if dry_run:
        s.rollback()
        click.echo(f"dry run: {changed} of {len(report.changes)} numbers would change")
    else:
        s.commit()
        click.echo(f"{road.name}: {len(report.changes)} addresses located, {changed} renumbered")


@addresses.command("validate")
@click.argument("road_name")
@policy_options
@with_app
def validate(road_name: str, preset: str, **options: Any) -> None:
    """Report numbers on the wrong side, out of order, duplicated; exit 65 on any error."""
    s = db.session()
    road = numbering.find_road(s, road_name)
    rows = numbering.validate_addresses(s, road, _policy(preset, options))
    for row in rows:
        f = row.finding
        click.echo(f"{f.severity:<7} {f.code:<14} {', '.join(row.codes)}  "
                   f"{f.message_zh} / {f.message_en}")
    errors = sum(r.finding.severity == Severity.ERROR for r in rows)
    click.echo(f"{road.name}: {len(rows)} findings, {errors} errors")
    if errors:
        sys.exit(65)
