"""Signing in through the real forms, second factor included: the code comes from the secret
the server stored, as an authenticator app would compute it."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from placenames.models import User
from placenames.ops.accounts import second_factor

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(html: str) -> str:
    """The CSRF token of a page (forms post it back)."""
    return _CSRF.search(html).group(1)


def totp_now(secret: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or ``offset_steps`` steps later)."""
    totp = pyotp.TOTP(secret)
    return totp.at(datetime.now(UTC).timestamp() + offset_steps * totp.interval)


def secret_of(app, username: str, pending: bool = False) -> str | None:
    """The TOTP secret of ``username``, decrypted as the app does (a fresh session)."""
    s = app.extensions["placenames.sessionmaker"]()
    try:
        user = s.scalar(select(User).where(User.username == username))
        return (second_factor.pending_secret if pending else second_factor.secret)(s, user)
    finally:
        s.close()


def sign_in(app, client, username: str, password: str = "demo1234", next_url: str = ""):
    """Sign in on ``client`` through the pages: password; then, if asked, set up the second
    factor (the 三员) or give a code. Returns the last response (a redirect when signed in).

    Each person signs in from their own address (10.x.y.z from the username), as the office's
    staff do from their own machines, so the per-address limit counts each separately.
    """
    ip = zlib.crc32(username.encode())
    env = {"REMOTE_ADDR": f"10.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}"}
    client.post("/logout", data={"csrf_token": csrf(client.get("/login").get_data(True))})
    url = "/login" + (f"?next={next_url}" if next_url else "")
    r = client.post(url, data={"username": username, "password": password,
                               "csrf_token": csrf(client.get("/login").get_data(True))},
                    environ_overrides=env)
    location = r.headers.get("Location", "")
    if r.status_code == 302 and "/account/second-factor" in location:
        page = client.get(location).get_data(True)
        client.post(location, data={"action": "start", "csrf_token": csrf(page)})
        page = client.get(location).get_data(True)
        code = totp_now(secret_of(app, username, pending=True))
        r = client.post(location, data={"action": "confirm", "code": code,
                                        "csrf_token": csrf(page)}, environ_overrides=env)
        assert r.status_code == 200 and "recovery-codes" in r.get_data(True), r.get_data(True)
    elif r.status_code == 302 and "/login/code" in location:
        page = client.get(location).get_data(True)
        r = client.post(location, data={"code": totp_now(secret_of(app, username), 1),
                                        "csrf_token": csrf(page)}, environ_overrides=env)
    return r
