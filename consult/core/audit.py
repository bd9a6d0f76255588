"""The audit log of staff and security-relevant actions (SECURITY L1/L2).

Rows are append-only: the ORM refuses to update or delete them, and no view edits them.
Never store secrets or full personal data here — ids and masked values only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.core.timeutil import UTCDateTime, utcnow
from consult.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column()
    result: Mapped[str] = mapped_column(String(20), default="ok")
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditImmutable(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditImmutable("audit entries cannot be changed or deleted")


def audit(
    action: str,
    *,
    actor=None,
    obj=None,
    result: str = "ok",
    **detail: Any,
) -> AuditEntry:
    """Append one audit row in the current transaction (committed with the change it records)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        result=result,
        ip=(request.remote_addr or "") if has_request_context() else "",
        detail=detail,
    )
    db.session.add(entry)
    return entry
