"""Matters (民生小实事): list, detail and similar proposals (public); create, support and
triage transitions (a caller with the permission).

Every view is thin: parse, ``require(caller, Perm.X, target)``, call the service, commit.
Permissions are asked of ``consult.core.permissions`` only. Public output never holds a full
name or a phone number: people appear masked (张*明), phones not at all.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.services import PHONE_RE, normalise_phone
from consult.api import bp
from consult.api.auth import require_caller
from consult.api.errors import MAX_INT, ApiError, Reader, invalid, json_body, not_found
from consult.core.masking import mask_name
from consult.core.money import InvalidAmount, parse_yuan
from consult.core.permissions import Perm, require
from consult.extensions import db, limiter
from consult.matters import search
from consult.matters import services as matter_services
from consult.matters.categories import CATEGORIES
from consult.matters.categories import label as category_label
from consult.matters.labels import state_label
from consult.matters.lifecycle import SUPPORTABLE, TIERS, Action, State, allowed_actions
from consult.matters.models import Matter, MatterPhoto, Transition
from consult.matters.services import MatterError
from consult.regions.models import Region

MAX_PAGE = 10_000
MAX_PER_PAGE = 100
TITLE_MAX = 120
DESCRIPTION_MAX = 5000
LOCATION_MAX = 200
NAME_MAX = 40
REASON_MAX = 2000
QUERY_MAX = 200

#: the triage transitions of ``POST /matters/{id}/transitions`` and who may do each
TRANSITION_PERMS: dict[Action, Perm] = {
    Action.ACCEPT: Perm.MATTER_TRIAGE,
    Action.REJECT: Perm.MATTER_TRIAGE,
    Action.MERGE: Perm.MATTER_TRIAGE,
    Action.WITHDRAW: Perm.MATTER_WITHDRAW,
    Action.RAISE_TIER: Perm.MATTER_RAISE_TIER,
}

#: keys of ``Transition.data`` that are public on the timeline
TIMELINE_DETAILS = ("tier", "routed_tier", "previous_tier", "into", "carried", "assisted")


# Output ----------------------------------------------------------------------------------------
def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _yuan(fen: int | None) -> str | None:
    """8000050 → "80000.50": exact, no float, no grouping separators."""
    return None if fen is None else f"{fen // 100}.{fen % 100:02d}"


def photo_url(photo: MatterPhoto) -> str:
    return f"/matters/photos/{photo.stored_name}"


def matter_summary(matter: Matter) -> dict[str, Any]:
    """The public fields of a matter in lists (needs ``matter.community`` loaded)."""
    return {
        "id": matter.id,
        "title": matter.title,
        "category": matter.category,
        "category_label": category_label(matter.category),
        "state": matter.state,
        "state_label": state_label(matter.state),
        "tier": matter.tier,
        "community_id": matter.community_id,
        "community_name": matter.community.name,
        "estimated_cost_fen": matter.estimated_cost_fen,
        "estimated_cost": _yuan(matter.estimated_cost_fen),
        "support_count": matter.support_count,
        "comment_count": matter.comment_count,
        "flagged": matter.flagged,
        "assisted": matter.assisted,
        "created_at": _iso(matter.created_at),
        "url": url_for("api.matter", matter_id=matter.id),
    }


def _timeline_entry(step: Transition) -> dict[str, Any]:
    data = step.data or {}
    return {
        "at": _iso(step.at),
        "action": step.action,
        "from_state": step.from_state,
        "to_state": step.to_state,
        "reason": step.reason or "",
        "actor": mask_name(step.actor.name) if step.actor else None,
        "details": {key: data[key] for key in TIMELINE_DETAILS if key in data},
    }


def matter_detail(matter: Matter) -> dict[str, Any]:
    """Everything public about a matter, with its timeline; people masked, no phones."""
    proposer = matter.on_behalf_name if matter.assisted else matter.author.name
    return {
        **matter_summary(matter),
        "description": matter.description,
        "location": matter.location,
        "handling_region_id": matter.handling_region_id,
        "merged_into_id": matter.merged_into_id,
        "updated_at": _iso(matter.updated_at),
        "triaged_at": _iso(matter.triaged_at),
        "proposer": mask_name(proposer),
        "entered_by": mask_name(matter.author.name) if matter.assisted else None,
        "photos": [
            {
                "url": photo_url(p),
                "content_type": p.content_type,
                "width": p.width,
                "height": p.height,
            }
            for p in matter.photos
        ],
        "timeline": [_timeline_entry(t) for t in matter.transitions],
    }


# Loading ---------------------------------------------------------------------------------------
def _load(matter_id: int, *, detail: bool = False) -> Matter:
    """The matter or a 404, in one query (three with the timeline and photos)."""
    if not 0 < matter_id <= MAX_INT:  # larger ids cannot exist, and SQLite cannot bind them
        raise not_found()
    stmt = select(Matter).where(Matter.id == matter_id).options(joinedload(Matter.community))
    if detail:
        stmt = stmt.options(
            joinedload(Matter.author),
            selectinload(Matter.transitions).joinedload(Transition.actor),
            selectinload(Matter.photos),
        ).execution_options(populate_existing=True)
    matter = db.session.scalar(stmt)
    if matter is None:
        raise not_found()
    return matter


def _matter_error(exc: MatterError) -> ApiError:
    """A broken domain rule → its status (422/409/403/…) with the field it belongs to."""
    db.session.rollback()
    codes = {403: "forbidden", 409: "conflict", 413: "too_large", 415: "unsupported_media_type"}
    message = str(exc)
    fields = {exc.field: message} if exc.field else None
    return ApiError(exc.status, codes.get(exc.status, "invalid"), message, fields=fields)


def _conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


# Public reads ----------------------------------------------------------------------------------
@bp.get("/matters")
def matters():
    """Matters, newest first, filtered by community, category, state, tier and words (``q``:
    every word must occur), one page at a time."""
    args = Reader(request.args, query=True)
    community_id = args.integer("community_id", minimum=1)
    category = args.choice("category", list(CATEGORIES))
    state = args.choice("state", [s.value for s in State])
    tier = args.integer("tier", minimum=min(TIERS), maximum=max(TIERS))
    query = args.string("q", max_length=QUERY_MAX)
    page = args.integer("page", minimum=1, maximum=MAX_PAGE, default=1)
    per_page = args.integer(
        "per_page",
        minimum=1,
        maximum=MAX_PER_PAGE,
        default=min(current_app.config["PAGE_SIZE"], MAX_PER_PAGE),
    )
    args.done()

    conditions = []
    if community_id is not None:
        conditions.append(Matter.community_id == community_id)
    if category is not None:
        conditions.append(Matter.category == category)
    if state is not None:
        conditions.append(Matter.state == state)
    if tier is not None:
        conditions.append(Matter.tier == tier)
    # search_text is wrapped in spaces and holds no punctuation, so no LIKE escaping is needed
    conditions += [Matter.search_text.like(f"% {w} %") for w in search.query_words(query)]

    total = db.session.scalar(select(func.count()).select_from(Matter).where(*conditions))
    rows = db.session.scalars(
        select(Matter)
        .where(*conditions)
        .options(joinedload(Matter.community))
        .order_by(Matter.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "items": [matter_summary(m) for m in rows],
        "page": page,
        "per_page": per_page,
        "total": total or 0,
    }


@bp.get("/matters/similar")
def similar():
    """Open matters of a community whose titles look like ``title`` (to support instead of
    filing a duplicate), best first."""
    args = Reader(request.args, query=True)
    community_id = args.integer("community_id", required=True, minimum=1)
    title = args.string("title", max_length=TITLE_MAX, required=True)
    exclude_id = args.integer("exclude_id", minimum=1)
    args.done()
    found = matter_services.similar_matters(community_id, title, exclude_id=exclude_id)
    return {"items": [matter_summary(m) for m in found]}


@bp.get("/matters/<int:matter_id>")
def matter(matter_id: int):
    """One matter with its public timeline and photos."""
    return matter_detail(_load(matter_id, detail=True))


# Writes ----------------------------------------------------------------------------------------
def _cost(body: Reader) -> int | None:
    """The estimated cost in fen, from ``estimated_cost_fen`` or ``estimated_cost`` (yuan)."""
    fen = body.integer("estimated_cost_fen", maximum=MAX_INT)
    text = body.string("estimated_cost", max_length=20)
    if not text:
        return fen
    if body.data.get("estimated_cost_fen") is not None:
        body.fail("estimated_cost", _("Give the cost in fen or in yuan, not both."))
        return None
    try:
        fen = parse_yuan(text)
    except InvalidAmount:
        body.fail("estimated_cost", _("Enter an amount in yuan, such as 1200 or 1200.50."))
        return None
    if fen is not None and fen > MAX_INT:
        body.fail("estimated_cost", _("This amount is too large."))
        return None
    return fen


@bp.post("/matters")
@limiter.limit(lambda: current_app.config["RATELIMIT_PROPOSE"])
def create_matter():
    """Propose a matter in the caller's community (or ``community_id``) — or, for a
    representative or staff, enter one on behalf of a neighbour who is not online."""
    user = require_caller()
    body = Reader(json_body())
    title = body.string("title", max_length=TITLE_MAX, required=True)
    description = body.string("description", max_length=DESCRIPTION_MAX, required=True)
    category = body.choice("category", list(CATEGORIES), required=True)
    community_id = body.integer("community_id", minimum=1)
    location = body.string("location", max_length=LOCATION_MAX)
    cost_fen = _cost(body)
    on_behalf_name = body.string("on_behalf_name", max_length=NAME_MAX)
    on_behalf_phone = body.string("on_behalf_phone", max_length=20)
    if on_behalf_phone:
        on_behalf_phone = normalise_phone(on_behalf_phone)
        if not PHONE_RE.match(on_behalf_phone):
            body.fail("on_behalf_phone", _("Enter an 11-digit mainland mobile number."))
        if not on_behalf_name:
            body.fail("on_behalf_name", _("Give the name of the neighbour you enter this for."))
    body.done()

    community = db.session.get(Region, community_id) if community_id else user.community
    if community is None:
        raise invalid({"community_id": _("Choose a community.")})
    require(
        user,
        Perm.MATTER_PROPOSE_ASSISTED if on_behalf_name else Perm.MATTER_PROPOSE,
        community,
    )
    try:
        created = matter_services.submit_matter(
            author=user,
            community=community,
            title=title,
            description=description,
            category=category or "",
            location=location,
            estimated_cost_fen=cost_fen,
            on_behalf_name=on_behalf_name,
            on_behalf_phone=on_behalf_phone,
        )
    except MatterError as exc:
        raise _matter_error(exc) from None
    matter_id = created.id
    db.session.commit()
    location_url = url_for("api.matter", matter_id=matter_id)
    return matter_detail(_load(matter_id, detail=True)), 201, {"Location": location_url}


def _set_support(matter_id: int, *, on: bool):
    user = require_caller()
    matter = _load(matter_id)
    if State(matter.state) not in SUPPORTABLE:
        raise _conflict(_("This matter no longer takes supports."))
    require(user, Perm.MATTER_SUPPORT, matter)
    try:
        if on:
            matter_services.support(matter, user)
        else:
            matter_services.unsupport(matter, user)
    except MatterError as exc:
        raise _matter_error(exc) from None
    count = matter.support_count
    db.session.commit()
    return {"supported": on, "support_count": count}


@bp.post("/matters/<int:matter_id>/support")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT"])
def support_matter(matter_id: int):
    """附议: support a matter of one's own community. Idempotent."""
    return _set_support(matter_id, on=True)


@bp.delete("/matters/<int:matter_id>/support")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT"])
def unsupport_matter(matter_id: int):
    """Take one's support back. Idempotent."""
    return _set_support(matter_id, on=False)


@bp.post("/matters/<int:matter_id>/transitions")
def transition(matter_id: int):
    """Move a matter through its lifecycle: accept (tier), reject (reason), merge (into),
    withdraw (by the proposer), raise_tier (tier, reason)."""
    user = require_caller()
    matter = _load(matter_id)
    body = Reader(json_body())
    name = body.choice("action", [a.value for a in TRANSITION_PERMS], required=True)
    body.done()
    action = Action(name)
    if action not in allowed_actions(matter.state):
        raise _conflict(
            _(
                "This cannot be done while the matter is in the state “%(state)s”.",
                state=state_label(matter.state),
            )
        )
    if action == Action.RAISE_TIER and (matter.tier or 1) >= max(TIERS):
        raise _conflict(_("This matter is already at the highest tier."))
    require(user, TRANSITION_PERMS[action], matter)

    tier = body.integer(
        "tier", minimum=min(TIERS), maximum=max(TIERS), required=action == Action.RAISE_TIER
    )
    reason = body.string("reason", max_length=REASON_MAX)
    into_id = body.integer("into", minimum=1, maximum=MAX_INT, required=action == Action.MERGE)
    body.done()
    try:
        if action == Action.ACCEPT:
            matter_services.accept_matter(matter, by=user, tier=tier, reason=reason)
        elif action == Action.REJECT:
            matter_services.reject_matter(matter, by=user, reason=reason)
        elif action == Action.WITHDRAW:
            matter_services.withdraw_matter(matter, by=user, reason=reason)
        elif action == Action.RAISE_TIER:
            matter_services.raise_tier(matter, by=user, tier=tier or 0, reason=reason)
        else:
            into = db.session.get(Matter, into_id)
            if into is None:
                raise invalid({"into": _("There is no matter with that number.")})
            matter_services.merge_matter(matter, into=into, by=user, reason=reason)
    except MatterError as exc:
        raise _matter_error(exc) from None
    db.session.commit()
    return matter_detail(_load(matter_id, detail=True))
