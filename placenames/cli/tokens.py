"""``placenames tokens …``: department tokens (部门令牌) — issue, list, revoke.

The secret of a new token is printed once, alone on standard output (so a script can take
it); what it is and the warning that it will not be shown again go to standard error. Only
its SHA-256 is stored. Issuing and revoking are audit events.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from .. import db
from ..models import ApiToken
from ..models.base import utcnow
from ..workflow import CHINA_TZ
from . import main, with_app


@main.group()
def tokens() -> None:
    """Department tokens for the API (部门令牌)."""


def _when(moment: datetime | None) -> str:
    """Beijing time, to the minute; ``-`` for none."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _row(token: ApiToken, now: datetime) -> dict[str, Any]:
    from ..ops.accounts import department_tokens as ops

    return {"id": str(token.id), "holder": token.holder, "prefix": token.prefix,
            "scopes": sorted(token.scope_set()), "state": ops.state(token, now),
            "expires_at": token.expires_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "created_at": token.created_at.isoformat(), "rate_limit": token.rate_limit,
            "note": token.note}


@tokens.command()
@click.option("--holder", required=True, help="the department that holds it, e.g. 公安西咸分局")
@click.option("--scopes", required=True,
              help="comma-separated: read:names, read:addresses, read:plates, write:reports, "
                   "write:standardize")
@click.option("--expires", default="365d", show_default=True,
              help="a lifetime (365d, 52w, 1y) or the last day (2027-12-31, Beijing time)")
@click.option("--note", default=None, help="what it is for (at most 500 characters)")
@click.option("--rate-limit", "rate_limit", default=None,
              help='its own limit, e.g. "600 per minute" (default: DEPARTMENT_RATELIMIT)')
@with_app
def issue(holder: str, scopes: str, expires: str, note: str | None,
          rate_limit: str | None) -> None:
    """Issue a token; its secret is printed once and never again."""
    from ..ops.accounts import department_tokens as ops

    s = db.session()
    issued = ops.issue(s, holder=holder, scopes=scopes, expires=expires, note=note,
                       rate_limit=rate_limit)
    s.commit()
    t = issued.token
    click.echo(f"令牌已签发 / token issued: {t.holder} · {t.prefix} · {t.scopes} · "
               f"expires {_when(t.expires_at)} · id {t.id}", err=True)
    click.echo("注意：密钥只显示这一次，请立即安全地交给持有单位 / Warning: the secret is shown "
               "this once and cannot be shown again; hand it over safely now.", err=True)
    click.echo(issued.secret)


@tokens.command("list")
@click.option("--json", "as_json", is_flag=True, help="a JSON array instead of a table")
@with_app
def list_cmd(as_json: bool) -> None:
    """Every token, newest first: holder, prefix, scopes, state, expiry, last use, created."""
    from ..ops.accounts import department_tokens as ops

    now = utcnow()
    found = ops.all_tokens(db.session())
    if as_json:
        click.echo(json.dumps([_row(t, now) for t in found], ensure_ascii=False, indent=1))
        return
    header = ("holder", "prefix", "scopes", "state", "expires", "last use", "created")
    click.echo("\t".join(header))
    for t in found:
        click.echo("\t".join((t.holder, t.prefix, t.scopes, ops.state(t, now),
                              _when(t.expires_at), _when(t.last_used_at),
                              _when(t.created_at))))


@tokens.command()
@click.argument("ref")
@with_app
def revoke(ref: str) -> None:
    """Revoke the token REF (its id, or its prefix as listed): it stops working at once."""
    from ..ops.accounts import department_tokens as ops

    s = db.session()
    token = ops.revoke(s, ref)
    s.commit()
    click.echo(f"令牌已吊销 / token revoked: {token.holder} · {token.prefix}")
