"""Serve the app with gunicorn (the same server the README recommends for production).

Sync workers, one request at a time per process. Every request of this app is short and
CPU-bound (an indexed read on a local database, a template, a QR code), so threads inside a
worker only queue on the GIL, and keep-alive connections pinned to a worker leave the others
idle: measured with ``scripts/bench lookup``, two gthread workers served half the scan pages
of two sync workers whenever the load's connections landed on one worker. A buffering reverse
proxy in front (nginx, as in the README) holds the clients' slow and keep-alive connections.
Long work (rendering a batch of plates) runs in a background thread of the worker, not in the
request.

Each worker reads the names engine's tables (``rules.warm_up``: the first proposal with a
polyphonic character paid about 0.1 s for them), then freezes what it holds once the app is
built (``gc.freeze``): the collector then
no longer walks the app's long-lived objects (modules, SQLAlchemy metadata, templates) on its
full collections, which otherwise paused one map tile in twenty by 90 ms (``scripts/bench
tiles``).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

APP = "placenames.app:create_app()"


def options(host: str, port: int, workers: int, access_log: bool = True) -> dict[str, Any]:
    """gunicorn settings of ``placenames serve``."""
    return {"bind": f"{host}:{port}", "workers": workers, "worker_class": "sync",
            "accesslog": "-" if access_log else None, "timeout": 60}


def command_line(opts: dict[str, Any]) -> list[str]:
    """The same settings as ``gunicorn`` arguments (for tools that start it as a process)."""
    args = []
    for key, value in opts.items():
        if value is not None:
            args += [f"--{key.replace('_', '-')}", str(value)]
    return [*args, APP]


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.opts.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app
        from .naming import rules

        app = create_app()
        rules.warm_up()  # no request pays the names engine's first reads
        freeze_heap()
        return app


def freeze_heap() -> None:
    """Move every object alive now out of the collector's sight (see the module docstring)."""
    gc.collect()
    gc.freeze()


def metrics_folder(instance_path: str) -> str:
    """An empty folder where each worker keeps its Prometheus metrics (``/metrics`` adds them
    up), named to prometheus-client by ``PROMETHEUS_MULTIPROC_DIR``; emptied at each start,
    as the library asks."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or
                  Path(instance_path) / "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)


def _child_exit(_server: Any, worker: Any) -> None:
    """A worker ended: its live gauges leave the sum."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def run(host: str, port: int, workers: int, access_log: bool = True) -> None:
    """Start gunicorn on ``host:port`` with ``workers`` sync workers."""
    from .app import default_instance_path
    from .web.observe import forget_metrics

    metrics_folder(default_instance_path())
    forget_metrics()
    opts = options(host, port, workers, access_log)
    opts["child_exit"] = _child_exit
    _Server(opts).run()
