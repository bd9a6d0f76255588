"""Account pages: register, log in and out, the profile with code redemption, the staff area
(verifying residents, printing verification codes) and administration (roles, regions)."""

from __future__ import annotations

import math
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts import services
from consult.accounts.forms import (
    MAX_ID,
    FindUserForm,
    GrantRoleForm,
    IssueCodesForm,
    LoginForm,
    RedeemCodeForm,
    RegionForm,
    RegisterForm,
    StaffSearchForm,
    building_choices,
    community_choices,
    kind_label,
    region_choices,
    role_label,
)
from consult.accounts.models import ROLE_NODE_KIND, Role, RoleAssignment, User
from consult.core.permissions import Perm, can, require
from consult.core.timeutil import utcnow
from consult.core.web import safe_next
from consult.extensions import db, limiter
from consult.regions import services as region_services
from consult.regions.models import CHILD_KIND, Region, RegionKind

bp = Blueprint("accounts", __name__)

bp.add_app_template_global(role_label)
bp.add_app_template_global(kind_label)


def _me() -> User:
    """The logged-in user as a real model instance (not the proxy), for services."""
    return current_user._get_current_object()


def _get(model, ident: int | None):
    """A row by id, or None — also for ids no column can hold (PostgreSQL would raise)."""
    if ident is None or not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def _page() -> int:
    """The ?page= number, kept within sane bounds (a huge offset makes PostgreSQL fail)."""
    return min(max(request.args.get("page", 1, type=int), 1), 100_000)


def _field_error(form, exc: services.AccountError, fallback: str) -> None:
    """Put a service's message next to the field it names (or the fallback field)."""
    field = form._fields.get(exc.field or "") or form._fields[fallback]
    field.errors = [*field.errors, str(exc)]


def _start_session(user: User) -> None:
    """A fresh session at login: nothing from before survives (SECURITY S4)."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["_seen"] = int(time.time())


# Registration --------------------------------------------------------------------------------
def _register_choices(form: RegisterForm) -> None:
    communities = services.communities_under(None)
    form.community_id.choices = community_choices(communities, _("Choose your community"))
    # With JavaScript, choosing a community narrows the building list to its buildings.
    form.community_id.render_kw = {
        "hx-get": url_for("accounts.building_options"),
        "hx-target": "#building_id",
        "hx-trigger": "change",
    }
    names = {c.id: c.name for c in communities}
    form.building_id.choices = building_choices(
        services.buildings_in(communities), names, _("None, or not sure")
    )


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], methods=["POST"])
def register():
    """Create a resident account (unverified) and log it in."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm()
    _register_choices(form)
    if form.validate_on_submit():
        community = db.session.get(Region, form.community_id.data)
        building = db.session.get(Region, form.building_id.data) if form.building_id.data else None
        try:
            user = services.register(
                name=form.name.data,
                phone=form.phone.data,
                password=form.password.data,
                community=community,
                building=building,
                unit=form.unit.data or "",
            )
        except services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "phone")
        else:
            db.session.commit()
            _start_session(user)
            flash(
                _(
                    "Welcome! Your account is ready. Staff of your community will verify your residence, or enter the code they give you below."
                ),
                "success",
            )
            return redirect(url_for("accounts.profile"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form), status


@bp.get("/register/buildings")
def building_options():
    """The building <option>s of one community (htmx narrows the list when a community is chosen)."""
    community = _get(Region, request.args.get("community_id", type=int))
    buildings = []
    if community is not None and community.kind == RegionKind.COMMUNITY.value:
        buildings = services.buildings_in([community])
    return render_template("accounts/_partials/building_options.html", buildings=buildings)


# Login and logout ----------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Log in with mobile number and password; repeated failures lock the account for a while."""
    target = safe_next(request.values.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    headers: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = services.authenticate(
                form.phone.data,
                form.password.data,
                max_failures=config["LOGIN_MAX_FAILURES"],
                lock_minutes=config["LOGIN_LOCK_MINUTES"],
            )
        except services.AccountLocked as exc:
            until = format_datetime(exc.until, "yyyy-MM-dd HH:mm")
            form.phone.errors = [
                _(
                    "Too many failed attempts. This account is locked until %(until)s (Beijing time). Try again then, or ask your community office for help.",
                    until=until,
                )
            ]
            headers["Retry-After"] = str(max(1, math.ceil((exc.until - utcnow()).total_seconds())))
            status = 429
        else:
            if user is not None:
                _start_session(user)
                return redirect(safe_next(form.next.data, url_for("main.home")))
            form.password.errors = [_("The mobile number or the password is wrong.")]
            status = 400
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status, headers


@bp.post("/logout")
def logout():
    """Log out everywhere: the old session cookie stops working even if replayed."""
    if current_user.is_authenticated:
        services.end_sessions(_me())
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


# Profile -------------------------------------------------------------------------------------
@bp.get("/me")
@login_required
def profile():
    """The user's own data, verification status and the form to enter a printed code."""
    return _render_profile(RedeemCodeForm())


def _render_profile(form: RedeemCodeForm, status: int = 200):
    user = db.session.scalar(
        select(User)
        .where(User.id == current_user.id)
        .options(
            joinedload(User.community).joinedload(Region.parent),
            joinedload(User.building),
            selectinload(User.roles).joinedload(RoleAssignment.region),
        )
    )
    return render_template("accounts/profile.html", user=user, form=form), status


@bp.post("/me/code")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def redeem():
    """Verify one's residence with a one-time code staff handed out."""
    form = RedeemCodeForm()
    if form.validate_on_submit():
        try:
            services.redeem_code(_me(), form.code.data)
        except services.AccountError as exc:
            db.session.commit()  # keep the audit row of the failed attempt
            _field_error(form, exc, "code")
        else:
            db.session.commit()
            flash(_("Thank you — your residence is verified."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(form, 400)


# Staff area ----------------------------------------------------------------------------------
@bp.get("/staff")
def staff_home():
    """Residents of the staff member's area awaiting verification (or all, searched)."""
    require(current_user, Perm.STAFF_AREA)
    form = StaffSearchForm(request.args)
    if not form.validate():
        form.q.data, form.show.data = "", "pending"
    stmt = services.residents_in_scope(
        _me(), pending_only=form.show.data != "all", query=form.q.data or ""
    )
    page = db.paginate(
        stmt,
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        max_per_page=current_app.config["PAGE_SIZE"],
    )
    args = {k: v for k, v in {"q": form.q.data, "show": form.show.data}.items() if v}
    return render_template(
        "accounts/staff_home.html",
        form=form,
        page=page,
        args=args,
        scope=services.scope_nodes(_me()),
        here=request.full_path.rstrip("?"),
    )


@bp.post("/staff/residents/<int:user_id>/verify")
def verify(user_id: int):
    """Staff confirm a resident's residence after checking in person."""
    person = _get(User, user_id)
    if person is None:
        abort(404)
    back = safe_next(request.form.get("next"), url_for("accounts.staff_home"))
    if person.is_verified and can(current_user, Perm.USER_SEE_PERSONAL, person):
        flash(_("%(name)s is already verified.", name=person.name), "info")
        return redirect(back)
    require(current_user, Perm.USER_VERIFY, person)
    services.verify_resident(person, by=_me())
    db.session.commit()
    flash(_("%(name)s is now verified.", name=person.name), "success")
    return redirect(back)


@bp.route("/staff/codes", methods=["GET", "POST"])
def codes():
    """Issue a batch of one-time verification codes and show them once, as a printable sheet."""
    require(current_user, Perm.STAFF_AREA)
    communities = services.communities_in_scope(_me())
    form = IssueCodesForm()
    form.community_id.choices = community_choices(communities, _("Choose a community"))
    names = {c.id: c.name for c in communities}
    form.building_id.choices = building_choices(
        services.buildings_in(communities), names, _("The whole community")
    )
    if form.validate_on_submit():
        community = db.session.get(Region, form.community_id.data)
        require(current_user, Perm.CODES_ISSUE, community)
        building = db.session.get(Region, form.building_id.data) if form.building_id.data else None
        try:
            issued = services.issue_codes(
                community,
                form.count.data,
                by=_me(),
                building=building,
                valid_days=form.valid_days.data,
            )
        except services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "count")
        else:
            db.session.commit()
            return render_template(
                "accounts/codes_sheet.html",
                issued=issued,
                community=community,
                building=building,
                format_code=services.format_code,
            )
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/codes_form.html", form=form), status


# Administration (三权分立: regions, accounts and roles — never matters) ---------------------------
def _find_user(user_id: int | None) -> User | None:
    if user_id is None or not 0 < user_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .options(
            joinedload(User.community),
            selectinload(User.roles).joinedload(RoleAssignment.region),
        )
    )


def _render_roles(find: FindUserForm, grant: GrantRoleForm, person: User | None, status: int = 200):
    assignments = db.paginate(
        select(RoleAssignment)
        .options(joinedload(RoleAssignment.user), joinedload(RoleAssignment.region))
        .order_by(RoleAssignment.role, RoleAssignment.id),
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        max_per_page=current_app.config["PAGE_SIZE"],
    )
    return (
        render_template(
            "accounts/admin_roles.html",
            find=find,
            grant=grant,
            person=person,
            assignments=assignments,
            here=request.full_path.rstrip("?"),
        ),
        status,
    )


def _grant_form(person: User | None) -> GrantRoleForm:
    form = GrantRoleForm()
    form.region_id.choices = region_choices(region_services.tree(), _("Choose a region"))
    if person is not None and not form.is_submitted():
        form.user_id.data = str(person.id)
    return form


@bp.get("/admin/roles")
def admin_roles():
    """Find an account, see its roles, grant and revoke roles on region nodes."""
    require(current_user, Perm.REGIONS_MANAGE)
    person = _find_user(request.args.get("user", type=int))
    return _render_roles(FindUserForm(formdata=None), _grant_form(person), person)


@bp.post("/admin/roles/find")
def admin_find_user():
    """Look an account up by mobile number (POST, so the number never lands in a URL or a log)."""
    require(current_user, Perm.REGIONS_MANAGE)
    find = FindUserForm()
    if find.validate_on_submit():
        phone = services.normalise_phone(find.phone.data)
        user_id = db.session.scalar(select(User.id).where(User.phone == phone))
        if user_id is not None:
            return redirect(url_for("accounts.admin_roles", user=user_id))
        find.phone.errors = [_("No account has this mobile number.")]
        return _render_roles(find, _grant_form(None), None, 404)
    return _render_roles(find, _grant_form(None), None, 400)


@bp.post("/admin/roles/grant")
def admin_grant():
    """Grant a role on a node; the admin must hold the admin role over that node."""
    require(current_user, Perm.REGIONS_MANAGE)
    form = _grant_form(None)
    raw = form.user_id.data or ""
    person = _find_user(int(raw)) if raw.isascii() and raw.isdigit() else None
    if person is None:
        abort(404)
    if form.validate_on_submit():
        region = db.session.get(Region, form.region_id.data)
        require(current_user, Perm.ROLES_GRANT, region)
        role = Role(form.role.data)
        wanted_kind = ROLE_NODE_KIND.get(role)
        if wanted_kind and region.kind != wanted_kind:
            form.region_id.errors = [
                _(
                    "A %(role)s role is granted on a node of the kind “%(kind)s”.",
                    role=role_label(role),
                    kind=kind_label(wanted_kind),
                )
            ]
        else:
            services.grant_role(person, role, region, by=_me())
            db.session.commit()
            flash(_("Role granted."), "success")
            return redirect(url_for("accounts.admin_roles", user=person.id))
    return _render_roles(FindUserForm(formdata=None), form, person, 400)


@bp.post("/admin/roles/<int:assignment_id>/revoke")
def admin_revoke(assignment_id: int):
    """Take a role away; the admin must hold the admin role over its node."""
    require(current_user, Perm.REGIONS_MANAGE)
    assignment = _get(RoleAssignment, assignment_id)
    if assignment is None:
        abort(404)
    require(current_user, Perm.ROLES_GRANT, assignment.region)
    back = safe_next(
        request.form.get("next"), url_for("accounts.admin_roles", user=assignment.user_id)
    )
    try:
        services.revoke_role(assignment, by=_me())
    except services.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Role revoked."), "success")
    return redirect(back)


def _nest(nodes: list[Region]) -> list[dict]:
    """The flat tree (path order) as nested dicts, without touching lazy relationships."""
    by_id: dict[int, dict] = {}
    roots: list[dict] = []
    for node in nodes:
        item = {"node": node, "children": []}
        by_id[node.id] = item
        parent = by_id.get(node.parent_id) if node.parent_id else None
        (parent["children"] if parent else roots).append(item)
    return roots


@bp.route("/admin/regions", methods=["GET", "POST"])
def admin_regions():
    """The region tree, and a form to add a node under any node (or a new district)."""
    require(current_user, Perm.REGIONS_MANAGE)
    nodes = region_services.tree()
    form = RegionForm()
    form.parent_id.choices = region_choices(
        [n for n in nodes if RegionKind(n.kind) in CHILD_KIND], _("(none: a new district)")
    )
    if form.validate_on_submit():
        parent = db.session.get(Region, form.parent_id.data) if form.parent_id.data else None
        kind = CHILD_KIND[RegionKind(parent.kind)] if parent else RegionKind.DISTRICT
        try:
            region = region_services.create_region(
                form.name.data,
                kind,
                parent,
                is_village=bool(form.is_village.data) and kind == RegionKind.COMMUNITY,
                by=_me(),
            )
        except region_services.RegionError:
            db.session.rollback()
            form.parent_id.errors = [_("A node of this kind cannot be added there.")]
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=region.name), "success")
            return redirect(url_for("accounts.admin_regions"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/admin_regions.html", form=form, tree=_nest(nodes)), status
