"""`flask demo`: the demo district is realistic, seeded once, and every printed login works."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from consult.accounts.models import Role, RoleAssignment, User, VerificationCode
from consult.accounts.services import authenticate
from consult.core.audit import AuditEntry
from consult.core.timeutil import utcnow
from consult.demo import DEMO_PASSWORD, FEATURED_RESIDENTS, ROLE_HOLDERS, seed_demo
from consult.extensions import db
from consult.matters.lifecycle import SUPPORTABLE, TRANSITIONS, State
from consult.matters.models import Comment, Matter, Support, Transition
from consult.regions.models import DistrictSettings, Region, RegionKind
from tests.factories import supports_breaking_the_rules

#: every state the lifecycle can reach so far: the demo must show each of them
REACHABLE_STATES = {target for target in TRANSITIONS.values()}


def _counts() -> dict[str, int]:
    models = (
        Region,
        User,
        RoleAssignment,
        VerificationCode,
        Matter,
        Transition,
        Support,
        Comment,
        AuditEntry,
    )
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def test_demo_district_is_realistic_and_seeded_once(ctx):
    started = utcnow()
    result = seed_demo()
    assert result.created

    # The region tree: 1 district, 3 streets (one a 镇), 9 communities (one a 村) with figures.
    regions = db.session.scalars(select(Region)).all()
    by_kind = {kind: [r for r in regions if r.kind == kind.value] for kind in RegionKind}
    assert len(by_kind[RegionKind.DISTRICT]) == 1
    assert len(by_kind[RegionKind.STREET]) == 3
    assert any(s.name.endswith("镇") for s in by_kind[RegionKind.STREET])
    communities = by_kind[RegionKind.COMMUNITY]
    assert len(communities) == 9
    villages = [c for c in communities if c.is_village]
    assert len(villages) == 1 and villages[0].name.endswith("村")
    for community in communities:
        assert community.adult_count > community.household_count > 0
        groups = [g for g in by_kind[RegionKind.GROUP] if g.parent_id == community.id]
        assert len(groups) >= 3

    # Accounts of every role, residents verified both ways and some not verified.
    held = set(db.session.scalars(select(RoleAssignment.role)))
    assert held == {r.value for r in Role}
    via = dict(
        db.session.execute(
            select(User.verified_via, func.count()).group_by(User.verified_via)
        ).all()
    )
    assert via.get("staff", 0) > 50 and via.get("code", 0) >= 3 and via.get(None, 0) >= 9
    assert (
        db.session.scalar(select(func.count()).where(VerificationCode.used_at.is_(None)))
        == len(result.codes)
        == 5
    )

    # Matters in every reachable state, at every tier, raised tiers both ways.
    matters = db.session.scalars(select(Matter)).all()
    assert len(matters) >= 150
    assert {State(m.state) for m in matters} >= REACHABLE_STATES
    assert {m.tier for m in matters if m.state == State.ACCEPTED} == {1, 2, 3}
    transitions = db.session.scalars(select(Transition).order_by(Transition.id)).all()
    assert any(t.action == "raise_tier" and t.reason for t in transitions)
    assert any(
        t.action == "accept" and t.data["tier"] > t.data["routed_tier"] and t.reason
        for t in transitions
    )
    assert all(t.reason for t in transitions if t.action == "reject")
    categories = {m.category for m in matters}
    assert len(categories) >= 10

    # Timelines are real and spread over the past months, never in the future.
    first = {}
    for t in transitions:
        first.setdefault(t.matter_id, t)
        matter = db.session.get(Matter, t.matter_id)
        assert matter.created_at <= t.at <= started + timedelta(minutes=1)
    assert all(first[m.id].action == "submit" for m in matters)
    assert min(m.created_at for m in matters) < started - timedelta(days=90)
    assert all(m.updated_at <= started + timedelta(minutes=1) for m in matters)

    # Merged matters point at an open matter of the same community.
    merged = [m for m in matters if m.state == State.MERGED]
    for m in merged:
        target = db.session.get(Matter, m.merged_into_id)
        assert target.community_id == m.community_id and State(target.state) in SUPPORTABLE

    # Assisted entries, by the community's representative, recorded as such.
    assisted = [m for m in matters if m.assisted]
    assert assisted
    for m in assisted:
        assert m.on_behalf_name and m.author.holds_over(m.community, Role.REPRESENTATIVE)

    # Supports: counts match the rows, only verified neighbours who are not the author,
    # some matters past the threshold (and only those flagged).
    rows = db.session.execute(
        select(Support.matter_id, func.count()).group_by(Support.matter_id)
    ).all()
    per_matter = dict(rows)
    threshold = db.session.scalar(select(DistrictSettings.support_threshold))
    for m in matters:
        assert m.support_count == per_matter.get(m.id, 0)
        assert (m.threshold_reached_at is not None) == (m.support_count >= threshold)
    assert sum(1 for m in matters if m.support_count >= threshold) >= 5
    assert supports_breaking_the_rules(also_before_the_matter=True) == 0

    # Comments, a few hidden by staff with a public reason.
    comments = db.session.scalars(select(Comment)).all()
    hidden = [c for c in comments if c.hidden_at is not None]
    assert len(comments) > 100 and len(hidden) >= 3
    assert all(c.hidden_reason and c.hidden_by_id for c in hidden)

    # Running it again writes nothing and still knows the logins.
    before = _counts()
    again = seed_demo()
    assert not again.created and again.codes == []
    assert again.logins == result.logins
    assert _counts() == before


def test_demo_command_prints_working_logins_and_serves_plain_http(make_app, monkeypatch):
    app = make_app(SESSION_COOKIE_SECURE=True)
    served = {}

    def fake_run_simple(host, port, application, **options):
        served.update(
            host=host,
            port=port,
            app=application,
            secure=application.config["SESSION_COOKIE_SECURE"],
        )

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--port", "5123"])
    assert result.exit_code == 0, result.output
    assert served == {"host": "127.0.0.1", "port": 5123, "app": app, "secure": False}

    output = result.output
    assert DEMO_PASSWORD in output
    phones = re.findall(r"\b1[3-9]\d{9}\b", output)
    expected = [p for _r, _n, p, _w, _h in ROLE_HOLDERS] + [
        p for _n, p, _c, _v in FEATURED_RESIDENTS
    ]
    assert phones == expected
    assert re.search(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b", output)  # fresh printed codes

    with app.app_context():
        for phone in phones:
            user = authenticate(phone, DEMO_PASSWORD, max_failures=5, lock_minutes=15)
            assert user is not None, phone
        roles = {
            a.role
            for p in phones
            for a in db.session.scalar(select(User).where(User.phone == p)).roles
        }
        assert roles == {r.value for r in Role}
        db.session.remove()

    served.clear()
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert re.findall(r"\b1[3-9]\d{9}\b", second.output) == expected
    assert served == {}
