"""Every permission, decided in one place: ``can(user, action, target)``.

Views call :func:`require`, templates call ``can(...)`` (a Jinja global), the API calls the same.
A rule is a small predicate of (user, target). Roles come from DESIGN §1 and are scoped to a node
of the region tree: a role on a node covers every node below it. Deny by default: an action with
no rule is refused. ``tests/core/test_permissions.py`` checks the whole matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from flask import abort

from consult.accounts.models import HANDLING_ROLES, Role, User
from consult.matters.lifecycle import FINAL, SUPPORTABLE, State, allowed_actions
from consult.matters.lifecycle import Action as Step
from consult.regions.models import Region


class Perm(StrEnum):
    # matters
    MATTER_PROPOSE = "matter.propose"  # target: community Region
    MATTER_PROPOSE_ASSISTED = "matter.propose_assisted"  # target: community Region
    MATTER_SUPPORT = "matter.support"  # target: Matter
    MATTER_COMMENT = "matter.comment"  # target: Matter
    MATTER_WITHDRAW = "matter.withdraw"  # target: Matter
    MATTER_TRIAGE = "matter.triage"  # accept / reject / merge; target: Matter
    MATTER_RAISE_TIER = "matter.raise_tier"  # target: Matter
    MATTER_SEE_PERSONAL = "matter.see_personal"  # unmasked names and phones; target: Matter
    COMMENT_HIDE = "comment.hide"  # target: Matter the comment is on
    # accounts
    USER_VERIFY = "user.verify"  # target: User to verify
    USER_SEE_PERSONAL = "user.see_personal"  # target: User
    CODES_ISSUE = "codes.issue"  # target: community Region
    STAFF_AREA = "staff.area"  # no target: may open the staff pages at all
    # district rules (thresholds, time limits, the working-day calendar)
    DISTRICT_SETTINGS = "district.settings"  # target: district Region
    # administration (三权分立: the admin manages accounts and regions, not matters)
    REGIONS_MANAGE = "regions.manage"
    ROLES_GRANT = "roles.grant"  # target: Region the role is granted on
    AUDIT_READ = "audit.read"  # target: Region (or None for all)


Rule = Callable[[User, Any], bool]
RULES: dict[Perm, Rule] = {}


def rule(*perms: Perm) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for perm in perms:
            RULES[perm] = fn
        return fn

    return register


# Predicates -----------------------------------------------------------------------------------


def _lives_in(user: User, community: Region | None) -> bool:
    return community is not None and user.community_id == community.id


def _handles(user: User, region: Region | None) -> bool:
    """Holds a handling role (community staff, street or district officer) over the node."""
    return user.holds_over(region, *HANDLING_ROLES)


@rule(Perm.MATTER_PROPOSE)
def _propose(user: User, community: Region) -> bool:
    return _lives_in(user, community)


@rule(Perm.MATTER_PROPOSE_ASSISTED)
def _propose_assisted(user: User, community: Region) -> bool:
    return user.holds_over(community, Role.REPRESENTATIVE) or _handles(user, community)


@rule(Perm.MATTER_SUPPORT)
def _support(user: User, matter) -> bool:
    return (
        user.is_verified
        and _lives_in(user, matter.community)
        and State(matter.state) in SUPPORTABLE
        and matter.author_id != user.id
    )


@rule(Perm.MATTER_COMMENT)
def _comment(user: User, matter) -> bool:
    open_ = State(matter.state) not in FINAL
    return open_ and (_lives_in(user, matter.community) or _handles(user, matter.community))


@rule(Perm.MATTER_WITHDRAW)
def _withdraw(user: User, matter) -> bool:
    return matter.author_id == user.id and Step.WITHDRAW in allowed_actions(matter.state)


@rule(Perm.MATTER_TRIAGE)
def _triage(user: User, matter) -> bool:
    return State(matter.state) == State.SUBMITTED and _handles(user, matter.community)


@rule(Perm.MATTER_RAISE_TIER)
def _raise_tier(user: User, matter) -> bool:
    return (
        Step.RAISE_TIER in allowed_actions(matter.state)
        and (matter.tier or 1) < 3
        and _handles(user, matter.community)
    )


@rule(Perm.MATTER_SEE_PERSONAL, Perm.COMMENT_HIDE)
def _staff_of_matter(user: User, matter) -> bool:
    return _handles(user, matter.community)


@rule(Perm.USER_VERIFY)
def _verify(user: User, person: User) -> bool:
    return not person.is_verified and person.id != user.id and _handles(user, person.community)


@rule(Perm.USER_SEE_PERSONAL)
def _see_user(user: User, person: User) -> bool:
    return person.id == user.id or _handles(user, person.community)


@rule(Perm.CODES_ISSUE)
def _codes(user: User, community: Region) -> bool:
    return _handles(user, community)


@rule(Perm.STAFF_AREA)
def _staff_area(user: User, _target) -> bool:
    return user.has_role(*HANDLING_ROLES)


@rule(Perm.DISTRICT_SETTINGS)
def _district_settings(user: User, district: Region) -> bool:
    return user.holds_over(district, Role.DISTRICT_OFFICER)


@rule(Perm.REGIONS_MANAGE)
def _regions(user: User, _target) -> bool:
    return user.has_role(Role.ADMIN)


@rule(Perm.ROLES_GRANT)
def _grant(user: User, region: Region) -> bool:
    return user.holds_over(region, Role.ADMIN)


@rule(Perm.AUDIT_READ)
def _audit(user: User, region: Region | None) -> bool:
    if region is None:
        return user.has_role(Role.SUPERVISOR)
    return user.holds_over(region, Role.SUPERVISOR)


# The one entry point -------------------------------------------------------------------------


def can(user: Any, action: Perm | str, target: Any = None) -> bool:
    """May ``user`` do ``action`` on ``target``? Anonymous and inactive users may do nothing
    that needs a permission (public reads need none)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    try:
        perm = Perm(action)
    except ValueError:  # an unknown name (a typo in a template) is refused, not an error page
        return False
    fn = RULES.get(perm)
    return bool(fn and fn(user, target))


def require(user: Any, action: Perm | str, target: Any = None) -> None:
    """Abort with 401 for anonymous users and 403 for the rest, unless ``can``."""
    if not can(user, action, target):
        abort(401 if not getattr(user, "is_authenticated", False) else 403)
