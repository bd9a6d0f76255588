"""THE permission matrix: every Perm × every role of the test world (and anonymous) × targets in
and out of scope, in the states that matter.

The expected values are written out by hand below, one grid per permission ("Y" allowed, "."
refused); nothing here re-derives a rule. Change a rule in consult/core/permissions.py and a
cell here fails; add a Perm and ``test_every_perm_has_a_table`` fails until it has a grid.

Targets (see ``targets`` below):
  communities  A1, A2 (both in street A), B1 (a village in street B)
  matters      a1_sub   A1, submitted, proposed by ``resident``
               a1_acc   A1, accepted at tier 1, proposed by ``neighbour``
               a1_acc3  A1, accepted at tier 3 (cannot be raised further), by ``neighbour``
               a1_rej   A1, rejected, by ``neighbour``
               a2_sub   A2, submitted, proposed by ``outsider``
               b1_sub   B1, submitted, proposed by a villager who is not a subject
               b1_acc   B1, accepted at tier 1, by the villager
  people       self (the subject themself), unverified (A1, not verified), resident (A1,
               verified), pending_a2 (A2, not verified), pending_b1 (B1, not verified)
  regions      district, street_a, a1, b1; and "none" where the perm takes no target
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden, Unauthorized

from consult.accounts.models import RoleAssignment, User
from consult.core import permissions
from consult.core.permissions import Perm, can, require
from consult.extensions import db
from consult.matters import services as matter_services
from consult.matters.models import Matter
from consult.regions.models import Region
from tests.conftest import empty_all_tables
from tests.factories import build_world, make_matter, make_user

SUBJECTS = [
    "resident",
    "neighbour",
    "unverified",
    "outsider",
    "representative",
    "staff",
    "staff_a2",
    "street_officer",
    "street_b_officer",
    "district_officer",
    "expert",
    "supervisor",
    "admin",
    "anonymous",
]

# fmt: off
TABLES: dict[Perm, str] = {
    Perm.MATTER_PROPOSE: """
                        A1  A2  B1
    resident            Y   .   .
    neighbour           Y   .   .
    unverified          Y   .   .
    outsider            .   Y   .
    representative      Y   .   .
    staff               Y   .   .
    staff_a2            .   Y   .
    street_officer      Y   .   .
    street_b_officer    .   .   Y
    district_officer    .   Y   .
    expert              .   Y   .
    supervisor          Y   .   .
    admin               .   Y   .
    anonymous           .   .   .
    """,
    Perm.MATTER_PROPOSE_ASSISTED: """
                        A1  A2  B1
    resident            .   .   .
    neighbour           .   .   .
    unverified          .   .   .
    outsider            .   .   .
    representative      Y   .   .
    staff               Y   .   .
    staff_a2            .   Y   .
    street_officer      Y   Y   .
    street_b_officer    .   .   Y
    district_officer    Y   Y   Y
    expert              .   .   .
    supervisor          .   .   .
    admin               .   .   .
    anonymous           .   .   .
    """,
    Perm.CODES_ISSUE: """
                        A1  A2  B1
    resident            .   .   .
    neighbour           .   .   .
    unverified          .   .   .
    outsider            .   .   .
    representative      .   .   .
    staff               Y   .   .
    staff_a2            .   Y   .
    street_officer      Y   Y   .
    street_b_officer    .   .   Y
    district_officer    Y   Y   Y
    expert              .   .   .
    supervisor          .   .   .
    admin               .   .   .
    anonymous           .   .   .
    """,
    Perm.MATTER_SUPPORT: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            .       Y       Y        .       .       .       .
    neighbour           Y       .       .        .       .       .       .
    unverified          .       .       .        .       .       .       .
    outsider            .       .       .        .       .       .       .
    representative      Y       Y       Y        .       .       .       .
    staff               Y       Y       Y        .       .       .       .
    staff_a2            .       .       .        .       Y       .       .
    street_officer      Y       Y       Y        .       .       .       .
    street_b_officer    .       .       .        .       .       Y       Y
    district_officer    .       .       .        .       Y       .       .
    expert              .       .       .        .       Y       .       .
    supervisor          Y       Y       Y        .       .       .       .
    admin               .       .       .        .       Y       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.MATTER_COMMENT: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            Y       Y       Y        .       .       .       .
    neighbour           Y       Y       Y        .       .       .       .
    unverified          Y       Y       Y        .       .       .       .
    outsider            .       .       .        .       Y       .       .
    representative      Y       Y       Y        .       .       .       .
    staff               Y       Y       Y        .       .       .       .
    staff_a2            .       .       .        .       Y       .       .
    street_officer      Y       Y       Y        .       Y       .       .
    street_b_officer    .       .       .        .       .       Y       Y
    district_officer    Y       Y       Y        .       Y       Y       Y
    expert              .       .       .        .       Y       .       .
    supervisor          Y       Y       Y        .       .       .       .
    admin               .       .       .        .       Y       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.MATTER_WITHDRAW: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            Y       .       .        .       .       .       .
    neighbour           .       .       .        .       .       .       .
    unverified          .       .       .        .       .       .       .
    outsider            .       .       .        .       Y       .       .
    representative      .       .       .        .       .       .       .
    staff               .       .       .        .       .       .       .
    staff_a2            .       .       .        .       .       .       .
    street_officer      .       .       .        .       .       .       .
    street_b_officer    .       .       .        .       .       .       .
    district_officer    .       .       .        .       .       .       .
    expert              .       .       .        .       .       .       .
    supervisor          .       .       .        .       .       .       .
    admin               .       .       .        .       .       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.MATTER_TRIAGE: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            .       .       .        .       .       .       .
    neighbour           .       .       .        .       .       .       .
    unverified          .       .       .        .       .       .       .
    outsider            .       .       .        .       .       .       .
    representative      .       .       .        .       .       .       .
    staff               Y       .       .        .       .       .       .
    staff_a2            .       .       .        .       Y       .       .
    street_officer      Y       .       .        .       Y       .       .
    street_b_officer    .       .       .        .       .       Y       .
    district_officer    Y       .       .        .       Y       Y       .
    expert              .       .       .        .       .       .       .
    supervisor          .       .       .        .       .       .       .
    admin               .       .       .        .       .       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.MATTER_RAISE_TIER: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            .       .       .        .       .       .       .
    neighbour           .       .       .        .       .       .       .
    unverified          .       .       .        .       .       .       .
    outsider            .       .       .        .       .       .       .
    representative      .       .       .        .       .       .       .
    staff               .       Y       .        .       .       .       .
    staff_a2            .       .       .        .       .       .       .
    street_officer      .       Y       .        .       .       .       .
    street_b_officer    .       .       .        .       .       .       Y
    district_officer    .       Y       .        .       .       .       Y
    expert              .       .       .        .       .       .       .
    supervisor          .       .       .        .       .       .       .
    admin               .       .       .        .       .       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.MATTER_SEE_PERSONAL: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            .       .       .        .       .       .       .
    neighbour           .       .       .        .       .       .       .
    unverified          .       .       .        .       .       .       .
    outsider            .       .       .        .       .       .       .
    representative      .       .       .        .       .       .       .
    staff               Y       Y       Y        Y       .       .       .
    staff_a2            .       .       .        .       Y       .       .
    street_officer      Y       Y       Y        Y       Y       .       .
    street_b_officer    .       .       .        .       .       Y       Y
    district_officer    Y       Y       Y        Y       Y       Y       Y
    expert              .       .       .        .       .       .       .
    supervisor          .       .       .        .       .       .       .
    admin               .       .       .        .       .       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.COMMENT_HIDE: """
                        a1_sub  a1_acc  a1_acc3  a1_rej  a2_sub  b1_sub  b1_acc
    resident            .       .       .        .       .       .       .
    neighbour           .       .       .        .       .       .       .
    unverified          .       .       .        .       .       .       .
    outsider            .       .       .        .       .       .       .
    representative      .       .       .        .       .       .       .
    staff               Y       Y       Y        Y       .       .       .
    staff_a2            .       .       .        .       Y       .       .
    street_officer      Y       Y       Y        Y       Y       .       .
    street_b_officer    .       .       .        .       .       Y       Y
    district_officer    Y       Y       Y        Y       Y       Y       Y
    expert              .       .       .        .       .       .       .
    supervisor          .       .       .        .       .       .       .
    admin               .       .       .        .       .       .       .
    anonymous           .       .       .        .       .       .       .
    """,
    Perm.USER_VERIFY: """
                        self  unverified  resident  pending_a2  pending_b1
    resident            .     .           .         .           .
    neighbour           .     .           .         .           .
    unverified          .     .           .         .           .
    outsider            .     .           .         .           .
    representative      .     .           .         .           .
    staff               .     Y           .         .           .
    staff_a2            .     .           .         Y           .
    street_officer      .     Y           .         Y           .
    street_b_officer    .     .           .         .           Y
    district_officer    .     Y           .         Y           Y
    expert              .     .           .         .           .
    supervisor          .     .           .         .           .
    admin               .     .           .         .           .
    anonymous           .     .           .         .           .
    """,
    Perm.USER_SEE_PERSONAL: """
                        self  unverified  resident  pending_a2  pending_b1
    resident            Y     .           Y         .           .
    neighbour           Y     .           .         .           .
    unverified          Y     Y           .         .           .
    outsider            Y     .           .         .           .
    representative      Y     .           .         .           .
    staff               Y     Y           Y         .           .
    staff_a2            Y     .           .         Y           .
    street_officer      Y     Y           Y         Y           .
    street_b_officer    Y     .           .         .           Y
    district_officer    Y     Y           Y         Y           Y
    expert              Y     .           .         .           .
    supervisor          Y     .           .         .           .
    admin               Y     .           .         .           .
    anonymous           .     .           .         .           .
    """,
    Perm.STAFF_AREA: """
                        none
    resident            .
    neighbour           .
    unverified          .
    outsider            .
    representative      .
    staff               Y
    staff_a2            Y
    street_officer      Y
    street_b_officer    Y
    district_officer    Y
    expert              .
    supervisor          .
    admin               .
    anonymous           .
    """,
    Perm.REGIONS_MANAGE: """
                        none
    resident            .
    neighbour           .
    unverified          .
    outsider            .
    representative      .
    staff               .
    staff_a2            .
    street_officer      .
    street_b_officer    .
    district_officer    .
    expert              .
    supervisor          .
    admin               Y
    anonymous           .
    """,
    Perm.DISTRICT_SETTINGS: """
                        district  street_a  a1  b1
    resident            .         .         .   .
    neighbour           .         .         .   .
    unverified          .         .         .   .
    outsider            .         .         .   .
    representative      .         .         .   .
    staff               .         .         .   .
    staff_a2            .         .         .   .
    street_officer      .         .         .   .
    street_b_officer    .         .         .   .
    district_officer    Y         Y         Y   Y
    expert              .         .         .   .
    supervisor          .         .         .   .
    admin               .         .         .   .
    anonymous           .         .         .   .
    """,
    Perm.ROLES_GRANT: """
                        district  street_a  a1  b1
    resident            .         .         .   .
    neighbour           .         .         .   .
    unverified          .         .         .   .
    outsider            .         .         .   .
    representative      .         .         .   .
    staff               .         .         .   .
    staff_a2            .         .         .   .
    street_officer      .         .         .   .
    street_b_officer    .         .         .   .
    district_officer    .         .         .   .
    expert              .         .         .   .
    supervisor          .         .         .   .
    admin               Y         Y         Y   Y
    anonymous           .         .         .   .
    """,
    Perm.AUDIT_READ: """
                        none  district  a1  a2
    resident            .     .         .   .
    neighbour           .     .         .   .
    unverified          .     .         .   .
    outsider            .     .         .   .
    representative      .     .         .   .
    staff               .     .         .   .
    staff_a2            .     .         .   .
    street_officer      .     .         .   .
    street_b_officer    .     .         .   .
    district_officer    .     .         .   .
    expert              .     .         .   .
    supervisor          Y     .         Y   .
    admin               .     .         .   .
    anonymous           .     .         .   .
    """,
}
# fmt: on


def _parse(table: str) -> list[tuple[str, str, bool]]:
    """A grid → (subject, target, expected) rows; checks the grid is complete."""
    lines = [line.split() for line in table.strip().splitlines() if line.strip()]
    header, body = lines[0], lines[1:]
    assert [row[0] for row in body] == SUBJECTS, "every grid lists every subject, in order"
    rows = []
    for subject, *cells in body:
        assert len(cells) == len(header), f"{subject}: {len(cells)} cells for {len(header)} targets"
        assert set(cells) <= {"Y", "."}, f"{subject}: cells are Y or ."
        rows.extend(
            (subject, target, cell == "Y") for target, cell in zip(header, cells, strict=True)
        )
    return rows


ROWS = [
    pytest.param(perm, subject, target, expected, id=f"{perm.value}-{subject}-{target}")
    for perm, table in TABLES.items()
    for subject, target, expected in _parse(table)
]


@pytest.fixture(scope="module")
def matrix(request):
    """The world and its targets, built once through the real services, then detached from the
    session with everything the rules read already loaded, and the tables emptied again: the
    rules never query. (``app`` is fetched here rather than named as a parameter so that the
    thousand cells do not each trigger the per-test emptying of every table.)"""
    app = request.getfixturevalue("app")
    with app.app_context():
        w = build_world()
        villager = make_user(w.village_b1, name="卫村民")
        extra = {
            "pending_a2": make_user(w.community_a2, name="褚待核", verified=False),
            "pending_b1": make_user(w.village_b1, name="沈待核", verified=False),
        }
        cheap, dear = 800_000, 30_000_000  # 8,000 yuan → tier 1; 300,000 yuan → tier 3
        matters = {
            "a1_sub": make_matter(w.resident),
            "a1_acc": make_matter(w.neighbour, title="小区健身器材维修", cost_fen=cheap),
            "a1_acc3": make_matter(
                w.neighbour, title="加装电梯", category="elevator", cost_fen=dear
            ),
            "a1_rej": make_matter(w.neighbour, title="修建地下停车场", category="parking"),
            "a2_sub": make_matter(w.outsider, title="紫荆社区楼道灯"),
            "b1_sub": make_matter(villager, title="村口路灯"),
            "b1_acc": make_matter(villager, title="村文化广场座椅", cost_fen=cheap),
        }
        matter_services.accept_matter(matters["a1_acc"], by=w.staff)
        matter_services.accept_matter(matters["a1_acc3"], by=w.staff)
        matter_services.reject_matter(matters["a1_rej"], by=w.staff, reason="不属于小实事范围")
        matter_services.accept_matter(matters["b1_acc"], by=w.street_b_officer)
        db.session.commit()

        ids = {name: user.id for name, user in {**w.users, **extra}.items()}
        matter_ids = {name: m.id for name, m in matters.items()}
        region_ids = {
            "A1": w.community_a1.id,
            "A2": w.community_a2.id,
            "B1": w.village_b1.id,
            "district": w.district.id,
            "street_a": w.street_a.id,
            "a1": w.community_a1.id,
            "a2": w.community_a2.id,
            "b1": w.village_b1.id,
        }
        names = list(w.users)
        db.session.expunge_all()
        users = {
            u.id: u
            for u in db.session.scalars(
                select(User).options(
                    selectinload(User.roles).selectinload(RoleAssignment.region),
                    selectinload(User.community),
                )
            )
        }
        loaded = {
            m.id: m
            for m in db.session.scalars(select(Matter).options(selectinload(Matter.community)))
        }
        regions = {r.id: r for r in db.session.scalars(select(Region))}
        db.session.expunge_all()
        db.session.remove()
    empty_all_tables(app)

    subjects = {name: users[ids[name]] for name in names}
    subjects["anonymous"] = SimpleNamespace(
        is_authenticated=False, is_active=False, is_anonymous=True
    )
    targets = {name: loaded[mid] for name, mid in matter_ids.items()}
    targets.update({name: regions[rid] for name, rid in region_ids.items()})
    targets.update(
        unverified=users[ids["unverified"]],
        resident=users[ids["resident"]],
        pending_a2=users[ids["pending_a2"]],
        pending_b1=users[ids["pending_b1"]],
        none=None,
    )
    states = {name: targets[name].state for name in matter_ids}
    assert states == {
        "a1_sub": "submitted",
        "a1_acc": "accepted",
        "a1_acc3": "accepted",
        "a1_rej": "rejected",
        "a2_sub": "submitted",
        "b1_sub": "submitted",
        "b1_acc": "accepted",
    }
    assert (targets["a1_acc"].tier, targets["a1_acc3"].tier, targets["b1_acc"].tier) == (1, 3, 1)
    return SimpleNamespace(subjects=subjects, targets=targets)


def _target(matrix, subject: str, target: str):
    if target == "self":
        return None if subject == "anonymous" else matrix.subjects[subject]
    return matrix.targets[target]


@pytest.mark.parametrize(("perm", "subject", "target", "expected"), ROWS)
def test_matrix(matrix, perm, subject, target, expected):
    user = matrix.subjects[subject]
    assert can(user, perm, _target(matrix, subject, target)) is expected


def test_every_perm_has_a_table():
    assert set(TABLES) == set(Perm)


def test_every_perm_has_a_rule():
    assert set(permissions.RULES) == set(Perm)


def test_inactive_users_are_refused_everything(matrix):
    allowed = [row.values for row in ROWS if row.values[3]]
    assert allowed
    subjects = {subject for _perm, subject, _target, _expected in allowed}
    for name in subjects:
        matrix.subjects[name].is_active = False
    try:
        for perm, subject, target, _expected in allowed:
            user = matrix.subjects[subject]
            assert not can(user, perm, _target(matrix, subject, target)), (perm, subject, target)
    finally:
        for name in subjects:
            matrix.subjects[name].is_active = True


def test_unknown_permission_is_refused(matrix):
    district_officer = matrix.subjects["district_officer"]
    admin = matrix.subjects["admin"]
    assert not can(district_officer, "matter.delete", matrix.targets["a1_sub"])
    assert not can(admin, "everything", None)
    assert not can(admin, "", None)


def test_a_perm_without_a_rule_is_refused(matrix, monkeypatch):
    district_officer = matrix.subjects["district_officer"]
    target = matrix.targets["a1_sub"]
    assert can(district_officer, Perm.MATTER_TRIAGE, target)
    monkeypatch.delitem(permissions.RULES, Perm.MATTER_TRIAGE)
    assert not can(district_officer, Perm.MATTER_TRIAGE, target)


def test_none_user_is_refused(matrix):
    assert not can(None, Perm.MATTER_COMMENT, matrix.targets["a1_sub"])


def test_require_answers_401_for_anonymous_and_403_for_others(matrix, app):
    with app.test_request_context():
        with pytest.raises(Unauthorized):
            require(matrix.subjects["anonymous"], Perm.STAFF_AREA)
        with pytest.raises(Forbidden):
            require(matrix.subjects["resident"], Perm.STAFF_AREA)
        require(matrix.subjects["staff"], Perm.STAFF_AREA)  # allowed: no exception
