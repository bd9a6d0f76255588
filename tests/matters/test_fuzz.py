"""Whatever people type into the matter forms — random text, unicode, NUL characters, huge
values — the answer is never a 500, and a rejected form writes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consult.extensions import db
from consult.matters.models import Comment, Matter
from tests.factories import login, make_matter

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "-1",
        "0",
        "1e9",
        "NaN",
        "9" * 40,
        "1.005",
        "１２３",
        "¥1,000.00",
        "<script>alert(1)</script>",
        "%",
        "_",
        "' OR 1=1 --",
        "#",
        "#-1",
        "\u202e",
        "楼道灯 电梯",
    ]
)
HUGE = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(100, 20_000))
JUNK = st.one_of(SPECIAL, st.text(max_size=200), HUGE, st.integers(-(10**30), 10**30).map(str))


def maybe(valid):
    """Either a valid value or junk, so that later checks are reached too."""
    return st.one_of(st.just(valid), JUNK)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@FUZZ
@given(data=st.data())
def test_propose_form_never_fails(world, client, data):
    login(client, world.representative)
    before = count(Matter)
    form = {
        "title": data.draw(maybe("小区东门加装休息座椅")),
        "description": data.draw(maybe("东门公交站旁没有座椅")),
        "category": data.draw(maybe("seating_shade")),
        "community_id": data.draw(maybe(str(world.community_a1.id))),
        "location": data.draw(JUNK),
        "estimated_cost": data.draw(maybe("6000")),
        "assisted": data.draw(st.sampled_from(["", "y", "false"])),
        "on_behalf_name": data.draw(maybe("钱大妈")),
        "on_behalf_phone": data.draw(maybe("13912345678")),
        "seen_similar": data.draw(st.sampled_from(["", "y"])),
    }
    response = client.post("/matters/new", data=form)
    assert response.status_code in (200, 303, 403, 413, 422), response.status_code
    assert count(Matter) == before + (1 if response.status_code == 303 else 0)


@FUZZ
@given(body=JUNK, reason=JUNK)
def test_comment_forms_never_fail(world, client, body, reason):
    matter = make_matter(world.resident)
    login(client, world.staff)
    before = count(Comment)
    response = client.post(f"/matters/{matter.id}/comments", data={"body": body})
    assert response.status_code in (303, 422), response.status_code
    assert count(Comment) == before + (1 if response.status_code == 303 else 0)
    comment = db.session.scalar(select(Comment).where(Comment.matter_id == matter.id))
    if comment is not None:
        response = client.post(
            f"/matters/{matter.id}/comments/{comment.id}/hide",
            data={f"hide{comment.id}-reason": reason},
        )
        assert response.status_code in (303, 422), response.status_code


@FUZZ
@given(
    action=st.sampled_from(["accept", "reject", "merge", "raise-tier", "withdraw"]),
    tier=maybe("2"),
    reason=JUNK,
    into=JUNK,
)
def test_triage_forms_never_fail(world, client, action, tier, reason, into):
    matter = make_matter(world.resident)
    if action == "raise-tier":
        from consult.matters import services

        services.accept_matter(matter, by=world.staff)
        db.session.commit()
    login(client, world.resident if action == "withdraw" else world.staff)
    prefix = {"raise-tier": "raise"}.get(action, action)
    form = {
        f"{prefix}-tier": tier,
        f"{prefix}-reason": reason,
        f"{prefix}-into": into,
        "confirm": "yes",
        "reason": reason,
    }
    response = client.post(f"/matters/{matter.id}/{action}", data=form)
    assert response.status_code in (303, 409, 422), response.status_code
    db.session.refresh(matter)
    if response.status_code != 303:
        assert matter.state == ("accepted" if action == "raise-tier" else "submitted")
        assert (matter.tier or 1) == 1


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["q", "community", "category", "state", "tier", "sort", "mine", "flagged", "page"]
        ),
        JUNK,
    )
)
def test_list_filters_never_fail(world, client, params):
    response = client.get("/matters", query_string=params)
    assert response.status_code == 200
