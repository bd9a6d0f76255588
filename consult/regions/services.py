"""Changes to the region tree — the only code that writes regions."""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import select

from consult.core.audit import audit
from consult.extensions import db
from consult.regions.models import CHILD_KIND, DistrictSettings, Region, RegionKind


class RegionError(ValueError):
    pass


def create_region(
    name: str,
    kind: RegionKind | str,
    parent: Region | None = None,
    *,
    is_village: bool = False,
    adult_count: int = 0,
    household_count: int = 0,
    by=None,
) -> Region:
    """Add a node under ``parent``; a district has no parent. Keeps ``path`` in step. When a
    person (``by``) adds it, the audit log records who."""
    kind = RegionKind(kind)
    if parent is None and kind != RegionKind.DISTRICT:
        raise RegionError("only a district may be a root")
    if parent is not None and CHILD_KIND.get(RegionKind(parent.kind)) != kind:
        raise RegionError(f"a {kind} cannot sit under a {parent.kind}")
    region = Region(
        name=name.strip(),
        kind=kind.value,
        parent=parent,
        is_village=is_village,
        adult_count=adult_count,
        household_count=household_count,
    )
    db.session.add(region)
    db.session.flush()
    region.path = f"{parent.path if parent else '/'}{region.id:08d}/"
    if kind == RegionKind.DISTRICT:
        threshold = current_app.config["SUPPORT_THRESHOLD"] if has_app_context() else 10
        db.session.add(DistrictSettings(district_id=region.id, support_threshold=threshold))
    db.session.flush()
    if by is not None:
        audit("region.create", actor=by, obj=region, kind=region.kind, parent_id=region.parent_id)
    return region


def settings_for(region: Region) -> DistrictSettings:
    district_id = region.ancestor_ids[0]
    settings = db.session.get(DistrictSettings, district_id)
    if settings is None:  # a district created outside create_region
        threshold = current_app.config["SUPPORT_THRESHOLD"] if has_app_context() else 10
        settings = DistrictSettings(district_id=district_id, support_threshold=threshold)
        db.session.add(settings)
        db.session.flush()
    return settings


def tree() -> list[Region]:
    """All nodes in tree order (one query)."""
    return list(db.session.scalars(select(Region).order_by(Region.path)))


#: the bounds a district may set its rules within
SETTING_BOUNDS = {
    "support_threshold": (1, 10_000),
    "triage_days": (1, 60),
    "urgent_triage_hours": (1, 168),
    "escalation_days": (1, 60),
    "report_days": (1, 60),
}


class SettingsError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def update_settings(settings: DistrictSettings, *, by, **values: int) -> None:
    """District officers set their district's rules: cost thresholds of the tiers (fen), the
    support threshold and the time limits. Checked whole before anything changes; audited."""
    from flask_babel import gettext as _

    tier1, tier2 = values.get("tier1_max_fen"), values.get("tier2_max_fen")
    if tier1 is None or tier2 is None or tier1 < 0:
        raise SettingsError(_("Enter both cost thresholds."), "tier1_max")
    if tier2 <= tier1:
        raise SettingsError(_("The tier 2 threshold must be above the tier 1 threshold."), "tier2_max")
    for name, (low, high) in SETTING_BOUNDS.items():
        value = values.get(name)
        if value is None or not low <= value <= high:
            raise SettingsError(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), name)
    changed = {}
    for name in ("tier1_max_fen", "tier2_max_fen", *SETTING_BOUNDS):
        if getattr(settings, name) != values[name]:
            changed[name] = [getattr(settings, name), values[name]]
            setattr(settings, name, values[name])
    if changed:
        audit("district.settings", actor=by, obj=settings.district, changed=changed)
