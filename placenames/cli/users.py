"""``placenames users …``: API tokens."""

from __future__ import annotations

import click

from .. import db
from . import main, with_app


@main.group()
def users() -> None:
    """User accounts."""


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
