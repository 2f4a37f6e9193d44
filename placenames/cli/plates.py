"""Commands for door plates: print batches (with a progress bar) and status changes.

``placenames plates batch --road 建章路 --out plates.pdf`` stores the plate ids and positions
(committed) before it renders, prints the batch id, then draws the PDF with a progress bar and
writes ``plates.manifest.csv`` beside it; both files appear only when complete. If the process
is killed, ``placenames plates batch --resume BATCH_ID --out plates.pdf`` renders the same
batch again: the same ids at the same positions, no duplicate, no gap.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import click
from sqlalchemy import select

from .. import db
from ..errors import BadInput, NotFound
from ..models import PrintBatch, User
from ..ops.plates import batches as plate_ops
from ..ops.plates.lifecycle import Change, parse_status, transition
from ..plates.layout import PlateSpec
from . import main, with_app

PAUSE_ENV = "PLACENAMES_BATCH_PAUSE_MS"
"""Milliseconds to pause after each plate drawn (to watch the progress, and in crash tests)."""


@main.group()
def plates() -> None:
    """QR door plates: print batches and the plate lifecycle."""


def _actor(username: str | None) -> uuid.UUID | None:
    if not username:
        return None
    user = db.session().scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户 {username}。 No user {username}.")
    return user.id


def _selection(area: str | None, road: str | None, community: str | None,
               csv_path: Path | None) -> plate_ops.Selection | None:
    given = [(k, v) for k, v in (("area", area), ("road", road), ("community", community),
                                 ("csv", csv_path)) if v]
    if len(given) > 1:
        raise BadInput("只能指定一种选择方式。 "
                       "Give only one of --area, --road, --community, --csv.")
    if not given:
        return None
    kind, value = given[0]
    if kind == "csv":
        try:
            text = Path(str(value)).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"无法读取 CSV / cannot read {value}: {exc}") from None
        return plate_ops.make_selection("csv", csv_text=text)
    return plate_ops.make_selection(kind, str(value))


@plates.command("batch")
@click.option("--area", help="jurisdiction or management-area code")
@click.option("--road", help="road name")
@click.option("--community", help="community/village code (12 digits)")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV file, first column the address codes")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small",
              show_default=True)
@click.option("--sheet", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the PDF to write; the manifest goes beside it (.manifest.csv)")
@click.option("--resume", "resume", metavar="BATCH_ID", help="render an existing batch again")
@click.option("--name", help="a name for the new batch")
@click.option("--actor", help="username recorded in the audit trail")
@with_app
def batch(area: str | None, road: str | None, community: str | None, csv_path: Path | None,
          size: str, sheet: str, out: Path, resume: str | None, name: str | None,
          actor: str | None) -> None:
    """Issue plate ids for a selection (or resume a batch) and render the print PDF."""
    from flask import current_app

    s = db.session()
    actor_id = _actor(actor)
    sel = _selection(area, road, community, csv_path)
    if resume:
        if sel is not None:
            raise BadInput("--resume 不能与选择条件同用。 --resume takes no selection.")
        b = plate_ops.find_batch(s, resume)
    elif sel is None:
        raise BadInput("请指定 --area、--road、--community、--csv 或 --resume。 "
                       "Give a selection or --resume.")
    else:
        b = plate_ops.create_batch(s, sel, size=size, sheet=sheet, actor_id=actor_id,
                                   now=datetime.now(UTC), name=name)
    s.commit()  # ids and positions are stored before anything is drawn
    click.echo(f"batch {b.id}: {b.plate_count} plates stored", err=True)
    specs = plate_ops.batch_specs(s, b, base_url=current_app.config["PUBLIC_BASE_URL"],
                                  key=_key())
    plate_ops.start_rendering(b)
    s.commit()
    _render(b, specs, out)
    plate_ops.finish_rendering(s, b, actor_id=actor_id, now=datetime.now(UTC))
    s.commit()
    click.echo(f"{out}\n{plate_ops.manifest_path_for(out)}")


def _key() -> bytes | None:
    from flask import current_app

    key = current_app.config.get("PLATE_HMAC_KEY")
    return key.encode() if key else None


def _render(b: PrintBatch, specs: list[PlateSpec], out: Path) -> None:
    """Draw the batch with a progress bar on stderr; progress also goes to the database."""
    pause = float(os.environ.get(PAUSE_ENV, "0") or 0) / 1000
    session = db.session()
    with click.progressbar(length=len(specs), label="rendering", file=sys.stderr,
                           show_pos=True) as bar:
        def on_progress(n: int) -> None:
            bar.update(1)
            if n % 50 == 0 or n == len(specs):
                plate_ops.set_progress(session, b.id, n)
                session.commit()
            if pause:
                time.sleep(pause)

        plate_ops.render_files(specs, out, plate_ops.manifest_path_for(out), sheet=b.sheet,
                               title=plate_ops.batch_title(b), on_progress=on_progress)
    session.refresh(b)


@plates.command("set-status")
@click.argument("plate_id")
@click.argument("status")
@click.option("--date", "on", help="installation date, YYYY-MM-DD (default today)")
@click.option("--installer", help="who installed the plate")
@click.option("--photo", help="path of the installation photo")
@click.option("--note", help="a note for the audit trail")
@click.option("--actor", help="username recorded in the audit trail")
@with_app
def set_status(plate_id: str, status: str, on: str | None, installer: str | None,
               photo: str | None, note: str | None, actor: str | None) -> None:
    """Move plate PLATE_ID to STATUS (printed, installed, damaged, replaced, revoked)."""
    s = db.session()
    plate = plate_ops.find_plate(s, plate_id)
    target = parse_status(status)
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise BadInput(f"日期格式应为 YYYY-MM-DD / bad date: {on}") from None
    old = plate.status
    new = transition(s, plate, Change(target, note=note, installed_on=day, installer=installer,
                                      photo_path=photo), actor_id=_actor(actor),
                     now=datetime.now(UTC))
    s.commit()
    click.echo(f"{plate.plate_id}: {old} -> {plate.status}")
    if new is not None:
        click.echo(f"replacement plate {new.plate_id} (ordered; add it to a batch to print)")


@plates.command("mark-printed")
@click.argument("batch_id")
@click.option("--actor", help="username recorded in the audit trail")
@with_app
def mark_printed(batch_id: str, actor: str | None) -> None:
    """Mark a rendered batch as printed: its ordered plates become printed."""
    s = db.session()
    b = plate_ops.find_batch(s, batch_id)
    n = plate_ops.mark_batch_printed(s, b, actor_id=_actor(actor), now=datetime.now(UTC))
    s.commit()
    click.echo(f"batch {b.id}: {n} plates printed")
