"""Operations: a request id on every request and log line, JSON logs, Prometheus metrics at
``/metrics``, and the readiness check ``/readyz``.

- **Request id.** A request keeps the ``X-Request-ID`` its proxy sent (letters, digits and
  ``-_.:``, at most 64), else gets a new one; the response carries it back, and every log line
  written while the request runs names it (``request_id``).
- **Logs.** ``LOG_FORMAT=json`` writes one JSON object a line on stderr (time, level, logger,
  message, request id, and for the request log: method, route, path, status, milliseconds);
  ``text`` (the default) keeps Python's plain lines. A log collector reads the JSON as it is.
- **Metrics** (prometheus-client): request latency by route, method and status class
  (``placenames_http_request_duration_seconds``), what the app knows of itself
  (``placenames_build_info``), and, read at each scrape, the jobs by status
  (``placenames_jobs``: the queue's depth is the queued ones) and each read replica's lag
  (``placenames_replica_lag_seconds``). Under gunicorn with several workers the serve command gives
  them a shared folder (``PROMETHEUS_MULTIPROC_DIR``) and ``/metrics`` adds up every
  worker's. ``METRICS_TOKEN``, when set, is the bearer token ``/metrics`` asks for.
- **Readiness.** ``/readyz`` checks what a request needs: the database (a query, and the
  schema at the code's revision), Redis when ``REDIS_URL`` is set, and that the instance
  folder (uploads, generated files) can be written; 200 when all answer, 503 naming what does
  not. ``/healthz`` stays the liveness answer.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from .. import db, migrate

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
_METRICS: dict[str, Any] = {}
request_log = logging.getLogger("placenames.request")


def _metrics() -> dict[str, Any]:
    """The process's metrics, made once: after gunicorn's serve command has named the shared
    folder, so that each worker writes its own file there (prometheus-client picks the kind of
    value store when a metric is made)."""
    if not _METRICS:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        _METRICS["latency"] = Histogram(
            "placenames_http_request_duration_seconds",
            "Time to answer a request, by route, method and status class",
            ("route", "method", "status"), buckets=BUCKETS)
        _METRICS["build"] = Gauge("placenames_build_info",
                                  "The running code: package version and schema head",
                                  ("version", "schema_head"), multiprocess_mode="max")
    return _METRICS


def forget_metrics() -> None:
    """Drop the metrics this process made (the serve command's process made them when it
    built its app to check the schema), so that gunicorn's workers make theirs anew in the
    shared folder."""
    from prometheus_client import REGISTRY

    for metric in _METRICS.values():
        REGISTRY.unregister(metric)
    _METRICS.clear()


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id and
    the fields a log call passes in ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        rid = getattr(record, "request_id", None)
        if rid:
            out["request_id"] = rid
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        rid = getattr(record, "request_id", None) or request_id()
        record.request_id = rid
        record.rid = f" [{rid}]" if rid else ""
        return True


def configure_logging(fmt: str) -> None:
    """Log to stderr as ``fmt`` (``json`` or ``text``), each line with its request id."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s%(rid)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_placenames", False)]:
        root.removeHandler(old)
    handler._placenames = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # the schema check of /healthz and /readyz opens a migration context, which says so;
    # huey says every minute that the worker's recovery ran (our own job lines say more)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    logging.getLogger("huey").setLevel(logging.WARNING)


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("started")
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    status = f"{response.status_code // 100}xx"
    _metrics()["latency"].labels(route, request.method, status).observe(seconds)
    if current_app.config.get("LOG_REQUESTS"):
        request_log.info("%s %s %s", request.method, request.path, response.status_code,
                         extra={"fields": {"method": request.method, "route": route,
                                           "path": request.path,
                                           "status": response.status_code,
                                           "ms": round(seconds * 1000, 2)}})
    return response


def metrics() -> Response:
    """Prometheus text format: this process's metrics, or every gunicorn worker's."""
    token = current_app.config.get("METRICS_TOKEN")
    if token and request.headers.get("Authorization", "") != f"Bearer {token}":
        return Response("metrics need the bearer token\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    live = CollectorRegistry()
    live.register(_LiveState())
    return Response(body + generate_latest(live), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


class _LiveState(Collector):
    """What is read at each scrape, from any process: the jobs by state (the queue's depth is
    the queued ones) and each replica's replay lag."""

    def collect(self) -> Iterator[Metric]:
        """The jobs by status and the replicas' lag, now."""
        from sqlalchemy import func, select

        from ..models import Job, JobStatus

        jobs = GaugeMetricFamily("placenames_jobs", "Background jobs by status",
                                 labels=["status"])
        found = dict(db.read_apart(lambda s: s.execute(
            select(Job.status, func.count()).group_by(Job.status)).all()))
        for status in JobStatus:
            jobs.add_metric([str(status)], float(found.get(str(status), 0)))
        yield jobs
        replicas = current_app.extensions.get("placenames.replicas")
        if replicas is not None:
            lag = GaugeMetricFamily("placenames_replica_lag_seconds",
                                    "Replay lag of each read replica (-1: not answering)",
                                    labels=["replica"])
            for r in replicas.replicas:
                r.check(replicas.max_lag)
                lag.add_metric([r.name], -1.0 if r.lag is None else r.lag)
            yield lag


def _check(name: str, fn: Any) -> tuple[str, dict[str, Any]]:
    t0 = time.perf_counter()
    try:
        detail = fn() or {}
        ok = detail.pop("ok", True)
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure, never raises
        ok, detail = False, {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    detail.update(ok=ok, ms=round((time.perf_counter() - t0) * 1000, 1))
    return name, detail


def _database() -> dict[str, Any]:
    engine = db.engine()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    current, head = migrate.current_revision(engine), migrate.head_revision()
    return {"ok": current == head, "revision": current, "head": head}


def _redis() -> dict[str, Any]:
    import redis

    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"configured": False}
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return {"ok": bool(client.ping()), "configured": True}
    finally:
        client.close()


def _storage() -> dict[str, Any]:
    return current_app.extensions["placenames.storage"].check()  # type: ignore[no-any-return]


def _replicas() -> dict[str, Any]:
    replicas = current_app.extensions.get("placenames.replicas")
    if replicas is None:
        return {"configured": False}
    # a replica down is not the process down: the primary answers in its place
    return {"configured": True, "replicas": replicas.states()}


def readyz() -> tuple[Response, int]:
    """Whether this process can serve: the database, Redis (when configured), storage; and
    each replica's state and lag (a replica down does not make the process unready)."""
    checks = dict(_check(n, f) for n, f in (("database", _database), ("redis", _redis),
                                            ("storage", _storage), ("replicas", _replicas)))
    ready = all(c["ok"] for c in checks.values())
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), \
        200 if ready else 503


def init_app(app: Flask) -> None:
    """Request ids, the request log and metrics on every request; ``/metrics`` and
    ``/readyz``; the log format of ``LOG_FORMAT``."""
    configure_logging(str(app.config.get("LOG_FORMAT") or "text"))
    _metrics()["build"].labels(_version(), migrate.head_revision() or "").set(1)
    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "observe.metrics", metrics)
    app.add_url_rule("/readyz", "observe.readyz", readyz)


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("placenames")
    except PackageNotFoundError:
        return "unknown"
