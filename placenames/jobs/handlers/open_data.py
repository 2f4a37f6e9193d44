"""Open data: publish a release of every format, with its audit event."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from ...ops.jobs import records
from .scratch import scratch_dir

OPEN_DATA = "open_data"


def publish_open_data(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Publish the open-data files (every format) and write the audit event."""
    from ... import config
    from ...models import AuditEvent
    from ...models.base import utcnow
    from ...ops.exchange import export, published

    params = records.params_of(job)
    historical = bool(params.get("historical"))
    session.rollback()  # the export reads its own snapshot
    seen: dict[str, int] = {}

    def on_progress(kind: str, done: int, total: int) -> None:
        seen[kind] = total
        progress(sum(v for k, v in seen.items() if k != kind) + done, sum(seen.values()))

    manifest = published.publish_release(
        app.extensions["placenames.engine"], app.extensions["placenames.storage"],
        config.open_data_dir(app.config, app.instance_path), [], scratch=scratch_dir(app),
        now=utcnow(), licence=export.parse_licence(app.config["OPEN_DATA_LICENCE"]),
        historical=historical, on_progress=on_progress)
    actor = uuid.UUID(params["actor_id"]) if params.get("actor_id") else None
    summary = ", ".join(f"{f.name} {f.records}" for f in manifest.files)
    session.add(AuditEvent(at=utcnow(), actor_id=actor, entity_type="open_data",
                           entity_id=manifest.generated_at[:40], action="publish_open_data",
                           note=summary[:2000]))
    session.commit()
    return f"已发布 {len(manifest.files)} 个文件 / {len(manifest.files)} files published: {summary}"
