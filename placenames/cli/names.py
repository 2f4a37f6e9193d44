"""Commands of the names engine: romanize, check-name."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import from_environment
from ..naming import lexicon
from ..naming import romanize as romanize_name
from ..naming.errors import NamingError
from ..naming.romanize import STYLES
from . import main, with_app

if TYPE_CHECKING:
    from ..ops.names import screen as screen_ops_type


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--style", type=click.Choice(list(STYLES)), default="standard",
              show_default=True,
              help="standard (Hohhot Shi), tone (tone marks), sign (capitals), pinyin (plain "
                   "Hanyu Pinyin: Huhehaote Shi, Dali Baizu Zizhizhou)")
@click.option("--class", "cls", default=None, help="class of the named feature (road, village…)")
def romanize(names: tuple[str, ...], style: str, cls: str | None) -> None:
    """Print the standard romanization of each NAME (``-`` reads one name per line).

    The office's lexicon folder (``PLACENAMES_LEXICON_DIR``) is used when set.
    """
    try:
        directory = from_environment().get("LEXICON_DIR")
        if directory and not Path(directory).is_dir():
            raise click.UsageError(f"PLACENAMES_LEXICON_DIR is not a folder: {directory}")
        lexicon.install(Path(directory) if directory else None)
    except NamingError as exc:
        click.echo(f"PLACENAMES_LEXICON_DIR: {exc.message_zh} / {exc.message_en}", err=True)
        sys.exit(64)
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


def _parse_near(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        lon, lat = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise click.BadParameter("expected LON,LAT, e.g. 108.83,34.27", param_hint="--near") \
            from exc
    return lon, lat


@main.command(name="check-name")
@click.argument("name")
@click.option("--class", "cls", required=True, help="class of the feature (road, bridge, village…)")
@click.option("--area", default=None, help="division code of the place (e.g. 610112002)")
@click.option("--near", default=None, help="LON,LAT of the feature (CGCS2000)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@with_app
def check_name(name: str, cls: str, area: str | None, near: str | None, as_json: bool) -> None:
    """Screen NAME: romanization, naming rules, duplicates and homophones in its legal scope.

    Exit status: 0 clear, 1 warnings only, 2 blocked, 64 bad arguments.
    """
    from .. import db
    from ..errors import BadInput
    from ..ops.names import screen as screen_ops

    try:
        point = _parse_near(near)
    except click.BadParameter as exc:
        raise BadInput(exc.format_message()) from exc
    result = screen_ops.screen(db.session(), name, cls, area_code=area, near=point)
    if as_json:
        click.echo(json.dumps(screen_ops.as_dict(result), ensure_ascii=False, indent=2))
    else:
        _print_result(result)
    sys.exit({"clear": 0, "warn": 1, "block": 2}[result.verdict])


def _print_result(result: screen_ops_type.ScreenResult) -> None:
    click.echo(f"{result.name}  {result.romanization}  [{result.cls}]  "
               f"范围/scope: {result.scope.label_zh}")
    for f in result.findings:
        click.echo(f"  {f.severity:5} {f.code}: {f.message_zh} / {f.message_en}")
    for h in result.hits:
        where = result.jurisdiction_names.get(h.jurisdiction_code or "", h.jurisdiction_code)
        dist = f" {h.distance_m:.0f} m" if h.distance_m is not None else ""
        record = f" [区划/division {h.code} {h.level}]" if h.record == "division" else ""
        click.echo(f"  {h.severity:5} {h.kind}: {h.name}{record} ({h.status}, "
                   f"{where or '-'}{dist}) {h.reason_zh}")
    click.echo(f"结论/verdict: {result.verdict}")


@main.command(name="set-reading")
@click.argument("name")
@click.argument("reading")
@click.option("--area", default=None, help="division code, when several places share NAME")
@with_app
def set_reading(name: str, reading: str, area: str | None) -> None:
    """Store a staff READING for the place NAME (e.g. "yue yang lu"); ``-`` clears it.

    The reading then drives the name's romanization, keys, plates and exports.
    """
    from .. import db
    from ..ops.registry import places

    s = db.session()
    place = places.set_reading(s, name, None if reading == "-" else reading, area_code=area)
    s.commit()
    click.echo(f"{place.name}: {place.romanization}")
