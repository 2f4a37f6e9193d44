"""Department tokens for tests: issue one (committed) and the header that carries it."""

from __future__ import annotations

from sqlalchemy import select

from placenames.models import Address, ApiToken, Plate
from placenames.ops.accounts import department_tokens as dt

READ_ALL = "read:names,read:addresses,read:plates"
EVERYTHING = ",".join(dt.SCOPES)


def issue(session, scopes: str = EVERYTHING, holder: str = "公安西咸分局",
          expires: str = "30d", rate_limit: str | None = None) -> tuple[ApiToken, str]:
    """A committed token and its secret."""
    issued = dt.issue(session, holder=holder, scopes=scopes, expires=expires,
                      rate_limit=rate_limit)
    session.commit()
    return issued.token, issued.secret


def auth(secret: str) -> dict[str, str]:
    """The request header of a token."""
    return {"Authorization": f"Bearer {secret}"}


def an_address(session) -> Address:
    """A demo address that has an installed plate."""
    return session.scalar(select(Address).join(Plate, Plate.address_id == Address.id)
                          .where(Plate.status == "installed").order_by(Address.code).limit(1))


def a_plate(session, address: Address) -> Plate:
    return session.scalar(select(Plate).where(Plate.address_id == address.id).limit(1))
