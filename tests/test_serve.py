"""`placenames serve` starts gunicorn and answers /healthz."""

import json
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_healthz_and_the_start_page(cli_env):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "placenames.cli", "serve", "--port", str(port),
                             "--workers", "1"], env=cli_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, "server did not answer"
        assert body["status"] == "ok" and body["revision"] == body["head"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "标准地名" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _serve(env, port):
    return subprocess.run([sys.executable, "-m", "placenames.cli", "serve", "--port", str(port),
                           "--workers", "1"], env=env, capture_output=True, text=True,
                          timeout=60)


def test_serve_refuses_a_database_that_was_never_initialised(cli_env, tmp_path):
    env = {**cli_env, "PLACENAMES_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    port = free_port()
    done = _serve(env, port)
    assert done.returncode != 0 and "placenames init" in done.stderr
    assert "Traceback" not in done.stderr
    with socket.socket() as s:  # nothing was left listening
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_serve_names_a_setting_that_is_not_a_number(cli_env):
    done = _serve({**cli_env, "PLACENAMES_PROXY_HOPS": "one"}, free_port())
    assert done.returncode == 64
    assert "PLACENAMES_PROXY_HOPS must be a whole number" in done.stderr
    assert "Traceback" not in done.stderr
