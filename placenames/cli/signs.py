"""``placenames signs …``: road-name signs (地名标志), their supervision and letters.

Writes name the acting account (``--actor USERNAME``; office clerks keep signs) and are
recorded in the audit trail. Exit status: 0 done, 64 bad input, 66 not found, 75 the sign is
not in a state that allows it, 77 the account's roles do not allow it.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import current_app

from .. import db
from ..errors import BadInput
from ..ops.signs import letter, lifecycle, printing, register, supervision
from ..plates.ids import display_plate_id
from ..plates.pdf import write_manifest_csv
from ..plates.signs import SignKind
from ..workflow.deadlines import china_date
from ..workflow.sign_duties import DUTY_LABELS_ZH
from ..workflow.signs import KIND_LABELS_ZH, STATE_LABELS_ZH, SignAction, SignState
from . import main, with_app, write_output
from .plans import ACTOR, _actor, _date


@main.group(name="signs")
def signs_group() -> None:
    """Road-name signs (地名标志): propose, record, supervise, print letters."""


def _now() -> datetime:
    return datetime.now(UTC)


def _days() -> int:
    return int(current_app.config.get("SIGN_DAYS", 60))


@signs_group.command()
@click.argument("road", required=False)
@click.option("--all", "every", is_flag=True,
              help="every road, street and lane in force that has no sign yet")
@click.option("--accept", is_flag=True, help="record the proposed signs as required signs")
@click.option("--unit", default=None, help="the responsible unit of the accepted signs")
@click.option("--kind", type=click.Choice([k.value for k in SignKind]), default=None,
              help="sign kind (default: lane signs for lanes, street signs otherwise)")
@click.option("--size", type=click.Choice(list(register.SIZES)), default="medium")
@click.option("--actor", default=None, help="username of the acting account (with --accept)")
@with_app
def propose(road: str | None, every: bool, accept: bool, unit: str | None, kind: str | None,
            size: str, actor: str | None) -> None:
    """Propose ROAD's required signs (its ends and crossings) from its geometry.

    ROAD is the name of a road, street or lane in force, or its id; ``--all`` proposes for
    every one that has no sign yet. Sites already served by one of the road's signs are left
    out, so proposing again after accepting proposes none.
    """
    s = db.session()
    if bool(road) == every:
        raise BadInput("请给出一条道路，或用 --all / give one ROAD or --all")
    places = register.roads_without_signs(s) if every else [register.road(s, road or "")]
    user = None
    if accept:
        if not actor:
            raise BadInput("记录标志须指定 --actor / --accept needs --actor")
        user = _actor(actor)
        lifecycle.decide(SignState.REQUIRED, SignAction.ASSIGN, user)  # clerks only
    now = _now()
    owner = register.unit_by_name(s, unit) if unit and accept else None
    proposed = recorded = 0
    for place in places:
        sites = register.propose(s, place)
        for site in sites:
            click.echo(f"{place.name}  {site.role:<9} {site.lon:.6f},{site.lat:.6f}  "
                       f"facing {site.bearing:5.1f}°  {site.description()}")
        proposed += len(sites)
        if user is not None:
            recorded += len(register.accept(s, place, sites, unit=owner, actor=user, now=now,
                                            today=china_date(now), kind=kind or "", size=size,
                                            days=_days()))
    s.commit()
    where = f"{len(places)} road(s)" if every else places[0].name
    click.echo(f"{proposed} sign(s) proposed for {where}")
    if user is not None:
        click.echo(f"{recorded} sign(s) recorded" if recorded else "nothing recorded")


@signs_group.command(name="list")
@click.argument("road")
@with_app
def list_signs(road: str) -> None:
    """List ROAD's live signs: id, kind, state, unit, due date, where."""
    s = db.session()
    place = register.road(s, road)
    for sign in register.live_signs(s, place.id):
        mark = f" [{sign.pending}]" if sign.pending else ""
        click.echo(f"{display_plate_id(sign.sign_id)}  {KIND_LABELS_ZH[SignKind(sign.kind)]}  "
                   f"{STATE_LABELS_ZH[SignState(sign.status)]}{mark}  "
                   f"{sign.unit.name if sign.unit else '-'}  due {sign.due_on}  "
                   f"{sign.description}")


@signs_group.command(name="set")
@click.argument("sign_id")
@click.argument("action", type=click.Choice([a.value for a in SignAction]))
@ACTOR
@click.option("--on", "on", default=None, help="the day it was done (YYYY-MM-DD; default today)")
@click.option("--installer", default=None, help="who installed it (install)")
@click.option("--unit", default=None, help="the responsible unit (assign)")
@click.option("--note", default=None)
@with_app
def set_state(sign_id: str, action: str, actor: str, on: str | None, installer: str | None,
              unit: str | None, note: str | None) -> None:
    """Take ACTION on the sign SIGN_ID (order, install, report_damaged, replace…)."""
    s = db.session()
    sign = register.get(s, sign_id)
    now = _now()
    today = china_date(now)
    successor = lifecycle.act(s, sign, action, lifecycle.SignChange(
        on=_date(on) or today, installer=installer, note=note, unit=unit),
        actor=_actor(actor), now=now, today=today, days=_days())
    s.commit()
    click.echo(f"{display_plate_id(sign.sign_id)}: {STATE_LABELS_ZH[SignState(sign.status)]}")
    if successor is not None:
        click.echo(f"replacement required: {display_plate_id(successor.sign_id)} "
                   f"due {successor.due_on}")


@signs_group.command()
@click.option("--as-of", "as_of", default=None, help="the day to judge deadlines by")
@with_app
def overdue(as_of: str | None) -> None:
    """Responsible units with their outstanding and late signs, late units first."""
    today = _date(as_of) or china_date(_now())
    rows = supervision.dashboard(db.session(), today)
    for t, _ in rows:
        duties = ", ".join(f"{DUTY_LABELS_ZH[d]} {n}" for d, n in sorted(t.outstanding.items()))
        click.echo(f"{t.unit}: late {t.late}, outstanding {t.outstanding_total} ({duties or '-'})"
                   f", standing {t.standing}")
    if not rows:
        click.echo("no signs recorded")


@signs_group.command(name="letter")
@click.argument("unit")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", default=None)
@with_app
def print_letter(unit: str, out: Path, as_of: str | None) -> None:
    """Print the notice letter (督办通知) to UNIT listing its outstanding signs."""
    s = db.session()
    owner = register.unit_by_name(s, unit, create=False)
    today: date = _date(as_of) or china_date(_now())
    pdf = letter.render(s, owner.id, today, office=current_app.config.get("OFFICE_NAME", ""))
    write_output(out, pdf)
    click.echo(f"letter to {owner.name} written to {out} ({len(pdf)} bytes)")


@signs_group.command(name="print")
@click.option("--road", default=None, help="the road's name or id: its signs still to be made")
@click.option("--unit", default=None, help="a responsible unit: its signs still to be made")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", type=click.Choice(list(printing.SHEETS)), default="fit",
              help="fit: each sign on its own page at full size; A4/A3: scaled proofs")
@click.option("--qr", is_flag=True, help="a QR code on every sign, not only on QR signs")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the manifest (CSV) here")
@with_app
def print_signs(road: str | None, unit: str | None, out: Path, sheet: str, qr: bool,
                manifest: Path | None) -> None:
    """Print the signs still to be made of a road or a unit as one PDF with cut marks."""
    s = db.session()
    place_id = register.road(s, road).id if road else None
    unit_id = register.unit_by_name(s, unit, create=False).id if unit else None
    pairs = printing.signs_to_make(s, place_id=place_id, unit_id=unit_id)
    buf = io.BytesIO()
    rows = printing.render(pairs, buf, base_url=current_app.config["PUBLIC_BASE_URL"],
                           sheet=sheet, qr=qr,  # type: ignore[arg-type]
                           sizes=printing.office_sizes(current_app.config))
    write_output(out, buf.getvalue())
    if manifest is not None:
        text = io.StringIO(newline="")
        write_manifest_csv(rows, text)
        write_output(manifest, text.getvalue().encode("utf-8"))
    click.echo(f"{len(rows)} sign(s) written to {out}")
