"""The ``placenames`` command run in the test's own process, answered as a finished process.

Starting ``python -m placenames.cli`` costs 5–6 s of CPU on a 2-core machine (the interpreter
imports the whole app) before the command does anything, and the suite runs the command about a
hundred and fifty times per backend. :func:`run_cli` runs the same click command in this process
(``click.testing.CliRunner``), with the environment the command would have had, and returns a
``subprocess.CompletedProcess``: exit code, stdout and stderr. An exception the command does not
handle ends it with code 1 and its traceback on stderr, as the interpreter would print it, so a
test that checks for "no traceback" still sees one.

Commands whose process itself is under test (killed mid-run, serving, worker processes, an
office lexicon installed for the whole process) keep running as a process of their own.
"""

from __future__ import annotations

import os
import subprocess
import traceback
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner


def run_cli(env: Mapping[str, str], *args: str, input: str | None = None,
            cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    """``placenames ARGS`` with environment ``env`` (a copy of ``os.environ`` with the
    command's settings), ``input`` on stdin, in ``cwd``."""
    from placenames.cli import main

    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    overrides.update({k: v for k, v in env.items() if os.environ.get(k) != v})
    before = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), input=input, env=overrides,
                                    catch_exceptions=True)
    finally:
        os.chdir(before)
    stderr = result.stderr
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stderr += "".join(traceback.format_exception(*result.exc_info))
        code = 1
    return subprocess.CompletedProcess(["placenames", *args], code, result.stdout, stderr)
