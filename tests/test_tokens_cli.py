"""``placenames tokens``: issue prints the secret once, list shows state and last use, revoke
takes the listed prefix; bad input is a message and an exit code, never a traceback."""

from __future__ import annotations

import json

import cli_builders  # tests/ is on sys.path (pyproject.toml)
import pytest
import token_builders as tb  # tests/ is on sys.path (pyproject.toml)
from click.testing import CliRunner
from sqlalchemy import select

from placenames.cli import main
from placenames.models import ApiToken, AuditEvent
from placenames.ops.accounts import department_tokens as dt


def run(env, *args):
    return cli_builders.run_cli(env, "tokens", *args)


def listed(env):
    done = run(env, "list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_issue_use_list_and_revoke_through_the_command(cli_env, session, client):
    done = run(cli_env, "issue", "--holder", "公安西咸分局", "--scopes",
               "read:addresses,read:names,write:reports", "--expires", "365d",
               "--note", "户籍地址核对", "--rate-limit", "600 per minute")
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip()
    assert secret.startswith("pnd_") and "\n" not in secret and len(secret) == 47
    assert secret not in done.stderr and "只显示这一次" in done.stderr
    assert "shown this once" in done.stderr
    token = session.scalar(select(ApiToken))
    assert token.token_hash == dt.digest(secret) and token.rate_limit == "600 per minute"
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.entity_id == str(token.id))) == "token_issued"
    session.rollback()

    [row] = listed(cli_env)
    assert (row["holder"], row["state"], row["last_used_at"]) == ("公安西咸分局", "active", None)
    assert row["scopes"] == ["read:addresses", "read:names", "write:reports"]
    assert secret[len(row["prefix"]):] not in json.dumps(row)

    assert client.get("/api/v1/changes", headers=tb.auth(secret)).status_code == 200
    [row] = listed(cli_env)
    assert row["last_used_at"] is not None
    table = run(cli_env, "list")
    assert table.returncode == 0
    header, line = table.stdout.splitlines()
    assert header.split("\t")[:4] == ["holder", "prefix", "scopes", "state"]
    cells = line.split("\t")
    assert cells[1] == row["prefix"] and cells[3] == "active" and cells[5] != "-"

    gone = run(cli_env, "revoke", row["prefix"])
    assert gone.returncode == 0 and "公安西咸分局" in gone.stdout, gone.stderr
    assert listed(cli_env)[0]["state"] == "revoked"
    assert client.get("/api/v1/changes", headers=tb.auth(secret)).status_code == 401


@pytest.mark.parametrize("args, code, words", [
    (["issue", "--holder", "住建局", "--scopes", "read:everything"], 64, ["read:everything"]),
    (["issue", "--holder", "住建局", "--scopes", "read:names", "--expires", "soon"], 64,
     ["soon", "365d"]),
    (["issue", "--holder", "住建局", "--scopes", "read:names", "--expires", "2000-01-01"], 64,
     ["future"]),
    (["issue", "--holder", "住建局", "--scopes", "read:names", "--rate-limit", "fast"], 64,
     ["fast"]),
    (["issue", "--scopes", "read:names"], 2, ["--holder"]),
    (["revoke", "pnd_nosuchtoken"], 66, ["pnd_nosuchtoken"]),
    (["revoke", "00000000-0000-0000-0000-000000000000"], 66, ["no token"]),
])
def test_bad_input_is_a_message_and_an_exit_code(app, session, args, code, words):
    """In this process (the real command through click, quicker than a subprocess)."""
    done = CliRunner().invoke(main, ["tokens", *args], obj=app)
    assert done.exit_code == code, (done.stdout, done.stderr)
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    assert "Traceback" not in done.stderr and all(w in done.stderr for w in words), done.stderr
    assert done.stdout == ""
    assert session.scalar(select(ApiToken.id)) is None
