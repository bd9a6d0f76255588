"""Matter services — the only code that changes matters, supports and comments.

Each service checks the lifecycle (``lifecycle.next_state``), writes the change, records a
:class:`Transition` (who, when, from, to, why) where the state or tier moves, and appends to
the audit log for staff actions. Permission checks stay with the callers (views and API), which
ask ``can()``; services enforce the rules of the domain that hold whoever acts.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from consult.accounts.models import User
from consult.core.audit import audit
from consult.core.money import format_yuan
from consult.core.timeutil import utcnow
from consult.extensions import db
from consult.matters import search
from consult.matters.categories import CATEGORIES
from consult.matters.lifecycle import (
    SUPPORTABLE,
    Action,
    State,
    TransitionError,
    check_tier,
    next_state,
    tier_for_cost,
)
from consult.matters.models import Comment, Matter, MatterPhoto, Support, Transition
from consult.regions.models import Region, RegionKind
from consult.regions.services import settings_for

#: lengths the columns hold (and a sane bound for the description); forms use the same
TITLE_MAX = 120
DESCRIPTION_MAX = 5000
LOCATION_MAX = 200
ON_BEHALF_NAME_MAX = 40
ON_BEHALF_PHONE_MAX = 20
#: 20 million yuan: far beyond any small matter, so a larger figure is a typing mistake
MAX_COST_FEN = 2_000_000_000


def _text(value: str | None) -> str:
    """Stripped text without NUL characters (PostgreSQL refuses them in text columns)."""
    return (value or "").replace("\x00", "").strip()


class MatterError(ValueError):
    """A domain rule was broken; ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


# Photos ---------------------------------------------------------------------------------------
ALLOWED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass
class PhotoUpload:
    filename: str
    data: bytes


def _prepare_photo(upload: PhotoUpload) -> tuple[MatterPhoto, bytes]:
    """Decode the upload as an image (content, not the name, decides) and re-encode it without
    its metadata (EXIF may hold GPS). Nothing is written yet: see :func:`_write_photos`."""
    from PIL import Image, UnidentifiedImageError

    max_bytes = current_app.config["MAX_PHOTO_BYTES"]
    if len(upload.data) > max_bytes:
        raise MatterError(
            _("Each photo must be at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)), "photos", 413
        )
    try:
        with Image.open(io.BytesIO(upload.data)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in ALLOWED_IMAGE_FORMATS:
            raise MatterError(_("Photos must be JPEG, PNG or WebP images."), "photos", 415)
        with Image.open(io.BytesIO(upload.data)) as image:
            if image.width * image.height > 40_000_000:
                raise MatterError(_("That photo is too large."), "photos", 413)
            image.load()
            width, height = image.size
            # Saving anew writes pixels only: EXIF and text chunks are not carried over.
            if fmt == "JPEG":
                image = image.convert("RGB")
            elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format=fmt, **({"quality": 88} if fmt == "JPEG" else {}))
    except MatterError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise MatterError(_("Photos must be JPEG, PNG or WebP images."), "photos", 415) from None
    data = out.getvalue()
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
    name = f"{secrets.token_hex(16)}.{ext}"
    photo = MatterPhoto(
        stored_name=name,
        content_type=ALLOWED_IMAGE_FORMATS[fmt],
        size=len(data),
        width=width,
        height=height,
    )
    return photo, data


def _write_photos(prepared: list[tuple[MatterPhoto, bytes]]) -> None:
    """Store the files under their random names outside the web root."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    for photo, data in prepared:
        (folder / photo.stored_name).write_bytes(data)


def photo_path(photo: MatterPhoto) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / photo.stored_name


# Submission ----------------------------------------------------------------------------------
def _record(matter: Matter, action: Action, actor: User | None, from_state, *, reason="", **data):
    transition = Transition(
        matter=matter,
        actor_id=actor.id if actor else None,
        action=action.value,
        from_state=from_state.value if from_state else None,
        to_state=matter.state,
        reason=reason or "",
        data=data,
        at=utcnow(),
    )
    db.session.add(transition)
    return transition


def submit_matter(
    *,
    author: User,
    community: Region,
    title: str,
    description: str,
    category: str,
    location: str = "",
    estimated_cost_fen: int | None = None,
    photos: list[PhotoUpload] | None = None,
    on_behalf_name: str = "",
    on_behalf_phone: str = "",
) -> Matter:
    """A resident proposes a matter — or a representative enters one for a neighbour who is not
    online (assisted entry: ``on_behalf_name`` given), recorded as such."""
    if community.kind != RegionKind.COMMUNITY.value:
        raise MatterError(_("Choose a community."), "community_id")
    if category not in CATEGORIES:
        raise MatterError(_("Choose a category from the list."), "category")
    title, description, location = _text(title), _text(description), _text(location)
    on_behalf_name, on_behalf_phone = _text(on_behalf_name), _text(on_behalf_phone)
    if not title:
        raise MatterError(_("A title is required."), "title")
    if not description:
        raise MatterError(_("A description is required."), "description")
    for value, limit, field in (
        (title, TITLE_MAX, "title"),
        (description, DESCRIPTION_MAX, "description"),
        (location, LOCATION_MAX, "location"),
        (on_behalf_name, ON_BEHALF_NAME_MAX, "on_behalf_name"),
        (on_behalf_phone, ON_BEHALF_PHONE_MAX, "on_behalf_phone"),
    ):
        if len(value) > limit:
            raise MatterError(_("At most %(n)d characters.", n=limit), field)
    if estimated_cost_fen is not None and estimated_cost_fen < 0:
        raise MatterError(_("The cost cannot be negative."), "estimated_cost")
    if estimated_cost_fen is not None and estimated_cost_fen > MAX_COST_FEN:
        raise MatterError(
            _("The estimated cost can be at most %(max)s.", max=format_yuan(MAX_COST_FEN)),
            "estimated_cost",
        )
    photos = photos or []
    if len(photos) > current_app.config["MAX_PHOTOS_PER_MATTER"]:
        raise MatterError(
            _("At most %(n)d photos.", n=current_app.config["MAX_PHOTOS_PER_MATTER"]), "photos"
        )
    prepared = [_prepare_photo(p) for p in photos]  # every photo is checked before anything is written
    matter = Matter(
        title=title,
        description=description,
        category=category,
        community=community,
        location=location,
        estimated_cost_fen=estimated_cost_fen,
        author=author,
        assisted=bool(on_behalf_name),
        on_behalf_name=on_behalf_name,
        on_behalf_phone=on_behalf_phone,
        state=next_state(None, Action.SUBMIT).value,
        search_text=search.index_text(title, description),
        photos=[photo for photo, _data in prepared],
    )
    db.session.add(matter)
    db.session.flush()
    _write_photos(prepared)  # only once the rows are in: a refused submission leaves no files
    _record(matter, Action.SUBMIT, author, None, assisted=matter.assisted)
    if matter.assisted:
        audit("matter.assisted_entry", actor=author, obj=matter)
    return matter


def withdraw_matter(matter: Matter, *, by: User, reason: str = "") -> None:
    """The proposer withdraws a matter before triage."""
    if matter.author_id != by.id:
        raise MatterError(_("Only the proposer can withdraw a matter."), status=403)
    _move(matter, Action.WITHDRAW, by, reason=_text(reason))


def _move(matter: Matter, action: Action, actor: User | None, *, reason: str = "", **data) -> Transition:
    before = State(matter.state)
    try:
        after = next_state(before, action)
    except TransitionError:
        raise MatterError(
            _("This matter can no longer be changed that way (it is now %(state)s).", state=before.value),
            status=409,
        ) from None
    now = utcnow()
    # Compare-and-set: when someone else moved the matter since it was read (two officers
    # triaging at once), nothing is written and the caller gets a 409.
    moved = db.session.execute(
        update(Matter)
        .where(Matter.id == matter.id, Matter.state == before.value)
        .values(state=after.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise MatterError(
            _("This matter was changed meanwhile. Please reload the page and try again."), status=409
        )
    matter.state = after.value
    matter.updated_at = now
    return _record(matter, action, actor, before, reason=reason, **data)


# Triage ----------------------------------------------------------------------------------------
def routed_tier(matter: Matter) -> int:
    settings = settings_for(matter.community)
    return tier_for_cost(matter.estimated_cost_fen, settings.tier1_max_fen, settings.tier2_max_fen)


def _handling_node(matter: Matter, tier: int) -> Region:
    node = matter.community
    for _step in range(tier - 1):
        node = node.parent
    return node


def accept_matter(matter: Matter, *, by: User, tier: int | None = None, reason: str = "") -> None:
    """Accept a matter at the tier its cost routes it to, or higher with a reason."""
    routed = routed_tier(matter)
    try:
        tier = routed if tier is None else int(tier)
    except (TypeError, ValueError):
        raise MatterError(_("The tier must be 1, 2 or 3."), "tier") from None
    reason = _text(reason)
    try:
        check_tier(tier, routed, reason)
    except TransitionError as exc:
        messages = {
            "tier must be 1, 2 or 3": _("The tier must be 1, 2 or 3."),
            "the tier cannot be lower than the cost routing gives": _(
                "The tier cannot be lower than tier %(t)d, which the estimated cost gives.", t=routed
            ),
            "raising the tier needs a reason": _("Give a reason for raising the tier."),
        }
        raise MatterError(messages.get(str(exc), str(exc)), "reason" if "reason" in str(exc) else "tier") from None
    _move(matter, Action.ACCEPT, by, reason=reason, tier=tier, routed_tier=routed)
    matter.tier = tier
    matter.handling_region_id = _handling_node(matter, tier).id
    matter.triaged_at = utcnow()
    audit("matter.accept", actor=by, obj=matter, tier=tier)


def raise_tier(matter: Matter, *, by: User, tier: int, reason: str) -> None:
    """Raise an accepted matter's tier (e.g. it proves costlier or wider than first thought).
    One tier at a time, never skipping one (DESIGN §2); skipping is only possible at
    acceptance, against the routed tier, with a reason."""
    reason = _text(reason)
    if not reason:
        raise MatterError(_("Give a reason for raising the tier."), "reason")
    try:
        tier = int(tier)
    except (TypeError, ValueError):
        raise MatterError(_("The tier must be 1, 2 or 3."), "tier") from None
    if tier not in (1, 2, 3) or tier <= (matter.tier or 1):
        raise MatterError(_("The new tier must be higher than the current one."), "tier")
    if tier != (matter.tier or 1) + 1:
        raise MatterError(_("Raise the tier one step at a time, without skipping one."), "tier")
    old = matter.tier
    _move(matter, Action.RAISE_TIER, by, reason=reason, tier=tier, previous_tier=old)
    matter.tier = tier
    matter.handling_region_id = _handling_node(matter, tier).id
    audit("matter.raise_tier", actor=by, obj=matter, tier=tier, previous=old)


def reject_matter(matter: Matter, *, by: User, reason: str) -> None:
    """Reject with a public reason."""
    reason = _text(reason)
    if not reason:
        raise MatterError(_("Give the public reason for rejecting."), "reason")
    _move(matter, Action.REJECT, by, reason=reason)
    matter.triaged_at = utcnow()
    audit("matter.reject", actor=by, obj=matter)


def merge_matter(matter: Matter, *, into: Matter, by: User, reason: str = "") -> int:
    """Merge a duplicate into another matter of the same community. Its supporters are carried
    over, nobody counted twice (the target's author and existing supporters are skipped).
    Returns how many supports were carried."""
    if into.id == matter.id:
        raise MatterError(_("A matter cannot be merged into itself."), "into")
    if into.community_id != matter.community_id:
        raise MatterError(_("Only matters of the same community can be merged."), "into")
    # Claim the target with a write that re-checks its state: two opposite merges (A into B, B
    # into A) at the same moment must not both happen. SQLite serialises the two writes;
    # PostgreSQL breaks the deadlock between them by failing one, which becomes a 409.
    try:
        open_target = db.session.execute(
            update(Matter)
            .where(Matter.id == into.id, Matter.state.in_([s.value for s in SUPPORTABLE]))
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    except OperationalError:
        raise MatterError(
            _("The target matter is being changed right now. Please try again in a moment."),
            "into",
            status=409,
        ) from None
    if not open_target:
        raise MatterError(_("The target matter is closed; choose an open one."), "into")
    already = select(Support.user_id).where(Support.matter_id == into.id)
    carried_rows = db.session.execute(
        select(Support.user_id, Support.created_at).where(
            Support.matter_id == matter.id,
            Support.user_id.not_in(already),
            Support.user_id != into.author_id,
        )
    ).all()
    # The state check comes first: a refused merge must write nothing.
    _move(matter, Action.MERGE, by, reason=reason, into=into.id, carried=len(carried_rows))
    if carried_rows:
        db.session.execute(
            insert(Support),
            [
                {"matter_id": into.id, "user_id": uid, "created_at": at, "carried_from_id": matter.id}
                for uid, at in carried_rows
            ],
        )
    matter.merged_into_id = into.id
    matter.triaged_at = matter.triaged_at or utcnow()
    _recount_supports(into)
    audit("matter.merge", actor=by, obj=matter, into=into.id, carried=len(carried_rows))
    return len(carried_rows)


# Supports --------------------------------------------------------------------------------------
def _recount_supports(matter: Matter) -> None:
    db.session.flush()
    count = db.session.scalar(select(func.count()).select_from(Support).where(Support.matter_id == matter.id))
    matter.support_count = count or 0
    _check_threshold(matter)


def _check_threshold(matter: Matter) -> None:
    threshold = settings_for(matter.community).support_threshold
    if matter.threshold_reached_at is None and matter.support_count >= threshold:
        matter.threshold_reached_at = utcnow()


def is_supporting(matter: Matter, user: User | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(Support.id).where(Support.matter_id == matter.id, Support.user_id == user.id)
        )
        is not None
    )


def support(matter: Matter, user: User) -> bool:
    """附议. Idempotent: supporting twice leaves one support (the database's unique constraint
    decides under concurrency). Returns True when a new support was recorded."""
    if State(matter.state) not in SUPPORTABLE:
        raise MatterError(_("This matter no longer takes supports."), status=409)
    try:
        with db.session.begin_nested():
            db.session.add(Support(matter_id=matter.id, user_id=user.id, created_at=utcnow()))
    except IntegrityError:
        return False
    # Atomic increment, so concurrent supports never lose a count.
    db.session.execute(
        update(Matter)
        .where(Matter.id == matter.id)
        .values(support_count=Matter.support_count + 1)
        .execution_options(synchronize_session=False)  # refreshed below; no identity-map scan
    )
    db.session.refresh(matter, ["support_count"])
    _check_threshold(matter)
    return True


def unsupport(matter: Matter, user: User) -> bool:
    """Take a support back while the matter still takes supports. Returns True if one existed."""
    if State(matter.state) not in SUPPORTABLE:
        raise MatterError(_("This matter no longer takes supports."), status=409)
    result = db.session.execute(
        delete(Support).where(Support.matter_id == matter.id, Support.user_id == user.id)
    )
    if result.rowcount:
        db.session.execute(
            update(Matter)
            .where(Matter.id == matter.id)
            .values(support_count=Matter.support_count - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(matter, ["support_count"])
        return True
    return False


# Comments ----------------------------------------------------------------------------------------
MAX_COMMENT = 2000


def add_comment(matter: Matter, *, author: User, body: str) -> Comment:
    body = _text(body)
    if not body:
        raise MatterError(_("Write something first."), "body")
    if len(body) > MAX_COMMENT:
        raise MatterError(_("A comment can be at most %(n)d characters.", n=MAX_COMMENT), "body")
    comment = Comment(matter_id=matter.id, author=author, body=body, created_at=utcnow())
    db.session.add(comment)
    matter.comment_count = (matter.comment_count or 0) + 1
    return comment


def hide_comment(comment: Comment, *, by: User, reason: str) -> None:
    """Staff hide a comment with a public reason; the text stays stored for the audit."""
    reason = _text(reason)
    if not reason:
        raise MatterError(_("Give the public reason for hiding this comment."), "reason")
    if comment.hidden_at is not None:
        return
    comment.hidden_at = utcnow()
    comment.hidden_by_id = by.id
    comment.hidden_reason = reason
    audit("comment.hide", actor=by, obj=comment, matter_id=comment.matter_id)


# Similar proposals ---------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def _title_words(title: str) -> tuple[str, ...]:
    """Segmenting up to 200 candidate titles on every call is the cost of a similar-search;
    titles rarely change, so their words are remembered."""
    return tuple(search.query_words(title))


def similar_matters(community_id: int, title: str, *, exclude_id: int | None = None, limit: int = 5):
    """Open matters of the same community whose words overlap the title's (jieba), best first.
    Reads at most 200 candidates, so the cost is bounded whatever the data size."""
    words = search.query_words(title)
    if not words:
        return []
    like_any = [Matter.search_text.like(f"% {w} %") for w in words]
    from sqlalchemy import or_

    stmt = (
        select(Matter)
        .where(
            Matter.community_id == community_id,
            Matter.state.not_in([State.REJECTED.value, State.WITHDRAWN.value, State.MERGED.value]),
            or_(*like_any),
        )
        .order_by(Matter.id.desc())
        .limit(200)
    )
    if exclude_id:
        stmt = stmt.where(Matter.id != exclude_id)
    scored = []
    for matter in db.session.scalars(stmt):
        score = search.similarity(words, _title_words(matter.title) or matter.search_text.split())
        if score >= 0.2:
            scored.append((score, matter))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
    return [m for _s, m in scored[:limit]]
