"""`flask seed`: bulk data for benchmarks is consistent with what the services would write."""

from __future__ import annotations

from sqlalchemy import func, select

from consult.accounts.models import Role, RoleAssignment, User
from consult.accounts.services import authenticate
from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from consult.matters import search
from consult.matters.lifecycle import SUPPORTABLE, State
from consult.matters.models import Comment, Matter, Support, Transition
from consult.regions.models import DistrictSettings, Region, RegionKind
from tests.factories import supports_breaking_the_rules


def _check_consistent() -> list[Matter]:
    matters = db.session.scalars(select(Matter).order_by(Matter.id)).all()
    per_matter = dict(
        db.session.execute(
            select(Support.matter_id, func.count()).group_by(Support.matter_id)
        ).all()
    )
    comments = dict(
        db.session.execute(
            select(Comment.matter_id, func.count()).group_by(Comment.matter_id)
        ).all()
    )
    threshold = db.session.scalar(select(DistrictSettings.support_threshold))
    transitions: dict[int, list[Transition]] = {}
    for t in db.session.scalars(select(Transition).order_by(Transition.id)):
        transitions.setdefault(t.matter_id, []).append(t)
    for m in matters:
        assert m.support_count == per_matter.get(m.id, 0)
        assert m.comment_count == comments.get(m.id, 0)
        assert (m.threshold_reached_at is not None) == (m.support_count >= threshold)
        # search_text holds the words of the title (segmented the way the search reads it)
        assert m.search_text.startswith(" ") and m.search_text.endswith(" ")
        for word in search.query_words(m.title):
            assert f" {word} " in m.search_text, (word, m.title)
        steps = transitions[m.id]
        assert steps[0].action == "submit" and steps[-1].to_state == m.state
        if m.state == State.ACCEPTED:
            assert m.tier in (1, 2, 3) and m.handling_region_id is not None
            assert steps[-1].data["tier"] == m.tier
        if m.state == State.MERGED:
            target = db.session.get(Matter, m.merged_into_id)
            assert target.id < m.id and target.community_id == m.community_id
            assert State(target.state) in SUPPORTABLE
    # Only verified residents of the matter's community support it, never its author.
    assert supports_breaking_the_rules() == 0
    return matters


def test_seed_makes_consistent_data_on_an_empty_database(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["seed", "--matters", "200", "--supports", "1000", "--comments", "150"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        # a minimal region tree was made, with a staff member for every community
        communities = db.session.scalars(
            select(Region).where(Region.kind == RegionKind.COMMUNITY.value)
        ).all()
        assert communities
        staffed = set(
            db.session.scalars(
                select(RoleAssignment.region_id).where(RoleAssignment.role == Role.STAFF.value)
            )
        )
        assert staffed == {c.id for c in communities}

        matters = _check_consistent()
        assert len(matters) == 200
        assert db.session.scalar(select(func.count()).select_from(Support)) == 1000
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 150
        assert {m.state for m in matters} >= {"submitted", "accepted", "rejected", "withdrawn"}
        assert any(m.threshold_reached_at for m in matters)

        # the generated accounts log in with the demo password
        phone = db.session.scalar(select(User.phone).order_by(User.id).limit(1))
        assert authenticate(phone, DEMO_PASSWORD, max_failures=5, lock_minutes=15) is not None
        db.session.remove()

    # Seeding again adds on top (new people, new matters) and stays consistent.
    again = runner.invoke(args=["seed", "--matters", "100", "--supports", "300", "--users", "50"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert len(_check_consistent()) == 300
        assert db.session.scalar(select(func.count()).select_from(Support)) == 1300
        db.session.remove()


def test_seed_reports_when_the_supports_do_not_fit(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "--matters", "3", "--supports", "1000", "--users", "12"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Support))
        assert 0 < count < 1000
        assert f" {count} " in result.output.splitlines()[-1]  # says how many fit
        _check_consistent()
        db.session.remove()


def test_seed_rejects_bad_arguments(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "--matters", "-5"])
    assert result.exit_code == 2
    assert "matters" in result.output
