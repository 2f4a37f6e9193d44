"""Serve the app with gunicorn (the same server the README recommends for production)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app()


def run(host: str, port: int, workers: int) -> None:
    """Start gunicorn on ``host:port`` with ``workers`` sync workers."""
    _Server({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-",
             "worker_class": "gthread", "threads": 4}).run()
