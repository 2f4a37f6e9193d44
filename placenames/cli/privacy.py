"""``placenames privacy …``: commenters' personal data. ``erase-expired`` (for cron) erases
contacts past the retention period; ``new-key``, ``check-keys`` and ``rotate-key`` manage the
personal-data key (see ``placenames.pii`` and the README's "Personal data")."""

from __future__ import annotations

import click
from flask import current_app

from .. import db, pii
from ..models.base import utcnow
from . import main, with_app


@main.group()
def privacy() -> None:
    """Personal data of the public (commenters' names and phones)."""


@privacy.command("erase-expired")
@click.option("--dry-run", is_flag=True, help="count, change nothing")
@with_app
def erase_expired(dry_run: bool) -> None:
    """Erase the name and phone of commenters whose notice period ended more than
    PLACENAMES_CONTACT_RETENTION_DAYS days ago (the comments and dispositions stay)."""
    from ..ops.privacy import contacts

    s = db.session()
    days = int(current_app.config["CONTACT_RETENTION_DAYS"])
    result = contacts.erase_expired(s, now=utcnow(), retention_days=days, dry_run=dry_run)
    if dry_run:
        s.rollback()
        click.echo(f"would erase the contacts of {result.count} comments "
                   f"(notice period ended before {result.cutoff:%Y-%m-%d %H:%M} UTC, "
                   f"{days} days)")
        return
    s.commit()
    click.echo(f"erased the contacts of {result.count} comments "
               f"(notice period ended before {result.cutoff:%Y-%m-%d %H:%M} UTC, {days} days)")


@privacy.command("new-key")
def new_key() -> None:
    """Print a new random key for PLACENAMES_PII_KEY (base64, 32 bytes)."""
    click.echo(pii.new_secret_text())


@privacy.command("check-keys")
@with_app
def check_keys() -> None:
    """Check that every stored contact can be decrypted with the configured keys (exit 75
    when some need a key that is not configured)."""
    from ..ops.privacy import contacts

    s = db.session()
    keys = contacts.keyring(s)
    contacts.check_keys(s)
    click.echo(f"current key {keys.current.key_id} (from {keys.source})"
               + (f", retired: {', '.join(k.key_id for k in keys.retired)}"
                  if keys.retired else "") + "; every stored contact names a configured key")


@privacy.command("rotate-key")
@with_app
def rotate_key() -> None:
    """Re-encrypt every contact stored under a retired key with the current key (the first of
    PLACENAMES_PII_KEY); afterwards the retired keys can be removed from the setting."""
    from ..ops.privacy import contacts

    s = db.session()
    count = contacts.rotate(s, now=utcnow())
    s.commit()
    click.echo(f"{count} comments re-encrypted under key {contacts.keyring(s).current.key_id}")
