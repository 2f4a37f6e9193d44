"""What each kind of job does. A handler gets the app, its own session, the job and a
:class:`~placenames.jobs.queue.Progress` to report to (which renews the lease and stops the job
when staff cancel it); it returns a short message for the job's record.

- ``plate_batch``: draw a print batch's PDF and manifest in a scratch folder, then store them
  (:mod:`placenames.storage`: the instance folder, or the object store), the PDF last. The plate
  ids and positions were stored when the batch was issued, so a batch drawn again (after its
  worker was killed) gives the same plates in the same slots; the files appear only when
  complete.
- ``gazetteer``: lay out the gazetteer of an area as of a date (:mod:`placenames.gazetteer`)
  and store the book; taken again after a crash, it is made again whole.
- ``gazetteer_edition``: lay out today's public edition of an area's gazetteer and keep it in
  the store for every instance (:mod:`placenames.web.gazetteer_public`), removing the area's
  older editions.
- ``import_check`` / ``import_run``: check a staff upload (a dry run) or import it
  (:mod:`placenames.ops.exchange.uploads`). An import is one transaction, so one killed
  mid-way left nothing and is run again whole; one killed after its commit but before its
  report was stored finds every row unchanged the second time (re-importing never duplicates).
- ``open_data``: publish a new open-data release (:mod:`placenames.ops.exchange.published`);
  a release appears only when all its files are written, so a publish killed mid-way leaves
  the previous release in place and is made again whole.
- ``reindex``: recompute every name's and division's derived fields
  (:mod:`placenames.ops.names.reindex`); each batch commits on its own and only rows that
  differ are written, so a reindex taken again after a crash passes quickly over what was done
  and goes on from there.
- ``sign_batch``: draw a responsible unit's signs still to be made as one print-ready PDF with
  its manifest (:mod:`placenames.ops.signs.printing`) and store both, the PDF last; taken again
  after a crash, it is drawn again whole.
- ``geocode_batch``: match every address of an uploaded spreadsheet to the register
  (:mod:`placenames.ops.search.batch`) and store the CSV; it only reads the register, so one
  taken again after a crash is simply run again.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from ..models import PrintBatch
from ..models.plates import BatchStatus
from ..ops.jobs import records
from ..ops.plates import batches as plate_ops

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
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=_scratch(app)))
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


def _scratch(app: Flask) -> Path:
    """Where jobs draw their files before they are stored (the instance folder)."""
    folder = Path(app.instance_path) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


GAZETTEER = "gazetteer"


def gazetteer_key(job_id: uuid.UUID) -> str:
    """The storage key of the book a gazetteer job made."""
    return f"gazetteer/{job_id}.pdf"


def make_gazetteer(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Lay out the gazetteer of the job's area as of its date and store the PDF."""
    from datetime import date

    from ..gazetteer.pdf import render_pdf
    from ..ops.gazetteer.build import build
    from ..workflow import CHINA_TZ

    params = records.params_of(job)
    progress(0, 1)
    book = build(session, params["area"], as_of=date.fromisoformat(params["as_of"]),
                 today=datetime.now(CHINA_TZ).date(), office=app.config["OFFICE_NAME"])
    session.rollback()  # the book is read; no snapshot held while laying it out
    progress(0)
    pdf = render_pdf(book)
    work = Path(tempfile.mkdtemp(prefix="gazetteer-", dir=_scratch(app)))
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
    from ..gazetteer.pdf import render_pdf
    from ..ops.gazetteer.build import build
    from ..workflow import CHINA_TZ

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


IMPORT_CHECK, IMPORT_RUN = "import_check", "import_run"


def check_upload(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Check the upload named in the job (a dry run) and store its report."""
    from ..ops.exchange import uploads

    store = app.extensions["placenames.storage"]
    upload = uploads.load(store, records.params_of(job)["sha256"])
    uploads.check(session, store, upload, scratch=_scratch(app),
                  on_progress=lambda done, total: progress(done, total))
    session.rollback()
    report = upload.check
    if report is None:
        return "已检查 / checked"
    return (f"已检查 {report.rows} 行，错误 {report.errors} 处 / {report.rows} rows checked, "
            f"{report.errors} errors")


def import_upload(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Import the checked upload named in the job; commit only when the report says so."""
    from ..ops.exchange import uploads

    params = records.params_of(job)
    store = app.extensions["placenames.storage"]
    actor = uuid.UUID(params["actor_id"]) if params.get("actor_id") else None
    upload, report = uploads.confirm(session, store, params["sha256"], actor_id=actor,
                                     scratch=_scratch(app),
                                     on_progress=lambda done, total: progress(done, total))
    if report.imported:
        session.commit()
    else:
        session.rollback()
    uploads.save(store, upload)
    counts = report.counts
    if not report.imported:
        return f"未导入：错误 {report.errors} 处 / not imported: {report.errors} errors"
    return (f"新增 {counts['new']}，更新 {counts['updated']}，未变 {counts['unchanged']} / "
            f"{counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged")


OPEN_DATA = "open_data"


def publish_open_data(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Publish the open-data files (every format) and write the audit event."""
    from .. import config
    from ..models import AuditEvent
    from ..models.base import utcnow
    from ..ops.exchange import export, published

    params = records.params_of(job)
    historical = bool(params.get("historical"))
    session.rollback()  # the export reads its own snapshot
    seen: dict[str, int] = {}

    def on_progress(kind: str, done: int, total: int) -> None:
        seen[kind] = total
        progress(sum(v for k, v in seen.items() if k != kind) + done, sum(seen.values()))

    manifest = published.publish_release(
        app.extensions["placenames.engine"], app.extensions["placenames.storage"],
        config.open_data_dir(app.config, app.instance_path), [], scratch=_scratch(app),
        now=utcnow(), licence=export.parse_licence(app.config["OPEN_DATA_LICENCE"]),
        historical=historical, on_progress=on_progress)
    actor = uuid.UUID(params["actor_id"]) if params.get("actor_id") else None
    summary = ", ".join(f"{f.name} {f.records}" for f in manifest.files)
    session.add(AuditEvent(at=utcnow(), actor_id=actor, entity_type="open_data",
                           entity_id=manifest.generated_at[:40], action="publish_open_data",
                           note=summary[:2000]))
    session.commit()
    return f"已发布 {len(manifest.files)} 个文件 / {len(manifest.files)} files published: {summary}"


REINDEX = "reindex"


def reindex_names(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Run the reindex with the job's options; the summary of what it read and wrote."""
    from ..ops.names import reindex as reindex_ops

    params = records.params_of(job)
    session.rollback()  # hold no snapshot while the batches write
    settings = {k: app.config[k] for k in reindex_ops.ENGINE_SETTINGS if k in app.config}
    seen: dict[str, int] = {}

    def on_progress(entity: str, done: int, total: int) -> None:
        seen[entity] = total
        progress(sum(v for k, v in seen.items() if k != entity) + done,
                 sum(seen.values()))

    report = reindex_ops.reindex(
        app.extensions["placenames.engine"], workers=int(params.get("workers") or 1),
        batch=int(params.get("batch") or reindex_ops.DEFAULT_BATCH),
        dry_run=bool(params.get("dry_run")), check_index=bool(params.get("check_index")),
        engine_settings=settings, progress=on_progress)
    parts = [f"{t.label}: {report.counts[t.entity].read} read, "
             f"{report.counts[t.entity].changed} changed, "
             f"{report.counts[t.entity].written} written" for t in reindex_ops.TARGETS]
    if report.dry_run:
        parts.append("dry run: nothing written")
    if report.failed_total:
        parts.append(f"{report.failed_total} names the engine could not read, left as they "
                     "are: " + "; ".join(f"{f.name} ({f.message})" for f in
                                          report.failures[:5]))
    summary = "; ".join(parts)
    if not report.dry_run:
        from ..models import AuditEvent
        from ..models.base import utcnow

        session.add(AuditEvent(at=utcnow(), actor_id=job.created_by_id, entity_type="reindex",
                               entity_id=str(job.id), action="reindex", note=summary[:2000]))
        session.commit()
    return summary


SIGN_BATCH = "sign_batch"


def sign_batch_keys(job_id: uuid.UUID) -> tuple[str, str]:
    """The storage keys of a sign batch's PDF and manifest."""
    return f"sign-batches/{job_id}.pdf", f"sign-batches/{job_id}.manifest.csv"


def render_sign_batch(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Draw the unit's signs still to be made on the job's sheet; store PDF and manifest."""
    from ..ops.signs import printing
    from ..plates.pdf import write_manifest_csv

    params = records.params_of(job)
    pairs = printing.signs_to_make(session, unit_id=uuid.UUID(params["unit_id"]))
    progress(0, len(pairs))
    work = Path(tempfile.mkdtemp(prefix="signs-", dir=_scratch(app)))
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
    from .. import tables
    from ..models import AuditEvent
    from ..models.base import utcnow
    from ..ops.search import batch
    from ..storage import local_copy

    params = records.params_of(job)
    store = app.extensions["placenames.storage"]
    work = Path(tempfile.mkdtemp(prefix="geocode-", dir=_scratch(app)))
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


HANDLERS = {PLATE_BATCH: render_plate_batch, GAZETTEER: make_gazetteer,
            GAZETTEER_EDITION: make_edition,
            IMPORT_CHECK: check_upload, IMPORT_RUN: import_upload,
            OPEN_DATA: publish_open_data, REINDEX: reindex_names, GEOCODE: geocode_file,
            SIGN_BATCH: render_sign_batch}
