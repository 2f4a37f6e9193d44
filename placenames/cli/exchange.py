"""Commands of data sharing: open-data files.

``placenames export --format csv --format gpkg --out DIR`` writes ``names.<ext>`` and
``addresses.<ext>`` of each format and ``manifest.json`` into DIR; ``--publish`` writes them
into the published release that the /open-data page lists, atomically: the folder
``OPEN_DATA_DIR``, or the object store when ``STORAGE_URL`` is set
(:mod:`placenames.ops.exchange.published`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app

from .. import config, db
from ..errors import BadInput
from ..models.base import utcnow
from ..ops.exchange import export as export_ops
from ..ops.exchange import published
from . import main, with_app


class _Progress:
    """A click progress bar per kind of record, on stderr."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}
        self.seen: dict[str, int] = {}

    def __call__(self, kind: str, done: int, total: int) -> None:
        bar = self.bars.get(kind)
        if bar is None:
            label = {"names": "地名 names", "addresses": "地址 addresses"}.get(kind, kind)
            bar = click.progressbar(length=max(total, 1), label=f"{label:<16}",
                                    file=sys.stderr, show_pos=True)
            bar.__enter__()
            self.bars[kind] = bar
            self.seen[kind] = 0
        bar.length = max(total, 1)
        bar.update(done - self.seen[kind])
        self.seen[kind] = done

    def close(self) -> None:
        for bar in self.bars.values():
            bar.__exit__(None, None, None)
        self.bars.clear()


@main.command("export")
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help=f"one of {', '.join(export_ops.FORMATS)}; repeat for several "
                   "(default: all)")
@click.option("--historical", is_flag=True,
              help="include renamed and cancelled names and retired addresses")
@click.option("--out", type=click.Path(path_type=Path),
              help="the folder to write into (made if missing)")
@click.option("--publish", is_flag=True,
              help="write into the published open-data folder (OPEN_DATA_DIR) instead")
@with_app
def export_cmd(formats: tuple[str, ...], historical: bool, out: Path | None,
               publish: bool) -> None:
    """Write the register's names and addresses as open-data files, with a manifest."""
    if (out is None) == (not publish):
        raise BadInput("请给出 --out 目录或 --publish（二选一）/ give --out DIR or --publish "
                       "(one of them)")
    wanted = export_ops.check_formats(formats)
    licence = export_ops.parse_licence(current_app.config["OPEN_DATA_LICENCE"])
    target = out if out is not None else config.open_data_dir(current_app.config,
                                                              current_app.instance_path)
    progress = _Progress()
    kwargs: dict[str, Any] = {"now": utcnow(), "licence": licence, "historical": historical,
                              "on_progress": progress}
    try:
        if publish:
            manifest = published.publish_release(
                db.engine(), current_app.extensions["placenames.storage"], target, wanted,
                scratch=Path(current_app.instance_path) / "tmp", **kwargs)
        else:
            manifest = export_ops.export_to(db.engine(), target, wanted, **kwargs)
    finally:
        progress.close()
    for f in manifest.files:
        click.echo(f"{f.name:<20} {f.records:>10,} records {f.bytes:>14,} bytes  "
                   f"sha256 {f.sha256}")
    where = "published to" if publish else "written to"
    if publish and current_app.extensions["placenames.storage"].remote:
        where, target = "published to the object store under", Path(published.PREFIX)
    click.echo(f"{len(manifest.files)} files and {export_ops.MANIFEST} {where} {target} "
               f"({manifest.licence.name}{', with history' if historical else ''})")
