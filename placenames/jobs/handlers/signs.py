"""A responsible unit's signs still to be made, drawn as one print-ready PDF with its manifest."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from flask import Flask

from ...ops.jobs import records
from .scratch import scratch_dir

SIGN_BATCH = "sign_batch"


def sign_batch_keys(job_id: uuid.UUID) -> tuple[str, str]:
    """The storage keys of a sign batch's PDF and manifest."""
    return f"sign-batches/{job_id}.pdf", f"sign-batches/{job_id}.manifest.csv"


def render_sign_batch(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Draw the unit's signs still to be made on the job's sheet; store PDF and manifest."""
    from ...ops.signs import printing
    from ...plates.pdf import write_manifest_csv

    params = records.params_of(job)
    pairs = printing.signs_to_make(session, unit_id=uuid.UUID(params["unit_id"]))
    progress(0, len(pairs))
    work = Path(tempfile.mkdtemp(prefix="signs-", dir=scratch_dir(app)))
    try:
        pdf, manifest = work / "signs.pdf", work / "signs.manifest.csv"
        with pdf.open("wb") as out:
            rows = printing.render(pairs, out, base_url=app.config["PUBLIC_BASE_URL"],
                                   sheet=params.get("sheet") or "fit",
                                   qr=bool(params.get("qr")),
                                   sizes=printing.office_sizes(app.config))
        session.rollback()
        with manifest.open("w", encoding="utf-8", newline="") as text:
            write_manifest_csv(rows, text)
        store = app.extensions["placenames.storage"]
        pdf_key, manifest_key = sign_batch_keys(job.id)
        store.put_file(manifest_key, manifest)
        store.put_file(pdf_key, pdf)  # last: a stored PDF means the batch is complete
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(len(pairs), force=True)
    return f"已绘制 {len(pairs)} 块标志 / {len(pairs)} signs drawn"
