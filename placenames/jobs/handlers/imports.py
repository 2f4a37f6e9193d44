"""Staff uploads: the check (a dry run) and the import (one transaction)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from ...ops.jobs import records
from .scratch import scratch_dir

IMPORT_CHECK, IMPORT_RUN = "import_check", "import_run"


def check_upload(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Check the upload named in the job (a dry run) and store its report."""
    from ...ops.exchange import uploads

    store = app.extensions["placenames.storage"]
    upload = uploads.load(store, records.params_of(job)["sha256"])
    uploads.check(session, store, upload, scratch=scratch_dir(app),
                  on_progress=lambda done, total: progress(done, total))
    session.rollback()
    report = upload.check
    if report is None:
        return "已检查 / checked"
    return (f"已检查 {report.rows} 行，错误 {report.errors} 处 / {report.rows} rows checked, "
            f"{report.errors} errors")


def import_upload(app: Flask, session: Any, job: Any, progress: Any) -> str:
    """Import the checked upload named in the job; commit only when the report says so."""
    from ...ops.exchange import uploads

    params = records.params_of(job)
    store = app.extensions["placenames.storage"]
    actor = uuid.UUID(params["actor_id"]) if params.get("actor_id") else None
    upload, report = uploads.confirm(session, store, params["sha256"], actor_id=actor,
                                     scratch=scratch_dir(app),
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
