"""Region tree and per-district settings."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db


class RegionKind(StrEnum):
    DISTRICT = "district"  # 区
    STREET = "street"  # 街道 / 乡镇
    COMMUNITY = "community"  # 社区 / 村
    GROUP = "group"  # 居民小组 / 楼栋


#: the kind a child of each kind must have
CHILD_KIND = {
    RegionKind.DISTRICT: RegionKind.STREET,
    RegionKind.STREET: RegionKind.COMMUNITY,
    RegionKind.COMMUNITY: RegionKind.GROUP,
}


class Region(db.Model):
    """A node of the region tree. ``path`` is the materialised path of zero-padded ids ("/00000001/00000004/"),
    which sorts in tree order, so a
    role on a node covers every node whose path starts with it, without recursive queries."""

    __tablename__ = "region"
    __table_args__ = (
        CheckConstraint("kind IN ('district','street','community','group')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    #: a community that is a village (村) follows the rural procedures (村民会议, 四议两公开)
    is_village: Mapped[bool] = mapped_column(default=False)
    #: electorate figures kept by staff (adults ≥ 18 and households), used by later capabilities
    adult_count: Mapped[int] = mapped_column(Integer, default=0)
    household_count: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.id")

    def __repr__(self) -> str:  # pragma: no cover
        return f"<Region {self.id} {self.kind} {self.name}>"

    def covers(self, other: Region | None) -> bool:
        """True when ``other`` is this node or lies below it."""
        return other is not None and other.path.startswith(self.path)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class DistrictSettings(db.Model):
    """The rules a district sets for itself (DESIGN §2): tier thresholds, support threshold,
    time limits. One row per district."""

    __tablename__ = "district_settings"

    district_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    #: estimated cost at or below which a matter is tier 1 (community self-governance); fen
    tier1_max_fen: Mapped[int] = mapped_column(default=20_000 * 100)
    #: at or below which tier 2 (street); above it tier 3 (district); fen
    tier2_max_fen: Mapped[int] = mapped_column(default=200_000 * 100)
    #: supports (附议) that make triage mandatory and put the matter on the next agenda
    support_threshold: Mapped[int] = mapped_column(default=10)
    #: triage within this many working days of submission
    triage_days: Mapped[int] = mapped_column(default=5)
    #: an urgent matter is triaged within this many clock hours
    urgent_triage_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    #: the tier above answers an escalation (accepts or returns it) within this many working days
    escalation_days: Mapped[int] = mapped_column(default=10, server_default="10")
    #: a summoned department reports within this many working days
    report_days: Mapped[int] = mapped_column(default=5, server_default="5")

    district: Mapped[Region] = relationship()
