"""Matter services: submission, triage, merge, supports — through the real services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.matters import services
from consult.matters.lifecycle import State
from consult.matters.models import Support, Transition
from consult.matters.services import MatterError
from consult.regions.services import settings_for
from tests.factories import make_matter, make_user


def test_submit_records_first_transition(world):
    matter = make_matter(world.resident)
    assert matter.state == State.SUBMITTED
    [t] = matter.transitions
    assert (t.from_state, t.to_state, t.actor_id) == (None, "submitted", world.resident.id)
    assert " 楼道 " in matter.search_text


def test_assisted_entry_is_recorded(world):
    matter = services.submit_matter(
        author=world.representative, community=world.community_a1, title="加装扶手",
        description="5号楼老人多，楼梯需要扶手", category="ageing_friendly",
        on_behalf_name="钱大妈", on_behalf_phone="13912345678",
    )
    assert matter.assisted and matter.on_behalf_name == "钱大妈"


def test_accept_routes_by_cost_and_allows_raising_with_reason(world):
    cheap = make_matter(world.resident, cost_fen=1_000_000)
    services.accept_matter(cheap, by=world.staff)
    assert (cheap.state, cheap.tier, cheap.handling_region_id) == ("accepted", 1, world.community_a1.id)

    costly = make_matter(world.resident, cost_fen=5_000_000)  # 50,000 yuan → tier 2
    with pytest.raises(MatterError):
        services.accept_matter(costly, by=world.staff, tier=1)
    with pytest.raises(MatterError):
        services.accept_matter(costly, by=world.staff, tier=3)  # raising needs a reason
    services.accept_matter(costly, by=world.staff, tier=3, reason="涉及多个社区")
    assert costly.tier == 3 and costly.handling_region_id == world.district.id
    assert costly.transitions[-1].data == {"tier": 3, "routed_tier": 2}


def test_thresholds_come_from_district_settings(world):
    settings = settings_for(world.community_a1)
    settings.tier1_max_fen = 100
    matter = make_matter(world.resident, cost_fen=200)
    assert services.routed_tier(matter) == 2


def test_reject_needs_reason_and_closes(world):
    matter = make_matter(world.resident)
    with pytest.raises(MatterError):
        services.reject_matter(matter, by=world.staff, reason="  ")
    services.reject_matter(matter, by=world.staff, reason="属于物业维修责任")
    assert matter.state == "rejected"
    with pytest.raises(MatterError) as exc:
        services.accept_matter(matter, by=world.staff)
    assert exc.value.status == 409


def test_withdraw_only_by_proposer_before_triage(world):
    matter = make_matter(world.resident)
    with pytest.raises(MatterError):
        services.withdraw_matter(matter, by=world.neighbour)
    services.withdraw_matter(matter, by=world.resident)
    assert matter.state == "withdrawn"


def test_support_once_and_threshold_flags(world):
    settings_for(world.community_a1).support_threshold = 2
    matter = make_matter(world.resident)
    assert services.support(matter, world.neighbour) is True
    assert services.support(matter, world.neighbour) is False  # idempotent
    assert matter.support_count == 1 and not matter.flagged
    services.support(matter, world.representative)
    assert matter.support_count == 2 and matter.flagged
    assert services.unsupport(matter, world.representative) is True
    assert matter.support_count == 1 and matter.flagged  # the flag, once raised, stays
    db.session.commit()


def test_support_unique_constraint_is_in_the_database(world):
    matter = make_matter(world.resident)
    db.session.add(Support(matter_id=matter.id, user_id=world.neighbour.id))
    db.session.commit()
    db.session.add(Support(matter_id=matter.id, user_id=world.neighbour.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_merge_carries_supporters_without_counting_twice(world):
    a = make_matter(world.resident, title="小区停车难")
    b = make_matter(world.neighbour, title="停车位不够")
    services.support(a, world.representative)
    services.support(a, world.neighbour)  # b's own author: not carried
    services.support(b, world.representative)  # already supports b: not counted twice
    extra = make_user(world.community_a1, name="新居民")
    services.support(a, extra)
    carried = services.merge_matter(a, into=b, by=world.staff, reason="重复提案")
    db.session.commit()
    assert carried == 1
    assert b.support_count == 2
    assert db.session.scalar(select(func.count()).select_from(Support).where(Support.matter_id == b.id)) == 2
    assert a.state == "merged" and a.merged_into_id == b.id
    t = db.session.scalars(select(Transition).where(Transition.matter_id == a.id)).all()[-1]
    assert t.data == {"into": b.id, "carried": 1}


def test_merge_rejects_other_community_and_self(world):
    a = make_matter(world.resident)
    other = make_matter(world.outsider)
    with pytest.raises(MatterError):
        services.merge_matter(a, into=other, by=world.street_officer)
    with pytest.raises(MatterError):
        services.merge_matter(a, into=a, by=world.staff)


def test_similar_matters_finds_lookalikes_of_same_community(world):
    make_matter(world.resident, title="小区楼道灯不亮", description="晚上很黑")
    make_matter(world.resident, title="增加健身器材", description="老人锻炼", category="sports_culture")
    make_matter(world.outsider, title="楼道灯不亮", description="另一个社区")
    found = services.similar_matters(world.community_a1.id, "楼道灯坏了")
    assert [m.title for m in found] == ["小区楼道灯不亮"]


def test_new_districts_take_the_configured_support_threshold(make_app):
    from consult.regions.models import RegionKind
    from consult.regions.services import create_region

    app = make_app(SUPPORT_THRESHOLD=3)
    with app.app_context():
        district = create_region("新区", RegionKind.DISTRICT)
        assert settings_for(district).support_threshold == 3
        db.session.commit()


def test_raise_tier_goes_one_step_at_a_time(world):
    matter = make_matter(world.resident, cost_fen=100)
    services.accept_matter(matter, by=world.staff)
    with pytest.raises(MatterError):
        services.raise_tier(matter, by=world.staff, tier=3, reason="跨街道")  # skips tier 2
    with pytest.raises(MatterError):
        services.raise_tier(matter, by=world.staff, tier="two", reason="x")  # not a number: 4xx
    services.raise_tier(matter, by=world.staff, tier=2, reason="需要街道协调")
    assert (matter.tier, matter.handling_region_id) == (2, world.street_a.id)
