"""``POST /api/v1/standardize``: a department's written addresses → the standard addresses.

Needs a department token with ``write:standardize``. The addresses are matched in a reader
session (on SQLite no writer waits for them); the request leaves one audit event under the
token saying how many were sent and how they matched.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from .. import db
from ..models.base import utcnow
from ..ops.search import standardize as ops
from ..ops.search.results import QUALITIES
from .api import BEARER, Blueprint, ErrorSchema
from .api_auth import current_token, require_scope

blp = Blueprint("api_standardize", __name__, url_prefix="/api/v1",
                description="地址标准化 / standardizing addresses")


class StandardizeArgs(ma.Schema):
    """The addresses to standardize."""

    addresses = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=ops.MAX_LENGTH)), required=True,
        validate=ma.validate.Length(min=1, max=ops.MAX_ADDRESSES),
        metadata={"description": f"1 至 {ops.MAX_ADDRESSES} 条非标准地址，每条至多 "
                                 f"{ops.MAX_LENGTH} 字 / 1 to {ops.MAX_ADDRESSES} written "
                                 f"addresses of at most {ops.MAX_LENGTH} characters"})


class MatchSchema(ma.Schema):
    """The best standard address for one written address (``quality`` none: not found)."""

    query = ma.fields.String(required=True, metadata={"description": "the address as sent"})
    quality = ma.fields.String(required=True, validate=ma.validate.OneOf(QUALITIES))
    score = ma.fields.Float(required=True)
    reason_code = ma.fields.String(required=True)
    reason = ma.fields.String(required=True, metadata={"description": "中文"})
    reason_en = ma.fields.String(required=True, metadata={"description": "English"})
    address_id = ma.fields.String(allow_none=True, metadata={"format": "uuid"})
    code = ma.fields.String(allow_none=True, metadata={"description": "地址代码 / code"})
    address = ma.fields.String(allow_none=True,
                               metadata={"description": "标准地址 / the standard address"})
    lon = ma.fields.Float(allow_none=True, metadata={"description": "CGCS2000 longitude"})
    lat = ma.fields.Float(allow_none=True, metadata={"description": "CGCS2000 latitude"})
    matched = ma.fields.List(ma.fields.String(), required=True,
                             metadata={"description": "the parts found: road, number…"})


class StandardizeResult(ma.Schema):
    """One match per address sent, in the same order."""

    count = ma.fields.Integer(required=True)
    results = ma.fields.List(ma.fields.Nested(MatchSchema), required=True)


@blp.post("/standardize")
@require_scope("write:standardize")
@blp.arguments(StandardizeArgs)
@blp.response(200, StandardizeResult)
@blp.alt_response(401, schema=ErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ErrorSchema, description="the token lacks write:standardize")
@blp.errors(413)  # and 429, 503: any operation may answer them
@blp.doc(security=[{BEARER: []}])
def standardize(args: dict[str, Any]) -> dict[str, Any]:
    """地址标准化 / Standardize addresses

    为每条地址给出登记簿中最匹配的标准地址。For each written address, in the order sent, the
    best standard address of the register: its text, code and point, the quality of the
    match (exact, partial, none), a score and the reason in Chinese and English."""
    token = current_token()
    s = db.session()
    s.commit()  # the token check's transaction (SQLite: the write lock) ends before the reads
    matches = db.read_apart(lambda reader: ops.standardize(reader, args["addresses"]))
    ops.record(s, matches, token_id=token.id, now=utcnow())
    s.commit()
    return {"count": len(matches), "results": [m.as_dict() for m in matches]}


# --- a large list as a background job -------------------------------------------------------

MAX_JOB_ADDRESSES = 10_000
"""Addresses one job takes through the API (ten times a direct request)."""


class StandardizeJobArgs(ma.Schema):
    """The addresses to standardize in the background."""

    addresses = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=ops.MAX_LENGTH)), required=True,
        validate=ma.validate.Length(min=1, max=MAX_JOB_ADDRESSES),
        metadata={"description": f"1 至 {MAX_JOB_ADDRESSES} 条非标准地址 / 1 to "
                                 f"{MAX_JOB_ADDRESSES} written addresses"})


class StandardizeJobSchema(ma.Schema):
    """A standardization job: its state, its progress, and its result once done."""

    id = ma.fields.String(required=True, metadata={"format": "uuid"})
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["queued", "running", "done", "failed", "cancelled"]))
    done = ma.fields.Integer(required=True, metadata={"description": "addresses matched"})
    total = ma.fields.Integer(required=True, metadata={"description": "addresses sent"})
    message = ma.fields.String(allow_none=True, metadata={
        "description": "the counts of each quality once done; why, when it failed"})
    url = ma.fields.String(required=True, metadata={"description": "this job"})
    result_url = ma.fields.String(allow_none=True, metadata={
        "description": "the result CSV once done: each address sent, in order, with the "
                       "standard address, code, lon, lat, quality, score and reason"})


def _job_answer(job: Any) -> dict[str, Any]:
    from flask import url_for

    done = job.status == "done"
    return {"id": str(job.id), "status": job.status, "done": job.done,
            "total": job.total, "message": job.message,
            "url": url_for("api_standardize.job_state", job_id=job.id),
            "result_url": url_for("api_standardize.job_result", job_id=job.id) if done
            else None}


def _token_job(job_id: str) -> Any:
    """The job, if this token started it; else 404 (another department's job is not said to
    exist)."""
    from ..errors import NotFound
    from ..jobs.handlers import GEOCODE
    from ..ops.jobs import records as job_records

    job = job_records.get(db.session(), job_id, GEOCODE)
    if job_records.params_of(job).get("token_id") != str(current_token().id):
        raise NotFound("没有这项工作 / no such job")
    return job


@blp.post("/standardize/jobs")
@require_scope("write:standardize")
@blp.arguments(StandardizeJobArgs)
@blp.response(202, StandardizeJobSchema)
@blp.alt_response(401, schema=ErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ErrorSchema, description="the token lacks write:standardize")
@blp.errors(413)
@blp.doc(security=[{BEARER: []}])
def start_job(args: dict[str, Any]) -> dict[str, Any]:
    """批量地址标准化任务 / Standardize a list of addresses in the background

    最多 10000 条地址，在后台逐条匹配；用返回的 url 查询进度，完成后从 result_url 下载
    CSV。Up to 10,000 addresses, matched in the background: poll the answer's ``url`` for
    the progress, then download the CSV from ``result_url``."""
    import csv
    import io

    from flask import current_app

    from ..jobs.handlers import GEOCODE
    from ..jobs.queue import start_job as queue_job
    from ..ops.search import batch
    from . import observe
    from .stored import store

    token = current_token()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["地址"])
    writer.writerows([a] for a in args["addresses"])
    key = batch.keep_list(store(), text.getvalue().encode("utf-8"), "addresses.csv", "地址",
                          None)
    job = queue_job(current_app._get_current_object(),  # type: ignore[attr-defined]
                    db.session(), GEOCODE,
                    {"input_key": key, "column": "地址", "sheet": "",
                     "file_name": "addresses.csv", "token_id": str(token.id)},
                    subject=key.rsplit("/", 1)[1][:40], actor_id=None,
                    request_id=observe.request_id())
    return _job_answer(job)


@blp.get("/standardize/jobs/<job_id>")
@require_scope("write:standardize")
@blp.response(200, StandardizeJobSchema)
@blp.alt_response(401, schema=ErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ErrorSchema, description="the token lacks write:standardize")
@blp.alt_response(404, schema=ErrorSchema, description="no such job of this token")
@blp.doc(security=[{BEARER: []}])
def job_state(job_id: str) -> dict[str, Any]:
    """标准化任务的进度 / A standardization job's progress"""
    return _job_answer(_token_job(job_id))


@blp.get("/standardize/jobs/<job_id>/result.csv")
@require_scope("write:standardize")
@blp.response(200, content_type="text/csv", description="the result (UTF-8 with BOM)")
@blp.doc(responses={"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
@blp.alt_response(302, description="the result in the object store: a short-lived signed URL")
@blp.alt_response(401, schema=ErrorSchema, description="no valid token")
@blp.alt_response(403, schema=ErrorSchema, description="the token lacks write:standardize")
@blp.alt_response(404, schema=ErrorSchema, description="no such job, or not done yet")
@blp.doc(security=[{BEARER: []}])
def job_result(job_id: str) -> Any:
    """标准化任务的结果 / A standardization job's result (CSV)"""
    from ..jobs.handlers import geocode_key
    from .stored import send_stored

    job = _token_job(job_id)
    return send_stored(geocode_key(job.id), "standardized.csv", "text/csv",
                       "结果尚未生成 / the result is not ready yet")
