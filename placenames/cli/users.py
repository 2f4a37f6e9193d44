"""``placenames users …``: accounts (add, disable, enable, reset-password, roles, list) and
API tokens. Passwords are read from the terminal (asked twice) or, with ``--password-stdin``,
from standard input; never from the command line, where other users could see them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from .. import db

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..models import User
from . import main, with_app


@main.group()
def users() -> None:
    """User accounts."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command()
@click.argument("username")
@click.option("--name", "display_name", default="", help="display name (default: USERNAME)")
@click.option("--roles", required=True, help="comma-separated: applicant, clerk, surveyor, "
              "expert, committee, approver; or one of sysadmin, secadmin, auditor alone")
@click.option("--org", "organization", default=None, help="organization")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_app
def add(username: str, display_name: str, roles: str, organization: str | None,
        password_stdin: bool) -> None:
    """Create the account USERNAME (at least 12 characters, not a common password)."""
    from ..ops.accounts import users as ops

    s = db.session()
    user = ops.add_user(s, username, display_name, _read_password(password_stdin),
                        roles.split(","), organization)
    s.commit()
    click.echo(f"added {user.username} ({user.roles})")


@users.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_app
def reset_password(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME."""
    from ..ops.accounts import users as ops

    _change(username, lambda s, u: ops.set_password(s, u, _read_password(password_stdin)))
    click.echo(f"password of {username} changed")


@users.command()
@click.argument("username")
@click.option("--set", "new_roles", required=True, help="the roles, comma-separated")
@with_app
def roles(username: str, new_roles: str) -> None:
    """Replace the roles of USERNAME."""
    from ..ops.accounts import users as ops

    user = _change(username, lambda s, u: ops.set_roles(s, u, new_roles.split(",")))
    click.echo(f"{username}: {user.roles}")


@users.command()
@click.argument("username")
@with_app
def disable(username: str) -> None:
    """Disable USERNAME: no sign-in and no API token until enabled again."""
    _set_active(username, False)


@users.command()
@click.argument("username")
@with_app
def enable(username: str) -> None:
    """Enable USERNAME again."""
    _set_active(username, True)


def _change(username: str, change: Callable[[Session, User], object]) -> User:
    """Apply ``change`` to the account USERNAME and commit; the account."""
    from ..ops.accounts import users as ops

    s = db.session()
    user = ops.get_user(s, username)
    change(s, user)
    s.commit()
    return user


def _set_active(username: str, active: bool) -> None:
    from ..ops.accounts import users as ops

    _change(username, lambda s, u: ops.set_active(s, u, active))
    click.echo(f"{username} {'enabled' if active else 'disabled'}")


@users.command()
@click.argument("username")
@with_app
def unlock(username: str) -> None:
    """End the lockout of USERNAME (after five failed sign-ins)."""
    from ..ops.accounts import users as ops

    _change(username, ops.unlock)
    click.echo(f"{username} unlocked")


@users.command("reset-second-factor")
@click.argument("username")
@with_app
def reset_second_factor(username: str) -> None:
    """Remove the second factor of USERNAME (a lost phone); they set up a new one."""
    from ..ops.accounts import second_factor

    _change(username, lambda s, u: second_factor.reset(s, u, None))
    click.echo(f"second factor of {username} removed")


@users.command("list")
@with_app
def list_cmd() -> None:
    """Every account: username, state, roles, second factor, organization."""
    from ..models.base import utcnow
    from ..ops.accounts import users as ops

    now = utcnow()
    for u in ops.list_users(db.session()):
        state = "disabled" if not u.active else "locked" if ops.locked(u, now) else "active"
        factor = "2fa" if u.totp_secret else "-"
        click.echo(f"{u.username}\t{state}\t{u.roles}\t{factor}\t{u.organization or ''}")


@users.command()
@click.argument("username")
@with_app
def token(username: str) -> None:
    """Print a new API token for USERNAME (the previous one stops working)."""
    from ..ops.accounts import tokens

    s = db.session()
    value = tokens.issue(s, username)
    s.commit()
    click.echo(value)
