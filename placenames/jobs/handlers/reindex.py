"""The names' keys reindex, run as a job."""

from __future__ import annotations

from typing import Any

from flask import Flask

from ...ops.jobs import records

REINDEX = "reindex"


def reindex_names(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Run the reindex with the job's options; the summary of what it read and wrote."""
    from ...ops.names import reindex as reindex_ops

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
        mode=str(params.get("mode") or "auto"), engine_settings=settings, progress=on_progress)
    parts = [f"{t.label}: {report.counts[t.entity].read} read, "
             f"{report.counts[t.entity].changed} changed, "
             f"{report.counts[t.entity].written} written" for t in reindex_ops.TARGETS]
    if report.rebuilt is not None:
        parts.append("keys and syllable index rebuilt and swapped in")
    if report.dry_run:
        parts.append("dry run: nothing written")
    if report.failed_total:
        parts.append(f"{report.failed_total} names the engine could not read, left as they "
                     "are: " + "; ".join(f"{f.name} ({f.message})" for f in
                                          report.failures[:5]))
    summary = "; ".join(parts)
    if not report.dry_run:
        from ...models import AuditEvent
        from ...models.base import utcnow

        session.add(AuditEvent(at=utcnow(), actor_id=job.created_by_id, entity_type="reindex",
                               entity_id=str(job.id), action="reindex", note=summary[:2000]))
        session.commit()
    return summary
