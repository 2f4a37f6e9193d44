"""Print batches of door plates: draw the PDF and manifest, store them, the PDF last."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from ...models import PrintBatch
from ...models.plates import BatchStatus
from ...ops.jobs import records
from ...ops.plates import batches as plate_ops
from .scratch import scratch_dir

PLATE_BATCH = "plate_batch"


def batch_keys(batch_id: uuid.UUID) -> tuple[str, str]:
    """The storage keys of a batch's PDF and manifest (:mod:`placenames.storage`)."""
    return f"batches/{batch_id}.pdf", f"batches/{batch_id}.manifest.csv"


def render_plate_batch(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Draw the batch named in the job's parameters, reporting each plate drawn."""
    params = records.params_of(job)
    batch_id = uuid.UUID(params["batch_id"])
    actor_id = uuid.UUID(params["actor_id"]) if params.get("actor_id") else None
    batch = session.get(PrintBatch, batch_id)
    if batch is None:
        raise LookupError(f"no batch {batch_id}")
    plate_ops.start_rendering(batch)
    session.commit()
    key = app.config.get("PLATE_HMAC_KEY")
    specs = plate_ops.batch_specs(session, batch, base_url=app.config["PUBLIC_BASE_URL"],
                                  key=key.encode() if key else None)
    session.commit()  # no read transaction held while drawing
    progress(0, len(specs))
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=scratch_dir(app)))
    pdf = work / f"{batch_id}.pdf"
    manifest = plate_ops.manifest_path_for(pdf)

    def on_progress(n: int) -> None:
        if n % 25 == 0 or n == len(specs):
            plate_ops.set_progress(session, batch_id, n)
            session.commit()
            progress(n)

    try:
        plate_ops.render_files(specs, pdf, manifest, sheet=batch.sheet,
                               title=plate_ops.batch_title(batch), on_progress=on_progress)
        store = app.extensions["placenames.storage"]
        pdf_key, manifest_key = batch_keys(batch_id)
        store.put_file(manifest_key, manifest)
        store.put_file(pdf_key, pdf)  # last: a stored PDF means the batch is complete
    except BaseException:
        session.rollback()
        batch = session.get(PrintBatch, batch_id)
        if batch is not None and batch.status == BatchStatus.RENDERING:
            batch.status, batch.rendered_count = BatchStatus.ISSUED, 0
            session.commit()
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    session.refresh(batch)
    plate_ops.finish_rendering(session, batch, actor_id=actor_id, now=datetime.now(UTC))
    session.commit()
    return f"已绘制 {len(specs)} 块门牌 / {len(specs)} plates drawn"
