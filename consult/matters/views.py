"""Matter pages: the public list (filters, search, pages), the detail page with its public
timeline, proposing (with similar proposals), supports (附议), comments, withdrawal and triage.

Views are thin: parse the form, ask ``can``/``require``, call a service, commit, then redirect
(or render again with the error next to the field and a 4xx). Every page issues a bounded number
of queries whatever the data size (eager loads; counts come from denormalised columns).
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from consult.core.htmx import is_htmx
from consult.core.i18n import lazy_text
from consult.core.masking import mask_name
from consult.core.permissions import Perm, can, require
from consult.extensions import db, limiter
from consult.matters import search, services
from consult.matters.forms import (
    MAX_ID,
    AcceptForm,
    CommentForm,
    FilterForm,
    HideCommentForm,
    MergeForm,
    ProposeForm,
    RaiseTierForm,
    RejectForm,
    WithdrawForm,
)
from consult.matters.labels import action_label, state_label, tier_label
from consult.matters.lifecycle import SUPPORTABLE, State
from consult.matters.models import Comment, Matter, MatterPhoto, Support, Transition
from consult.matters.services import MatterError, PhotoUpload
from consult.regions.models import Region, RegionKind
from consult.regions.services import settings_for

bp = Blueprint("matters", __name__)

COMMENTS_PER_PAGE = 50
_PHOTO_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp)")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "state_label": state_label,
        "action_label": action_label,
        "tier_label": tier_label,
        # only to explain to people why they cannot support or comment; can() decides
        "supportable_states": [s.value for s in SUPPORTABLE],
        "closed_states": [s.value for s in (State.REJECTED, State.MERGED, State.WITHDRAWN)],
    }


def _rate_key() -> str:
    """Rate limits count per account when logged in (many neighbours may share one IP)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _propose_limit() -> str:
    return current_app.config["RATELIMIT_PROPOSE"]


def _support_limit() -> str:
    return current_app.config["RATELIMIT_SUPPORT"]


# Loading ---------------------------------------------------------------------------------------
def _load_matter(matter_id: int, *, for_update: bool = False) -> Matter:
    """The matter (with its community) or 404. Actions lock the row (PostgreSQL), so two staff
    acting at once see each other's change; the services' compare-and-set of the state backs
    this up on every backend."""
    if not 0 < matter_id <= MAX_ID:
        abort(404)
    stmt = select(Matter).where(Matter.id == matter_id).options(joinedload(Matter.community))
    if for_update:
        stmt = stmt.with_for_update(of=Matter)
    matter = db.session.scalar(stmt)
    if matter is None:
        abort(404)
    return matter


def _community_groups() -> list[tuple[Region, list[Region]]]:
    """Streets with their communities, in tree order (one query)."""
    groups: list[tuple[Region, list[Region]]] = []
    by_street: dict[int, list[Region]] = {}
    rows = db.session.scalars(
        select(Region)
        .where(Region.kind.in_([RegionKind.STREET.value, RegionKind.COMMUNITY.value]))
        .order_by(Region.path)
    )
    for region in rows:
        if region.kind == RegionKind.STREET.value:
            by_street[region.id] = []
            groups.append((region, by_street[region.id]))
        elif region.parent_id in by_street:
            by_street[region.parent_id].append(region)
    return groups


def _community_choices(groups: list[tuple[Region, list[Region]]]) -> list[SelectChoice]:
    return [
        SelectChoice(str(c.id), c.name, optgroup=street.name)
        for street, communities in groups
        for c in communities
    ]


def _add_error(form, field: str | None, message: str) -> None:
    """Put a service's error next to its field (or above the form when it has none)."""
    target = form._fields.get(field) if field else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


# The list ----------------------------------------------------------------------------------------
@bp.get("/matters")
def index():
    """The public list with filters (community, category, state, tier, mine, flagged), a
    full-text search, two orders and pages. An htmx request gets the results alone."""
    groups = _community_groups()
    form = FilterForm(formdata=request.args)
    form.community.choices = [SelectChoice("", _("All communities")), *_community_choices(groups)]
    for field in (form.category, form.state, form.tier, form.sort):
        # Translate each label once, through the per-request catalog, not at every use.
        field.choices = [dataclasses.replace(c, label=lazy_text(c.label)) for c in field.choices]
    form.validate()  # invalid values are shown next to their field and not applied

    def value(field):
        return None if field.errors else field.data

    conditions = []
    if community_id := value(form.community):
        conditions.append(Matter.community_id == community_id)
    if category := value(form.category):
        conditions.append(Matter.category == category)
    if state := value(form.state):
        conditions.append(Matter.state == state)
    if tier := value(form.tier):
        conditions.append(Matter.tier == tier)
    if value(form.mine) and current_user.is_authenticated:
        conditions.append(Matter.author_id == current_user.id)
    if value(form.flagged):
        conditions.append(Matter.threshold_reached_at.is_not(None))
    words = search.query_words(value(form.q) or "")
    conditions.extend(Matter.search_text.like(f"% {word} %") for word in words)

    total = db.session.scalar(select(func.count()).select_from(Matter).where(*conditions)) or 0
    per_page = current_app.config["PAGE_SIZE"]
    pages = max(1, math.ceil(total / per_page))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    if value(form.sort) == "support":
        order = (Matter.support_count.desc(), Matter.id.desc())
    else:
        # Ids follow submission order, and the primary key makes this cheap at any size.
        order = (Matter.id.desc(),)
    matters = db.session.scalars(
        select(Matter)
        .where(*conditions)
        .options(joinedload(Matter.community), joinedload(Matter.author))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()

    args = {k: v for k, v in request.args.items() if k != "page" and v}
    context = dict(
        form=form, matters=matters, total=total, page=page, pages=pages, args=args, words=words
    )
    if is_htmx() and not request.headers.get("HX-History-Restore-Request"):
        return render_template("_partials/matter_results.html", **context)
    return render_template("matters/index.html", **context)


# The detail page -------------------------------------------------------------------------------
def _detail_response(matter_id: int, status: int = 200, *, cpage: int | None = None, **extra: Any):
    """Render the detail page; actions that fail pass their form (with its errors) in ``extra``."""
    if not 0 < matter_id <= MAX_ID:
        abort(404)
    options = (
        joinedload(Matter.community).joinedload(Region.parent).joinedload(Region.parent),
        joinedload(Matter.handling_region),
        joinedload(Matter.author),
        joinedload(Matter.merged_into),
        joinedload(Matter.photos),
        selectinload(Matter.transitions).joinedload(Transition.actor),
    )
    if current_user.is_authenticated:
        supporting_col = (
            exists()
            .where(Support.matter_id == Matter.id, Support.user_id == current_user.id)
            .label("supporting")
        )
        stmt = select(Matter, supporting_col)
    else:
        stmt = select(Matter)
    row = db.session.execute(stmt.where(Matter.id == matter_id).options(*options)).unique().first()
    if row is None:
        abort(404)
    matter = row[0]
    supporting = bool(row[1]) if len(row) > 1 else False

    comment_pages = max(1, math.ceil((matter.comment_count or 0) / COMMENTS_PER_PAGE))
    if cpage is None:
        cpage = request.args.get("cpage", 1, type=int)
    cpage = min(max(cpage, 1), comment_pages)
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.matter_id == matter.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
        .limit(COMMENTS_PER_PAGE)
        .offset((cpage - 1) * COMMENTS_PER_PAGE)
    ).all()

    # Names are masked for the public; staff of the matter's community (and above) see them whole.
    see_personal = can(current_user, Perm.MATTER_SEE_PERSONAL, matter)
    context: dict[str, Any] = dict(
        matter=matter,
        supporting=supporting,
        see_personal=see_personal,
        person=_full_name if see_personal else mask_name,
        may_hide=can(current_user, Perm.COMMENT_HIDE, matter),
        comments=comments,
        cpage=cpage,
        comment_pages=comment_pages,
        comment_form=_or_blank(extra.pop("comment_form", None), CommentForm),
        action_error=extra.pop("action_error", None),
        hide_form=extra.pop("hide_form", None),
        hide_comment_id=extra.pop("hide_comment_id", None),
    )
    context.update(_triage_context(matter, **extra))
    return render_template("matters/detail.html", **context), status


def _full_name(name: str | None) -> str:
    return name or ""


def _or_blank(form, form_class, prefix: str = "", **data: Any):
    """The submitted form (with its errors), or a blank one for the page."""
    if form is not None:
        return form
    return form_class(formdata=None, prefix=prefix, data=data)


def _tier_choices(matter: Matter, lowest: int) -> list[SelectChoice]:
    """Tiers from ``lowest`` up, each named with the node that would handle it."""
    nodes = {1: matter.community, 2: matter.community.parent}
    nodes[3] = nodes[2].parent if nodes[2] is not None else None
    return [
        SelectChoice(
            str(t), f"{tier_label(t)} ({nodes[t].name})" if nodes.get(t) else tier_label(t)
        )
        for t in range(lowest, 4)
    ]


def _triage_context(matter: Matter, **forms: Any) -> dict[str, Any]:
    """The triage panel's data, only for staff who may use it (it costs two queries)."""
    context: dict[str, Any] = {}
    if can(current_user, Perm.MATTER_TRIAGE, matter):
        settings = settings_for(matter.community)
        routed = services.routed_tier(matter)
        accept_form = _or_blank(forms.get("accept_form"), AcceptForm, "accept", tier=routed)
        accept_form.tier.choices = _tier_choices(matter, routed)
        candidates = services.similar_matters(
            matter.community_id, matter.title, exclude_id=matter.id
        )
        context.update(
            triage=True,
            routed_tier=routed,
            settings=settings,
            accept_form=accept_form,
            reject_form=_or_blank(forms.get("reject_form"), RejectForm, "reject"),
            merge_form=_or_blank(forms.get("merge_form"), MergeForm, "merge"),
            merge_candidates=[m for m in candidates if State(m.state) in SUPPORTABLE],
        )
    if can(current_user, Perm.MATTER_RAISE_TIER, matter):
        raise_form = _or_blank(
            forms.get("raise_form"), RaiseTierForm, "raise", tier=(matter.tier or 1) + 1
        )
        raise_form.tier.choices = _tier_choices(matter, (matter.tier or 1) + 1)[:1]  # one step
        context["raise_form"] = raise_form
    return context


@bp.get("/matters/<int:matter_id>")
def detail(matter_id: int):
    """A matter: what it is, its public timeline, its comments and the support box."""
    return _detail_response(matter_id)


def _back(matter: Matter, anchor: str = "", **args: Any):
    return redirect(url_for(".detail", matter_id=matter.id, **args) + anchor, 303)


# Supports ----------------------------------------------------------------------------------------
@bp.post("/matters/<int:matter_id>/support")
@limiter.limit(_support_limit, key_func=_rate_key)
def toggle_support(matter_id: int):
    """附议 or withdraw one's support. The form says which (``action``), so a double submit
    leaves the same result. htmx gets the support box back; others a redirect with a message."""
    matter = _load_matter(matter_id)
    if not current_user.is_authenticated:
        if is_htmx():  # e.g. the session ended: send the whole page to the login form
            login = url_for("accounts.login", next=url_for(".detail", matter_id=matter.id))
            return "", 204, {"HX-Redirect": login}
        abort(401)
    wanted = request.form.get("action")
    if wanted not in ("support", "withdraw"):
        abort(400)
    if State(matter.state) in SUPPORTABLE:  # a closed matter is answered by the service (409)
        require(current_user, Perm.MATTER_SUPPORT, matter)
    category, message = "success", None
    try:
        if wanted == "support":
            changed = services.support(matter, current_user)
            message = (
                _("Thank you: your support is recorded.")
                if changed
                else _("You already support this matter.")
            )
        else:
            services.unsupport(matter, current_user)
            message = _("Your support is withdrawn.")
        db.session.commit()
    except MatterError as exc:
        db.session.rollback()
        category, message = "error", str(exc)
    if is_htmx():
        return render_template(
            "_partials/support_button.html",
            matter=matter,
            supporting=services.is_supporting(matter, current_user),
            message=message,
            message_category=category,
        )
    flash(message, category)
    return _back(matter, "#support")


# Proposing -------------------------------------------------------------------------------------
@bp.get("/matters/similar")
def similar():
    """Open matters of the same community that look like the title being typed (htmx)."""
    title = (request.args.get("title") or "")[: services.TITLE_MAX]
    community_id = request.args.get("community_id", type=int)
    found = []
    if community_id and 0 < community_id <= MAX_ID and title.strip():
        found = services.similar_matters(community_id, title)
    return render_template("_partials/similar.html", similar=found)


def _uploads(form: ProposeForm) -> list[PhotoUpload]:
    """The chosen photos; each is read to one byte over the limit at most (the service
    answers 413 for that), so a huge file never sits whole in memory."""
    limit = current_app.config["MAX_PHOTO_BYTES"]
    return [
        PhotoUpload(filename=f.filename or "", data=f.stream.read(limit + 1))
        for f in request.files.getlist(form.photos.name)
        if f and f.filename
    ]


@bp.route("/matters/new", methods=["GET", "POST"])
@limiter.limit(_propose_limit, methods=["POST"], key_func=_rate_key)
def new():
    """Propose a matter for one's community; representatives and staff may also enter one for
    a neighbour who is not online (assisted entry), in any community they cover. The first
    submission that looks like existing proposals shows them instead of filing a duplicate."""
    if not current_user.is_authenticated:
        abort(401)
    groups = [
        (street, [c for c in communities if _may_propose_in(c)])
        for street, communities in _community_groups()
    ]
    groups = [(street, communities) for street, communities in groups if communities]
    communities = {c.id: c for _street, cs in groups for c in cs}
    may_assist = any(
        can(current_user, Perm.MATTER_PROPOSE_ASSISTED, c) for c in communities.values()
    )

    form = ProposeForm()
    form.community_id.choices = _community_choices(groups)
    if not form.is_submitted():
        form.community_id.data = current_user.community_id
        return _propose_page(form, may_assist)

    status = 422
    valid = form.validate()
    community = None if form.community_id.errors else communities.get(form.community_id.data)
    similar_found = []
    if community is not None and form.title.data and not form.title.errors:
        similar_found = services.similar_matters(community.id, form.title.data)
    if valid:
        if form.assisted.data and not can(current_user, Perm.MATTER_PROPOSE_ASSISTED, community):
            message = _("Only representatives and staff can enter proposals for a neighbour.")
            _add_error(form, "assisted" if may_assist else None, message)
            status = 403
        elif not form.assisted.data and not can(current_user, Perm.MATTER_PROPOSE, community):
            _add_error(
                form,
                "community_id",
                _(
                    "You can propose only for your own community, unless you enter it for a neighbour."
                ),
            )
    if not form.errors:
        if similar_found and not form.seen_similar.data:
            return _propose_page(form, may_assist, similar_found)
        try:
            matter = services.submit_matter(
                author=current_user,
                community=community,
                title=form.title.data,
                description=form.description.data,
                category=form.category.data,
                location=form.location.data or "",
                estimated_cost_fen=form.cost_fen,
                photos=_uploads(form),
                on_behalf_name=form.on_behalf_name.data if form.assisted.data else "",
                on_behalf_phone=form.on_behalf_phone.data if form.assisted.data else "",
            )
            db.session.commit()
        except MatterError as exc:
            db.session.rollback()
            _add_error(form, exc.field, str(exc))
            status = exc.status
        else:
            flash(_("Your proposal is submitted. Staff will triage it."), "success")
            return _back(matter)
    return _propose_page(form, may_assist, similar_found, status=status)


def _may_propose_in(community: Region) -> bool:
    return can(current_user, Perm.MATTER_PROPOSE, community) or can(
        current_user, Perm.MATTER_PROPOSE_ASSISTED, community
    )


def _propose_page(form, may_assist, similar=(), *, status=200):
    # A browser cannot keep chosen files in a form shown again: say so instead of losing them silently.
    photos_dropped = any(f and f.filename for f in request.files.getlist(form.photos.name))
    return (
        render_template(
            "matters/new.html",
            form=form,
            may_assist=may_assist,
            similar=similar,
            photos_dropped=photos_dropped,
            seen_similar=form.seen_similar.data,
        ),
        status,
    )


# Comments ----------------------------------------------------------------------------------------
@bp.post("/matters/<int:matter_id>/comments")
def comment(matter_id: int):
    """Add a comment (residents of the community and staff in scope)."""
    matter = _load_matter(matter_id)
    require(current_user, Perm.MATTER_COMMENT, matter)
    form = CommentForm()
    last_page = max(1, math.ceil(((matter.comment_count or 0) + 1) / COMMENTS_PER_PAGE))
    status = 422
    if form.validate():
        try:
            added = services.add_comment(matter, author=current_user, body=form.body.data)
            db.session.commit()
        except MatterError as exc:
            db.session.rollback()
            _add_error(form, exc.field, str(exc))
            status = exc.status
        else:
            flash(_("Your comment is published."), "success")
            return _back(matter, f"#c{added.id}", cpage=last_page)
    return _detail_response(matter_id, status, comment_form=form, cpage=last_page)


@bp.post("/matters/<int:matter_id>/comments/<int:comment_id>/hide")
def hide_comment(matter_id: int, comment_id: int):
    """Staff hide a comment with a public reason (its text stays stored)."""
    matter = _load_matter(matter_id)
    require(current_user, Perm.COMMENT_HIDE, matter)
    found = db.session.get(Comment, comment_id) if 0 < comment_id <= MAX_ID else None
    if found is None or found.matter_id != matter.id:
        abort(404)
    cpage = (
        1
        + (
            db.session.scalar(
                select(func.count())
                .select_from(Comment)
                .where(Comment.matter_id == matter.id, Comment.id < found.id)
            )
            or 0
        )
        // COMMENTS_PER_PAGE
    )
    form = HideCommentForm(prefix=f"hide{found.id}")
    status = 422
    if form.validate():
        try:
            services.hide_comment(found, by=current_user, reason=form.reason.data)
            db.session.commit()
        except MatterError as exc:
            db.session.rollback()
            _add_error(form, exc.field, str(exc))
            status = exc.status
        else:
            flash(_("The comment is hidden."), "success")
            return _back(matter, f"#c{found.id}", cpage=cpage)
    return _detail_response(
        matter_id, status, cpage=cpage, hide_form=form, hide_comment_id=found.id
    )


# Withdrawal --------------------------------------------------------------------------------------
@bp.route("/matters/<int:matter_id>/withdraw", methods=["GET", "POST"])
def withdraw(matter_id: int):
    """The proposer withdraws a matter before triage, after a confirmation page."""
    matter = _load_matter(matter_id, for_update=request.method == "POST")
    is_author = current_user.is_authenticated and matter.author_id == current_user.id
    _require_or_conflict(Perm.MATTER_WITHDRAW, matter, involved=is_author)
    form = WithdrawForm()
    status = 200
    if form.is_submitted() and form.confirm.data == "yes":
        status = 422
        if form.validate():
            try:
                services.withdraw_matter(matter, by=current_user, reason=form.reason.data or "")
                db.session.commit()
            except MatterError as exc:
                db.session.rollback()
                _add_error(form, exc.field, str(exc))
                status = exc.status
            else:
                flash(_("Your proposal is withdrawn."), "success")
                return _back(matter)
    return render_template("matters/withdraw.html", matter=matter, form=form), status


def _require_or_conflict(perm: Perm, matter: Matter, *, involved: bool) -> None:
    """401/403 for people who may never do ``perm`` on this matter; 409 for those who could
    but the matter has moved on (e.g. another officer triaged it meanwhile)."""
    if can(current_user, perm, matter):
        return
    if involved:
        abort(409)
    require(current_user, perm, matter)


# Triage --------------------------------------------------------------------------------------------
def _triage_action(matter_id: int, perm: Perm, form_name: str, form, apply) -> Any:
    """Shared flow of the triage actions: scope check, form, service, commit, redirect — or the
    detail page again with the error next to the field (422, or 409 when the state moved on)."""
    matter = _load_matter(matter_id, for_update=True)
    # Staff in scope are those who may see personal data of the matter's community.
    in_scope = can(current_user, Perm.MATTER_SEE_PERSONAL, matter)
    if not in_scope:
        require(current_user, perm, matter)
    if not can(current_user, perm, matter):
        message = _(
            "This matter has changed meanwhile (it is now: %(state)s). Nothing was done.",
            state=state_label(matter.state),
        )
        return _detail_response(matter_id, 409, action_error=message)
    status = 422
    if form.validate():
        try:
            message = apply(matter, form)
            db.session.commit()
        except MatterError as exc:
            db.session.rollback()
            _add_error(form, exc.field, str(exc))
            status = exc.status
        else:
            flash(message, "success")
            return _back(matter)
    return _detail_response(matter_id, status, **{form_name: form})


@bp.post("/matters/<int:matter_id>/accept")
def accept(matter_id: int):
    """Accept at the routed tier, or higher with a reason."""

    def apply(matter, form):
        services.accept_matter(
            matter, by=current_user, tier=form.tier.data, reason=form.reason.data or ""
        )
        return _("The matter is accepted at tier %(t)d.", t=matter.tier)

    return _triage_action(
        matter_id, Perm.MATTER_TRIAGE, "accept_form", AcceptForm(prefix="accept"), apply
    )


@bp.post("/matters/<int:matter_id>/reject")
def reject(matter_id: int):
    """Do not accept, with a public reason."""

    def apply(matter, form):
        services.reject_matter(matter, by=current_user, reason=form.reason.data)
        return _("The matter is not accepted; the reason is public.")

    return _triage_action(
        matter_id, Perm.MATTER_TRIAGE, "reject_form", RejectForm(prefix="reject"), apply
    )


@bp.post("/matters/<int:matter_id>/merge")
def merge(matter_id: int):
    """Merge a duplicate into another matter of the same community (supports carried over)."""

    def apply(matter, form):
        target = db.session.get(Matter, form.into_id)
        if target is None:
            raise MatterError(_("There is no matter #%(n)d.", n=form.into_id), "into")
        carried = services.merge_matter(
            matter, into=target, by=current_user, reason=form.reason.data or ""
        )
        return _(
            "The matter is merged into #%(n)d; %(c)d supports were carried over.",
            n=target.id,
            c=carried,
        )

    return _triage_action(
        matter_id, Perm.MATTER_TRIAGE, "merge_form", MergeForm(prefix="merge"), apply
    )


@bp.post("/matters/<int:matter_id>/raise-tier")
def raise_tier(matter_id: int):
    """Raise an accepted matter's tier, with a public reason."""

    def apply(matter, form):
        services.raise_tier(matter, by=current_user, tier=form.tier.data, reason=form.reason.data)
        return _("The matter is now tier %(t)d.", t=matter.tier)

    return _triage_action(
        matter_id, Perm.MATTER_RAISE_TIER, "raise_form", RaiseTierForm(prefix="raise"), apply
    )


# Photos -----------------------------------------------------------------------------------------
@bp.get("/matters/photos/<stored_name>")
def photo(stored_name: str):
    """A stored photo, with the content type recorded when it was verified and re-encoded."""
    if not _PHOTO_NAME.fullmatch(stored_name):
        abort(404)
    found = db.session.scalar(select(MatterPhoto).where(MatterPhoto.stored_name == stored_name))
    if found is None:
        abort(404)
    path = services.photo_path(found)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=found.content_type,
        download_name=found.stored_name,
        conditional=True,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
