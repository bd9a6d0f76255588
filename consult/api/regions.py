"""Regions: the district → street → community → building tree. Public reads."""

from __future__ import annotations

from typing import Any

from consult.api import bp
from consult.api.errors import MAX_INT, not_found
from consult.extensions import db
from consult.regions.models import Region
from consult.regions.services import tree


def region_json(region: Region) -> dict[str, Any]:
    return {
        "id": region.id,
        "parent_id": region.parent_id,
        "kind": region.kind,
        "name": region.name,
        "is_village": region.is_village,
    }


@bp.get("/regions")
def regions():
    """Every node of the region tree, flat and in tree order (each parent before its children)."""
    return {"items": [region_json(r) for r in tree()]}


@bp.get("/regions/<int:region_id>")
def region(region_id: int):
    """One node of the region tree."""
    found = db.session.get(Region, region_id) if region_id <= MAX_INT else None
    if found is None:
        raise not_found()
    return region_json(found)
