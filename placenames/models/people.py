"""Users with their roles, API tokens, and the expert pool."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin


class Role(enum.StrEnum):
    """The roles of the naming procedure and of administration."""

    APPLICANT = "applicant"
    CLERK = "clerk"  # office clerk of the 地名办
    SURVEYOR = "surveyor"
    EXPERT = "expert"
    COMMITTEE = "committee"  # member of the naming committee
    APPROVER = "approver"
    SYSADMIN = "sysadmin"  # system administrator: configuration, accounts' existence (三员)
    SECADMIN = "secadmin"  # security administrator: roles, passwords, locks (三员)
    AUDITOR = "auditor"  # audit administrator: reads the audit log only (三员)


class User(RecordMixin, Base):
    """A person who signs in (staff, experts, applicants) or a department's API identity."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    roles: Mapped[str] = mapped_column(String(200), default="")  # comma-separated Role values
    organization: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    # sign-in failures in a row, and the end of a lockout they caused
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    # a password another person set (a new account, a reset): changed at the next sign-in
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # the second factor: a TOTP secret once confirmed; one being set up (both encrypted with
    # the personal-data key, bound to the row); the last time step accepted (a code is
    # accepted once)
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_pending: Mapped[str | None] = mapped_column(String(200))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    def role_set(self) -> set[str]:
        """The user's roles as a set of strings."""
        return {r for r in self.roles.split(",") if r}

    def has_role(self, role: Role | str) -> bool:
        """True if the user holds ``role``."""
        return str(role) in self.role_set()


class UserSession(Base):
    """A signed-in browser: the cookie holds a random id, the database its SHA-256.

    Deleting the row ends the session at once (sign-out, password change, disable).
    """

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class RecoveryCode(Base):
    """A single-use code that stands in for the second factor (its SHA-256 only)."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column()


class Expert(RecordMixin, Base):
    """A member of the expert pool (地名专家库)."""

    __tablename__ = "experts"

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    specialties: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    affiliation: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    user: Mapped[User | None] = relationship()
