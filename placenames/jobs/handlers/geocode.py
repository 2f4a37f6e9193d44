"""Batch address matching of an uploaded spreadsheet, and the purge of old lists."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from flask import Flask

from ...ops.jobs import records
from .scratch import scratch_dir

GEOCODE = "geocode_batch"


def geocode_key(job_id: uuid.UUID) -> str:
    """The storage key of a batch geocoding's result CSV."""
    return f"geocode/{job_id}.csv"


def purge_geocode_files(store: Any, keep_days: int, now: float) -> int:
    """Delete the matched lists and their results stored more than ``keep_days`` ago (``now``
    in epoch seconds); how many files went."""
    limit = now - keep_days * 86400
    gone = 0
    for key, mtime in store.listing("geocode"):
        if mtime < limit:
            store.delete(key)
            gone += 1
    return gone


def geocode_file(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Geocode the job's stored spreadsheet, store the result CSV, write the audit event."""
    from ... import tables
    from ...models import AuditEvent
    from ...models.base import utcnow
    from ...ops.search import batch
    from ...storage import local_copy

    params = records.params_of(job)
    store = app.extensions["placenames.storage"]
    work = Path(tempfile.mkdtemp(prefix="geocode-", dir=scratch_dir(app)))
    try:
        with local_copy(store, params["input_key"], work) as path:
            table = tables.read_table(path, sheet=params.get("sheet") or None)
        index = table.column(params.get("column") or "地址")
        progress(0, len(table.rows))
        out = work / "result.csv"
        with tables.write_csv(out, [*table.header, *batch.OUT_COLUMNS]) as writer:
            counts = batch.geocode_rows(session, table.rows, index, writer.writerow,
                                        on_row=progress)
        session.rollback()
        store.put_file(geocode_key(job.id), out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = (f"{len(table.rows)} 行：完全匹配 {counts['exact']}，部分匹配 {counts['partial']}，"
               f"未匹配 {counts['none']}" + (f"，出错 {counts['failed']}" if counts["failed"]
                                              else "") + " / " +
               f"{len(table.rows)} rows: exact {counts['exact']}, partial {counts['partial']}, "
               f"none {counts['none']}" + (f", failed {counts['failed']}"
                                           if counts["failed"] else ""))
    token = uuid.UUID(params["token_id"]) if params.get("token_id") else None
    session.add(AuditEvent(at=utcnow(), actor_id=job.created_by_id, token_id=token,
                           entity_type="geocode", entity_id=str(job.id),
                           action="geocode_batch", note=summary))
    session.commit()
    return summary
