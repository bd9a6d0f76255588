"""The working-day calendar, kept as data by district officers."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 法定节假日 (a weekday off)
    WORKDAY = "workday"  # 调休上班 (a weekend day on)


class CalendarDay(db.Model):
    """An exception to the Monday–Friday week in one district: a holiday or a make-up working day."""

    __tablename__ = "calendar_day"
    __table_args__ = (
        UniqueConstraint("district_id", "day"),
        CheckConstraint("kind IN ('holiday','workday')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    #: e.g. 国庆节, 春节调休
    name: Mapped[str] = mapped_column(String(40), default="")
