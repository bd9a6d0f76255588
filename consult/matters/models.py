"""Matters (民生小实事 proposals), their transitions, supports (附议), comments and photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.core.timeutil import UTCDateTime, utcnow
from consult.extensions import db
from consult.matters.lifecycle import State
from consult.regions.models import Region

_STATES = ",".join(f"'{s.value}'" for s in State)


class Matter(db.Model):
    """A 民生小实事 proposal and, once accepted, the matter handled at its tier."""

    __tablename__ = "matter"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint("tier IS NULL OR tier IN (1, 2, 3)", name="tier"),
        CheckConstraint("estimated_cost_fen IS NULL OR estimated_cost_fen >= 0", name="cost"),
        # The list orders by id (submission order) within its filters, or by supports.
        Index("ix_matter_community_state", "community_id", "state", "id"),
        Index("ix_matter_state_id", "state", "id"),
        Index("ix_matter_support_count", "support_count", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    location: Mapped[str] = mapped_column(String(200), default="")
    estimated_cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20), default=State.SUBMITTED.value)
    tier: Mapped[int | None] = mapped_column(index=True)
    #: the node now handling it: its community, street or district
    handling_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    #: who entered it — the proposer, or a representative doing assisted entry
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: assisted entry (代录): a representative enters it for a neighbour who is not online
    assisted: Mapped[bool] = mapped_column(default=False)
    on_behalf_name: Mapped[str] = mapped_column(String(40), default="")
    on_behalf_phone: Mapped[str] = mapped_column(String(20), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    support_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    #: when supports first reached the district's threshold: triage is then mandatory
    threshold_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: jieba-segmented, lower-cased title and description, for search
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    community: Mapped[Region] = relationship(foreign_keys=[community_id])
    handling_region: Mapped[Region | None] = relationship(foreign_keys=[handling_region_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    merged_into: Mapped[Matter | None] = relationship(remote_side=[id])
    transitions: Mapped[list[Transition]] = relationship(
        back_populates="matter", order_by="Transition.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[MatterPhoto]] = relationship(
        back_populates="matter", order_by="MatterPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def flagged(self) -> bool:
        """Supports reached the threshold: triage is mandatory (and agenda-worthy)."""
        return self.threshold_reached_at is not None

    def __repr__(self) -> str:  # pragma: no cover
        return f"<Matter {self.id} {self.state}>"


class Transition(db.Model):
    """One step of a matter's life: who, when, from, to, why. Feeds the public timeline."""

    __tablename__ = "transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: None when the system acted
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: e.g. {"tier": 2, "routed_tier": 1} or {"into": 42, "carried": 7}
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    matter: Mapped[Matter] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class Support(db.Model):
    """附议 — a verified resident's support of a matter. One per person (database-enforced)."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("matter_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: set when carried over from a matter merged into this one
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))


class Comment(db.Model):
    """A comment on a matter. Staff may hide one, with a public reason; hidden text stays stored."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class MatterPhoto(db.Model):
    """A photo of a matter, re-encoded on upload and stored under a random name."""

    __tablename__ = "matter_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    matter: Mapped[Matter] = relationship(back_populates="photos")
