"""Accounts from the command line: add, list, disable, enable, reset a password, set roles;
argon2id hashes, the password policy, and old hashes upgraded at sign-in."""


import cli_builders  # tests/ is on sys.path (pyproject.toml)
import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from placenames.errors import BadInput
from placenames.models import User
from placenames.ops.accounts import passwords
from placenames.ops.accounts import users as ops

GOOD = "西咸新区-地名办-2026-春"


def run_cli(env, *args, stdin=None):
    return cli_builders.run_cli(env, *args, input=stdin)


def common_long_password():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return next(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= passwords.MIN_LENGTH)


@pytest.mark.parametrize("password, rule", [
    ("short-pw", "12"), (None, "common"), ("zhangsan-2026-xixian", "username"),
])
def test_the_password_policy_names_the_rule_broken(password, rule):
    with pytest.raises(BadInput, match=rule):
        passwords.check_policy(password or common_long_password(), "zhangsan")
    passwords.check_policy(GOOD, "zhangsan")


def test_hashes_are_argon2id_and_verify():
    stored = passwords.hash_password(GOOD)
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, GOOD) and not passwords.verify(stored, GOOD + "x")
    assert not passwords.verify(None, GOOD)  # an unknown user: refused (after a real check)


def test_an_old_hash_still_signs_in_and_is_upgraded(session):
    session.add(User(username="laowang", display_name="老王", roles="clerk",
                     password_hash=generate_password_hash(GOOD)))
    session.commit()
    assert ops.authenticate(session, "laowang", "wrong") is None
    user = ops.authenticate(session, "laowang", GOOD)
    session.commit()
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert ops.authenticate(session, "laowang", GOOD) is not None


def test_accounts_through_the_command(cli_env, session, client):
    r = run_cli(cli_env, "users", "add", "zhangsan", "--name", "张三", "--roles", "clerk",
                "--org", "西咸新区地名办", "--password-stdin", stdin=GOOD + "\n")
    assert r.returncode == 0, r.stderr
    weak = run_cli(cli_env, "users", "add", "lisi", "--roles", "clerk", "--password-stdin",
                   stdin="123456\n")
    assert weak.returncode == 64 and "12" in weak.stderr
    taken = run_cli(cli_env, "users", "add", "zhangsan", "--roles", "clerk",
                    "--password-stdin", stdin=GOOD + "\n")
    assert taken.returncode == 75
    bad_role = run_cli(cli_env, "users", "roles", "zhangsan", "--set", "king")
    assert bad_role.returncode == 64 and "unknown role" in bad_role.stderr
    assert run_cli(cli_env, "users", "roles", "zhangsan", "--set", "clerk,surveyor") \
        .returncode == 0
    listed = run_cli(cli_env, "users", "list").stdout
    assert "zhangsan\tactive\tclerk,surveyor\t-\t西咸新区地名办" in listed
    mixed = run_cli(cli_env, "users", "roles", "zhangsan", "--set", "clerk,auditor")
    assert mixed.returncode == 64 and "separation of duties" in mixed.stderr

    def signs_in(password):
        client.post("/logout")
        return client.post("/login", data={"username": "zhangsan", "password": password}) \
            .status_code == 302

    client.application.config["WTF_CSRF_ENABLED"] = False
    assert signs_in(GOOD)
    assert client.get("/committee/").status_code == 200
    assert run_cli(cli_env, "users", "disable", "zhangsan").returncode == 0
    assert client.get("/committee/").status_code in (302, 401)  # the session ended with it
    assert not signs_in(GOOD)
    assert run_cli(cli_env, "users", "enable", "zhangsan").returncode == 0
    new = GOOD + "-新"
    assert run_cli(cli_env, "users", "reset-password", "zhangsan", "--password-stdin",
                   stdin=new + "\n").returncode == 0
    assert not signs_in(GOOD) and signs_in(new)
    missing = run_cli(cli_env, "users", "disable", "nobody")
    assert missing.returncode == 66
    for _ in range(5):
        signs_in("wrong password")
    assert not signs_in(new), "locked"
    assert "zhangsan\tlocked" in run_cli(cli_env, "users", "list").stdout
    assert run_cli(cli_env, "users", "unlock", "zhangsan").returncode == 0
    assert signs_in(new)
    session.rollback()
    user = session.scalar(select(User).where(User.username == "zhangsan"))
    assert user.password_hash.startswith("$argon2id$") and new not in user.password_hash
