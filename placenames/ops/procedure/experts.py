"""The expert pool (地名专家库): listing and adding experts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import BadInput, Forbidden
from ...models import User
from ...models.people import Expert
from ...workflow import ExpertRef

POOL_ROLES = frozenset({"clerk", "sysadmin"})


@dataclass
class ExpertInput:
    """An expert to add; ``username`` links the expert's user account (needed to give opinions)."""

    name: str
    affiliation: str | None = None
    specialties: str = ""
    username: str | None = None


def pool(session: Session, *, active_only: bool = False) -> list[Expert]:
    """The experts, by name."""
    stmt = select(Expert).order_by(Expert.name)
    if active_only:
        stmt = stmt.where(Expert.active.is_(True))
    return list(session.scalars(stmt))


def add_expert(session: Session, data: ExpertInput, *, actor: User) -> Expert:
    """Add an expert to the pool (clerks and system administrators)."""
    if not actor.role_set() & POOL_ROLES:
        raise Forbidden("只有地名办工作人员或系统管理员可以维护专家库 / only clerks and system "
                        "administrators maintain the expert pool")
    name = (data.name or "").strip()
    if not name or len(name) > 60:
        raise BadInput("请填写专家姓名（最多 60 字）/ give the expert's name "
                       "(at most 60 characters)")
    user = None
    if data.username:
        user = session.scalar(select(User).where(User.username == data.username.strip()))
        if user is None or "expert" not in user.role_set():
            raise BadInput("关联账号不存在或不是专家角色 / the linked account does not exist or "
                           "does not hold the expert role")
        if session.scalar(select(Expert).where(Expert.user_id == user.id)):
            raise BadInput("该账号已关联专家 / that account is already linked to an expert")
    specs = ",".join(s.strip() for s in data.specialties.replace("，", ",").split(",")
                     if s.strip())
    expert = Expert(name=name, affiliation=(data.affiliation or "").strip()[:120] or None,
                    specialties=specs[:200], user=user)
    session.add(expert)
    session.flush()
    return expert


def as_ref(expert: Expert) -> ExpertRef:
    """The expert as the pure panel draw sees it."""
    return ExpertRef(id=str(expert.id), name=expert.name, affiliation=expert.affiliation,
                     specialties=frozenset(s for s in expert.specialties.split(",") if s))
