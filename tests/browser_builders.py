"""Shared by the browser and GIS-client tests: the app served in a thread, and chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# WebGL on SwiftShader; no --disable-gpu, which would leave MapLibre without a context
ARGS = ["--use-gl=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
        "--no-sandbox", "--disable-background-networking", "--disable-component-update"]
TIMEOUT = 20000
NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def artifacts(name: str) -> Path:
    """``test-artifacts/<name>/<backend>/`` (made), where screenshots go."""
    backend = "postgis" if os.environ.get("PLACENAMES_TEST_DATABASE_URL") else "spatialite"
    path = Path(__file__).resolve().parents[1] / "test-artifacts" / name / backend
    path.mkdir(parents=True, exist_ok=True)
    return path


class _Answer:
    """A WSGI answer closed once: by the server, or else when it is dropped."""

    def __init__(self, answer) -> None:  # type: ignore[no-untyped-def]
        self.answer, self.chunks, self.closed = answer, iter(answer), False

    def __iter__(self):  # type: ignore[no-untyped-def]
        return self

    def __next__(self) -> bytes:
        return next(self.chunks)  # type: ignore[no-any-return]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if hasattr(self.answer, "close"):
                self.answer.close()

    def __del__(self) -> None:
        self.close()


class _InFlight:
    """How many requests are inside the app; ``wait_idle`` waits for none.

    A page still loading when its test ends (map tiles, a script's fetch) has its request
    running in a server thread after the server stops accepting; that thread's database
    connection would go back to a pool the app fixture has already disposed of, and be found
    open by the garbage collector during a later test."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = threading.Condition()

    def __enter__(self) -> None:
        with self.idle:
            self.count += 1

    def __exit__(self, *exc: object) -> None:
        with self.idle:
            self.count -= 1
            self.idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout)


def _closing(app, in_flight: _InFlight):  # type: ignore[no-untyped-def]
    """``app`` whose answers are always closed, even when the browser drops the connection.

    When the browser goes away in the middle of a file (a navigation that leaves a page while
    MapLibre's module is still downloading), werkzeug's development server fails in its own
    clean-up (registering the dead socket) before it closes the answer, and the open file
    surfaces later as an unclosed-file warning in whatever test runs then. Here an answer left
    unclosed is closed when it is dropped. (Production serves through gunicorn, which closes
    answers itself.)"""

    def wrapped(environ, start_response):  # type: ignore[no-untyped-def]
        with in_flight:  # Flask closes the request's database session before it returns
            return _Answer(app(environ, start_response))

    return wrapped


@contextmanager
def served(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve ``app`` with werkzeug in a thread on a free port; yields the base URL."""
    in_flight = _InFlight()
    server = make_server("127.0.0.1", 0, _closing(app, in_flight), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        assert in_flight.wait_idle(30), "a request was still running 30 s after the test"


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's chromium, headless, with software WebGL."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_maker(browser, *, csp_reports: bool = False):  # type: ignore[no-untyped-def]
    """``make(**context options)`` gives a page in a new Chinese-locale context whose
    ``errors`` collects uncaught script errors (and, with ``csp_reports``, the console's
    Content Security Policy reports); every context is closed afterwards."""
    contexts = []

    def make(**options):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        if csp_reports:
            page.on("console", lambda m: page.errors.append(m.text)
                    if "Content Security Policy" in m.text else None)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
