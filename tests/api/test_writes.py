"""Writes: create, support, triage transitions — permissions, errors, nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.core.audit import AuditEntry
from consult.extensions import db
from consult.matters import services
from consult.matters.models import Matter, Support, Transition
from consult.regions.services import settings_for
from tests.api.conftest import error_of
from tests.factories import make_matter

NEW = {
    "title": "单元门禁坏了",
    "description": "2单元门禁一直开着，陌生人随意进出。",
    "category": "safety",
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Create ---------------------------------------------------------------------------------------
def test_create_in_own_community(api, world, token_for):
    response = api.post(
        "/matters",
        token=token_for(world.resident),
        json={**NEW, "location": "2单元", "estimated_cost": "1,200.50"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/matters/{body['id']}" == body["url"]
    assert body["community_id"] == world.community_a1.id and body["state"] == "submitted"
    assert (body["estimated_cost_fen"], body["estimated_cost"]) == (120_050, "1200.50")
    assert body["proposer"] == "李*英" and body["timeline"][0]["action"] == "submit"
    matter = db.session.get(Matter, body["id"])
    assert matter.author_id == world.resident.id and not matter.assisted


def test_create_with_cost_in_fen_and_explicit_community(api, world, token_for):
    response = api.post(
        "/matters",
        token=token_for(world.resident),
        json={**NEW, "community_id": world.community_a1.id, "estimated_cost_fen": 99},
    )
    assert response.status_code == 201
    assert response.get_json()["estimated_cost"] == "0.99"


def test_assisted_entry_by_a_representative(api, world, token_for):
    response = api.post(
        "/matters",
        token=token_for(world.representative),
        json={**NEW, "on_behalf_name": "钱大妈", "on_behalf_phone": "139 1234 5678"},
    )
    assert response.status_code == 201
    matter = db.session.get(Matter, response.get_json()["id"])
    assert matter.assisted and matter.on_behalf_phone == "13912345678"
    assert "13912345678" not in response.get_data(as_text=True)


def test_assisted_entry_needs_the_permission(api, world, token_for):
    response = api.post(
        "/matters", token=token_for(world.resident), json={**NEW, "on_behalf_name": "钱大妈"}
    )
    assert response.status_code == 403
    assert _count(Matter) == 0


def test_create_out_of_community_is_403_and_anonymous_401(api, world, token_for):
    outside = {**NEW, "community_id": world.community_a2.id}
    response = api.post("/matters", token=token_for(world.resident), json=outside)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert api.post("/matters", json=NEW).status_code == 401
    assert _count(Matter) == 0


@pytest.mark.parametrize(
    "change, fields",
    [
        ({"title": "  "}, {"title"}),
        ({"title": "长" * 121}, {"title"}),
        ({"title": 42}, {"title"}),
        ({"description": None}, {"description"}),
        ({"category": "ufo"}, {"category"}),
        ({"category": ["safety"]}, {"category"}),
        ({"community_id": "1"}, {"community_id"}),
        ({"community_id": True}, {"community_id"}),
        ({"community_id": 2**31}, {"community_id"}),
        ({"community_id": 987654}, {"community_id"}),
        ({"estimated_cost_fen": -1}, {"estimated_cost_fen"}),
        ({"estimated_cost_fen": 12.5}, {"estimated_cost_fen"}),
        ({"estimated_cost_fen": 2**31}, {"estimated_cost_fen"}),
        ({"estimated_cost": "12.345"}, {"estimated_cost"}),
        ({"estimated_cost": "999999999999"}, {"estimated_cost"}),
        ({"estimated_cost": "12", "estimated_cost_fen": 1200}, {"estimated_cost"}),
        ({"on_behalf_phone": "12345"}, {"on_behalf_phone", "on_behalf_name"}),
        ({"location": "a\x00b"}, {"location"}),
        ({"title": "\ud800"}, {"title"}),
    ],
)
def test_create_invalid_is_422_with_fields(api, world, token_for, change, fields):
    body = {**NEW, **change}
    response = api.post(
        "/matters",
        token=token_for(world.representative),
        json=body,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert all(isinstance(m, str) and m for m in error["fields"].values())
    assert _count(Matter) == 0 and _count(Transition) == 0


def test_create_outside_a_community_is_a_field_error(api, world, token_for):
    # A street officer may enter matters for residents of the street, but only in a community.
    response = api.post(
        "/matters",
        token=token_for(world.street_officer),
        json={**NEW, "community_id": world.street_a.id, "on_behalf_name": "钱大妈"},
    )
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"community_id"}
    assert _count(Matter) == 0


def test_create_is_rate_limited(make_app, world, token_for):
    from tests.api.conftest import ApiClient

    api = ApiClient(make_app(RATELIMIT_ENABLED=True, RATELIMIT_PROPOSE="1 per hour"))
    try:
        token = token_for(world.resident)
        assert api.post("/matters", token=token, json=NEW).status_code == 201
        response = api.post("/matters", token=token, json=NEW)
        assert response.status_code == 429
        assert error_of(response)["code"] == "rate_limited"
    finally:
        make_app()  # the limiter is shared by every app: off again for the other tests


# Support --------------------------------------------------------------------------------------
def test_support_and_unsupport_are_idempotent(api, world, token_for):
    matter = make_matter(world.resident)
    token = token_for(world.neighbour)
    path = f"/matters/{matter.id}/support"
    for _ in range(2):
        response = api.post(path, token=token)
        assert response.status_code == 200
        assert response.get_json() == {"supported": True, "support_count": 1}
    assert _count(Support) == 1
    for _ in range(2):
        response = api.delete(path, token=token)
        assert response.get_json() == {"supported": False, "support_count": 0}
    assert _count(Support) == 0


def test_support_reaching_the_threshold_flags_the_matter(api, world, token_for):
    settings_for(world.community_a1).support_threshold = 1
    db.session.commit()
    matter = make_matter(world.resident)
    api.post(f"/matters/{matter.id}/support", token=token_for(world.neighbour))
    assert api.get(f"/matters/{matter.id}").get_json()["flagged"] is True


@pytest.mark.parametrize("who", ["unverified", "outsider", "resident"])
def test_support_needs_the_permission(api, world, token_for, who):
    matter = make_matter(world.resident)  # the author may not support their own matter
    response = api.post(f"/matters/{matter.id}/support", token=token_for(world.users[who]))
    assert response.status_code == 403
    assert _count(Support) == 0


def test_support_of_a_closed_matter_is_409_and_unknown_404(api, world, token_for):
    matter = make_matter(world.resident)
    services.reject_matter(matter, by=world.staff, reason="不属于小实事范围")
    db.session.commit()
    token = token_for(world.neighbour)
    assert api.post(f"/matters/{matter.id}/support", token=token).status_code == 409
    assert api.delete(f"/matters/{matter.id}/support", token=token).status_code == 409
    assert api.post("/matters/777777/support", token=token).status_code == 404


# Transitions ----------------------------------------------------------------------------------
def _transition(api, token, matter, **body):
    return api.post(f"/matters/{matter.id}/transitions", token=token, json=body)


def test_accept_routes_by_cost(api, world, token_for):
    matter = make_matter(world.resident, cost_fen=5_000_000)  # 50,000 yuan → tier 2
    response = _transition(api, token_for(world.staff), matter, action="accept")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["state"], body["tier"]) == ("accepted", 2)
    assert body["handling_region_id"] == world.street_a.id
    assert body["timeline"][-1]["actor"] == "周*敏"
    assert (
        db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()))
        == "matter.accept"
    )


def test_accept_above_the_routed_tier_needs_a_reason(api, world, token_for):
    matter = make_matter(world.resident, cost_fen=100)
    token = token_for(world.street_officer)
    response = _transition(api, token, matter, action="accept", tier=3)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"reason"}
    assert db.session.get(Matter, matter.id).state == "submitted"
    ok = _transition(api, token, matter, action="accept", tier=3, reason="跨街道")
    assert ok.status_code == 200 and ok.get_json()["tier"] == 3


def test_reject_needs_a_reason(api, world, token_for):
    matter = make_matter(world.resident)
    token = token_for(world.staff)
    response = _transition(api, token, matter, action="reject", reason="   ")
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"reason"}
    assert _count(Transition) == 1  # only the submission
    ok = _transition(api, token, matter, action="reject", reason="属于物业维修责任")
    assert ok.status_code == 200
    assert ok.get_json()["timeline"][-1]["reason"] == "属于物业维修责任"


def test_merge_carries_supporters(api, world, token_for):
    dup = make_matter(world.resident, title="楼道灯不亮")
    keep = make_matter(world.neighbour, title="楼道灯坏了")
    services.support(dup, world.neighbour)  # keep's author: not counted twice
    services.support(dup, world.representative)
    db.session.commit()
    token = token_for(world.staff)
    response = _transition(api, token, dup, action="merge", into=keep.id, reason="重复")
    assert response.status_code == 200
    assert response.get_json()["merged_into_id"] == keep.id
    assert api.get(f"/matters/{keep.id}").get_json()["support_count"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "merge"}, "into"),
        ({"action": "merge", "into": 999999}, "into"),
        ({"action": "merge", "into": "2"}, "into"),
        ({"action": "merge", "into": "self"}, "into"),
    ],
)
def test_merge_errors(api, world, token_for, body, field):
    matter = make_matter(world.resident)
    if body.get("into") == "self":
        body = {**body, "into": matter.id}
    response = _transition(api, token_for(world.staff), matter, **body)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {field}
    assert db.session.get(Matter, matter.id).state == "submitted"


def test_merge_into_another_community_is_422(api, world, token_for):
    matter = make_matter(world.resident)
    other = make_matter(world.outsider)
    response = _transition(
        api, token_for(world.street_officer), matter, action="merge", into=other.id
    )
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"into"}


def test_withdraw_by_the_proposer_only(api, world, token_for):
    matter = make_matter(world.resident)
    assert (
        _transition(api, token_for(world.neighbour), matter, action="withdraw").status_code == 403
    )
    response = _transition(api, token_for(world.resident), matter, action="withdraw")
    assert response.status_code == 200 and response.get_json()["state"] == "withdrawn"
    again = api.post(
        f"/matters/{matter.id}/transitions",
        token=token_for(world.resident),
        json={"action": "withdraw"},
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == 409
    assert error_of(again) == {
        "code": "conflict",
        "message": "This cannot be done while the matter is in the state “Withdrawn”.",
    }


def test_raise_tier(api, world, token_for):
    matter = make_matter(world.resident, cost_fen=100)
    token = token_for(world.staff)
    assert (
        _transition(api, token, matter, action="raise_tier", tier=2, reason="x").status_code == 409
    )
    _transition(api, token, matter, action="accept")
    missing = _transition(api, token, matter, action="raise_tier", tier=2)
    assert missing.status_code == 422 and set(error_of(missing)["fields"]) == {"reason"}
    no_tier = _transition(api, token, matter, action="raise_tier", reason="涉及整个街道")
    assert no_tier.status_code == 422 and set(error_of(no_tier)["fields"]) == {"tier"}
    lower = _transition(api, token, matter, action="raise_tier", tier=1, reason="x")
    assert lower.status_code == 422 and set(error_of(lower)["fields"]) == {"tier"}
    skip = _transition(api, token, matter, action="raise_tier", tier=3, reason="x")
    assert skip.status_code == 422 and set(error_of(skip)["fields"]) == {"tier"}  # 1 → 3 skips 2
    step = _transition(api, token, matter, action="raise_tier", tier=2, reason="涉及整个街道")
    assert step.status_code == 200 and step.get_json()["handling_region_id"] == world.street_a.id
    ok = _transition(api, token, matter, action="raise_tier", tier=3, reason="需要区里协调")
    assert ok.status_code == 200
    body = ok.get_json()
    assert (body["tier"], body["handling_region_id"]) == (3, world.district.id)
    assert body["timeline"][-1]["details"] == {"tier": 3, "previous_tier": 2}
    top = _transition(api, token, matter, action="raise_tier", tier=3, reason="x")
    assert top.status_code == 409


@pytest.mark.parametrize(
    "who, action",
    [
        ("resident", "accept"),  # the proposer is not staff
        ("neighbour", "reject"),
        ("staff_a2", "accept"),  # staff of another community
        ("street_b_officer", "merge"),  # an officer of another street
        ("representative", "reject"),
        ("admin", "accept"),  # 三权分立: the admin does not triage
        ("staff", "withdraw"),  # only the proposer withdraws
    ],
)
def test_transitions_without_permission_are_403(api, world, token_for, who, action):
    matter = make_matter(world.resident)
    other = make_matter(world.neighbour)
    body = {"action": action, "reason": "理由", "into": other.id}
    response = _transition(api, token_for(world.users[who]), matter, **body)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert db.session.get(Matter, matter.id).state == "submitted"
    assert _count(Transition) == 2


def test_transition_on_a_closed_matter_is_409(api, world, token_for):
    matter = make_matter(world.resident)
    services.reject_matter(matter, by=world.staff, reason="不予受理")
    db.session.commit()
    for action in ("accept", "reject", "merge", "withdraw", "raise_tier"):
        response = _transition(
            api, token_for(world.staff), matter, action=action, reason="r", tier=2
        )
        assert response.status_code == 409, action


@pytest.mark.parametrize("body", [{}, {"action": "escalate"}, {"action": 3}, {"action": None}])
def test_transition_needs_a_known_action(api, world, token_for, body):
    matter = make_matter(world.resident)
    response = api.post(
        f"/matters/{matter.id}/transitions", token=token_for(world.staff), json=body
    )
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"action"}


def test_transition_anonymous_401_unknown_404(api, world, token_for):
    matter = make_matter(world.resident)
    assert _transition(api, None, matter, action="accept").status_code == 401
    response = api.post(
        "/matters/4242/transitions", token=token_for(world.staff), json={"action": "accept"}
    )
    assert response.status_code == 404
