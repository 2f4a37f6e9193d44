"""What must not be there when the register serves for real: the demo's accounts and default
passwords.

Outside demo mode (the setting ``DEMO``), ``placenames serve`` refuses to start while an active
account is one of the demo's, or while an account whose password was never set under the
policy (made by the demo or test loader, or before the policy existed) opens with a default
password. Passwords set under the policy cannot be defaults (they have 12 characters at least
and are not common), so only those few accounts are checked, which keeps start-up fast.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import User
from ..demo.data import DEMO_PASSWORD, DEMO_USERS
from . import passwords

DEFAULT_PASSWORDS = (DEMO_PASSWORD, "123456", "12345678", "password", "admin", "demo")


def default_accounts(session: Session) -> list[str]:
    """Active accounts that anyone could open: the demo's, or with a default password."""
    demo_names = {row[0] for row in DEMO_USERS}
    found = []
    for user in session.scalars(select(User).where(User.active.is_(True))
                                .order_by(User.username)):
        never_under_policy = user.password_changed_at is None and bool(user.password_hash)
        if user.username in demo_names or never_under_policy and any(
                passwords.verify(user.password_hash, p) for p in DEFAULT_PASSWORDS):
            found.append(user.username)
    return found
