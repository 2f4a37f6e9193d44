"""The gazetteer: an area's book as of a date, and the public editions every instance sees."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask

from ...ops.jobs import records
from .scratch import scratch_dir

GAZETTEER = "gazetteer"


def gazetteer_key(job_id: uuid.UUID) -> str:
    """The storage key of the book a gazetteer job made."""
    return f"gazetteer/{job_id}.pdf"


def make_gazetteer(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Lay out the gazetteer of the job's area as of its date and store the PDF."""
    from datetime import date

    from ...gazetteer.pdf import render_pdf
    from ...ops.gazetteer.build import build
    from ...workflow import CHINA_TZ

    params = records.params_of(job)
    progress(0, 1)
    book = build(session, params["area"], as_of=date.fromisoformat(params["as_of"]),
                 today=datetime.now(CHINA_TZ).date(), office=app.config["OFFICE_NAME"])
    session.rollback()  # the book is read; no snapshot held while laying it out
    progress(0)
    pdf = render_pdf(book)
    work = Path(tempfile.mkdtemp(prefix="gazetteer-", dir=scratch_dir(app)))
    try:
        path = work / "book.pdf"
        path.write_bytes(pdf)
        app.extensions["placenames.storage"].put_file(gazetteer_key(job.id), path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return (f"{book.count} 个地名，{len(book.chapters)} 章，{len(pdf) // 1024} KB / "
            f"{book.count} names in {len(book.chapters)} chapters, {len(pdf) // 1024} KB")


GAZETTEER_EDITION = "gazetteer_edition"
EDITIONS = "gazetteer-public"


def edition_key(edition: str) -> str:
    """The storage key of a public gazetteer edition (``<area>-<date>-<versions>``)."""
    return f"{EDITIONS}/{edition}.pdf"


def make_edition(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Lay out today's edition of the job's area; store it; remove the area's older ones."""
    from ...gazetteer.pdf import render_pdf
    from ...ops.gazetteer.build import build
    from ...workflow import CHINA_TZ

    params = records.params_of(job)
    store = app.extensions["placenames.storage"]
    key = edition_key(params["edition"])
    if store.exists(key):
        return "已有 / already made"
    today = datetime.now(CHINA_TZ).date()
    book = build(session, params["area"], as_of=today, today=today,
                 office=app.config["OFFICE_NAME"])
    session.rollback()
    store.put_bytes(key, render_pdf(book))
    for old, _mtime in store.listing(EDITIONS):
        if old != key and old.startswith(f"{EDITIONS}/{params['area']}-"):
            store.delete(old)
    return f"{book.count} 个地名 / {book.count} names"
