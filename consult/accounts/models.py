"""Accounts, roles scoped to region nodes, verification codes, API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.core.timeutil import UTCDateTime, utcnow
from consult.extensions import db
from consult.regions.models import Region


class Role(StrEnum):
    """Roles held on a node of the region tree (DESIGN §1). Every account is a resident of its
    own community; these are the roles on top of that."""

    REPRESENTATIVE = "representative"  # 居民代表 / 楼栋长
    STAFF = "staff"  # 社区工作者
    STREET_OFFICER = "street_officer"  # 街道
    DISTRICT_OFFICER = "district_officer"  # 区
    EXPERT = "expert"  # 专家
    SUPERVISOR = "supervisor"  # 居务监督委员会
    ADMIN = "admin"  # 系统管理员


#: roles that handle matters (triage, verification, moderation) within their scope
HANDLING_ROLES = frozenset({Role.STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER})

#: the node kind each role is normally granted on
ROLE_NODE_KIND = {
    Role.REPRESENTATIVE: "community",
    Role.STAFF: "community",
    Role.STREET_OFFICER: "street",
    Role.DISTRICT_OFFICER: "district",
    Role.EXPERT: None,
    Role.SUPERVISOR: None,
    Role.ADMIN: "district",
}


class User(db.Model):
    """An account. ``community`` is where the person lives; residency is verified by staff."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    community_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    #: 居民小组 / 楼栋, optional
    building_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    #: unit and room as typed, e.g. "2单元301"
    unit: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: "staff" (checked in person) or "code" (a printed one-time code)
    verified_via: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: rotated at logout: every session cookie issued before is void (SECURITY S4)
    session_token: Mapped[str] = mapped_column(String(64), default="")

    community: Mapped[Region] = relationship(foreign_keys=[community_id])
    building: Mapped[Region | None] = relationship(foreign_keys=[building_id])
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        foreign_keys="RoleAssignment.user_id",
        cascade="all, delete-orphan",
    )

    # Flask-Login protocol -------------------------------------------------------------------
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    # -----------------------------------------------------------------------------------------
    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def role_nodes(self, *roles: Role) -> list[Region]:
        """Nodes on which the user holds any of ``roles``."""
        wanted = {Role(r) for r in roles}
        return [a.region for a in self.roles if Role(a.role) in wanted]

    def has_role(self, *roles: Role) -> bool:
        wanted = {Role(r) for r in roles}
        return any(Role(a.role) in wanted for a in self.roles)

    def holds_over(self, region: Region | None, *roles: Role) -> bool:
        """True when one of ``roles`` is held on ``region`` or a node above it."""
        if region is None:
            return False
        return any(node.covers(region) for node in self.role_nodes(*roles))

    def __repr__(self) -> str:  # pragma: no cover
        return f"<User {self.id}>"


class RoleAssignment(db.Model):
    """A role held on a node; covers every node below it. One person may hold several."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "region_id"),
        CheckConstraint(
            "role IN ('representative','staff','street_officer','district_officer',"
            "'expert','supervisor','admin')",
            name="role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    region: Mapped[Region] = relationship()


class VerificationCode(db.Model):
    """A one-time code staff print and hand out door to door. Only its SHA-256 is stored; the
    code itself is shown once, on the printable sheet, when staff issue a batch."""

    __tablename__ = "verification_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    batch: Mapped[str] = mapped_column(String(32), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    community: Mapped[Region] = relationship(foreign_keys=[community_id])
    building: Mapped[Region | None] = relationship(foreign_keys=[building_id])


class ApiToken(db.Model):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
