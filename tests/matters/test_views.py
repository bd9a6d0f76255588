"""The matter pages through the Flask test client: list, detail, propose, support, comments,
withdrawal, triage and photos — as the public, residents and staff."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.matters import services
from consult.matters.models import Comment, Matter, MatterPhoto, Support
from consult.regions.services import settings_for
from tests.clients import fresh_client as page_client
from tests.factories import login, make_assisted_matter, make_matter, make_user
from tests.matters.conftest import image_bytes


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def propose_data(community, **overrides):
    data = {
        "title": "小区东门加装休息座椅",
        "description": "东门公交站旁没有座椅，老人等车很辛苦。",
        "category": "seating_shade",
        "community_id": str(community.id),
        "location": "东门公交站",
        "estimated_cost": "6,000.50",
        "seen_similar": "y",
    }
    data.update(overrides)
    return data


# The list ------------------------------------------------------------------------------------------
def test_list_shows_cards_with_masked_names(world, client):
    matter = make_matter(world.resident)
    response = client.get("/matters")
    page = text(response)
    assert response.status_code == 200
    assert matter.title in page and "桂花社区" in page and "Stairwell lighting" in page
    assert "李*英" in page and "李秀英" not in page
    assert "Submitted, awaiting triage" in page and "1 matter" in page
    assert 'class="error"' not in page  # no filter is wrong when none is given


def test_list_filters(world, client):
    a1 = make_matter(world.resident, title="楼道灯不亮")
    a2 = make_matter(
        world.outsider,
        title="紫荆社区增设垃圾分类亭",
        category="sanitation",
        description="垃圾分类亭太少",
    )
    accepted = make_matter(
        world.neighbour,
        title="健身器材更新",
        category="sports_culture",
        description="广场健身器材老化",
        cost_fen=5_000_000,
    )
    services.accept_matter(accepted, by=world.staff)
    flagged = make_matter(
        world.neighbour, title="停车位划线", category="parking", description="乱停车"
    )
    settings_for(world.community_a1).support_threshold = 1
    services.support(flagged, world.resident)
    db.session.commit()

    def titles(query):
        response = client.get("/matters" + query)
        assert response.status_code == 200
        page = text(response)
        return {m.title for m in (a1, a2, accepted, flagged) if m.title in page}

    assert titles(f"?community={world.community_a2.id}") == {a2.title}
    assert titles("?category=sanitation") == {a2.title}
    assert titles("?state=accepted") == {accepted.title}
    assert titles("?tier=2") == {accepted.title}
    assert titles("?flagged=1") == {flagged.title}
    assert titles(f"?community={world.community_a1.id}&state=submitted") == {
        a1.title,
        flagged.title,
    }
    assert 'class="error"' not in text(
        client.get(
            f"/matters?community={world.community_a1.id}&state=accepted&category=parking&tier=1&sort=support&q=灯"
        )
    )
    # tampered values are reported and ignored, never a 500
    assert titles("?community=abc&tier=7&state=nonsense&category=<script>") == {
        a1.title,
        a2.title,
        accepted.title,
        flagged.title,
    }
    # "my proposals" needs a login; anonymous people get everything
    assert len(titles("?mine=1")) == 4
    login(client, world.neighbour)
    assert titles("?mine=1") == {accepted.title, flagged.title}


def test_list_community_select_is_grouped_by_street(world, client):
    page = text(client.get("/matters"))
    assert '<optgroup label="东湖街道">' in page and '<optgroup label="西山镇">' in page
    assert (
        page.index("东湖街道")
        < page.index("桂花社区")
        < page.index("西山镇")
        < page.index("清泉村")
    )


def test_search_needs_every_word(world, client):
    lights = make_matter(world.resident, title="楼道灯坏了", description="三号楼楼道灯不亮")
    lift = make_matter(world.resident, title="加装电梯", description="五号楼老人多，需要加装电梯")
    both = make_matter(world.resident, title="电梯间楼道灯", description="电梯口的楼道灯太暗")

    def found(q):
        page = text(client.get("/matters", query_string={"q": q}))
        return {m.title for m in (lights, lift, both) if m.title in page}

    assert found("楼道灯") == {lights.title, both.title}
    assert found("电梯") == {lift.title, both.title}
    assert found("电梯 楼道灯") == {both.title}
    assert found("游泳池") == set()
    assert found("%") == {lights.title, lift.title, both.title}  # nothing searchable: no filter
    assert found("楼_灯") == set()  # LIKE wildcards are not wildcards here


def test_pagination_and_order(world, client, app):
    per_page = app.config["PAGE_SIZE"]
    matters = [
        make_matter(world.resident, title=f"第{i}号提议", description=f"内容{i}", commit=False)
        for i in range(per_page + 5)
    ]
    db.session.commit()
    first = text(client.get("/matters"))
    assert matters[-1].title in first and matters[0].title not in first  # newest first
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = text(client.get("/matters?page=2"))
    assert matters[0].title in second and matters[-1].title not in second
    assert text(client.get("/matters?page=999")).count('class="card"') == 5  # clamped to the last
    assert client.get("/matters?page=abc").status_code == 200
    # most supported first
    services.support(matters[0], world.neighbour)
    db.session.commit()
    by_support = text(client.get("/matters?sort=support"))
    assert by_support.index(matters[0].title) < by_support.index(matters[-1].title)


def test_list_htmx_gets_the_results_alone(world, client):
    matter = make_matter(world.resident)
    partial = client.get("/matters?q=楼道", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in text(partial) and matter.title in text(partial)
    assert "HX-Request" in partial.headers.get("Vary", "")
    restore = client.get(
        "/matters?q=楼道", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in text(restore)
    full = text(client.get("/matters"))
    assert (
        'hx-get="/matters"' in full
        and 'hx-target="#results"' in full
        and 'hx-push-url="true"' in full
    )


# The detail page -------------------------------------------------------------------------------------
def test_detail_for_the_public(world, client):
    matter = make_matter(world.resident)
    matter.created_at = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    matter.transitions[0].at = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    db.session.commit()
    response = client.get(f"/matters/{matter.id}")
    page = text(response)
    assert response.status_code == 200
    for part in (
        matter.title,
        "老人晚上上下楼不安全",
        "Stairwell lighting",
        "东湖街道 · 桂花社区",
        "3号楼2单元",
        "¥8,000.00",
        "Submitted, awaiting triage",
        "Proposed",
    ):
        assert part in page
    assert "2024-01-01 08:00" in page  # Asia/Shanghai
    assert "李*英" in page and "李秀英" not in page
    assert "Log in to support this proposal." in page and "Log in to comment." in page
    assert 'id="triage"' not in page


def test_unknown_matters_are_404(world, client):
    for path in (
        "/matters/999",
        "/matters/0",
        "/matters/99999999999999999999999",
        "/matters/abc",
        "/matters/999/withdraw",
    ):
        assert client.get(path).status_code == 404, path


def test_staff_in_scope_see_full_names(world, client):
    matter = make_matter(world.resident)
    services.add_comment(matter, author=world.neighbour, body="同意，晚上太黑了")
    db.session.commit()
    login(client, world.staff_a2)  # staff, but of another community
    page = text(client.get(f"/matters/{matter.id}"))
    assert "李秀英" not in page and "王建国" not in page and "王*国" in page
    login(client, world.staff)
    page = text(client.get(f"/matters/{matter.id}"))
    assert "李秀英" in page and "王建国" in page


def test_assisted_entry_is_shown_masked(world, client):
    matter = make_assisted_matter(world, title="楼梯加装扶手")
    page = text(client.get(f"/matters/{matter.id}"))
    assert "刘*华" in page and "钱*妈" in page and "Assisted entry" in page
    assert "刘德华" not in page and "钱大妈" not in page and "13912345678" not in page
    login(client, world.staff)
    page = text(client.get(f"/matters/{matter.id}"))
    assert "钱大妈" in page and "13912345678" in page


def test_timeline_flagged_and_merged_notices(world, client):
    settings_for(world.community_a1).support_threshold = 1
    target = make_matter(world.resident, title="东门路灯维修")
    duplicate = make_matter(world.neighbour, title="东门路灯坏了")
    services.support(duplicate, world.representative)
    services.merge_matter(duplicate, into=target, by=world.staff, reason="同一件事")
    services.accept_matter(target, by=world.staff, tier=2, reason="涉及市政线路")
    db.session.commit()

    page = text(client.get(f"/matters/{duplicate.id}"))
    assert "This proposal was merged into" in page and f'href="/matters/{target.id}"' in page
    assert "Submitted, awaiting triage → Merged" in page and "同一件事" in page
    assert "1 support carried over" in page and "周*敏" in page

    page = text(client.get(f"/matters/{target.id}"))
    assert "reached the support threshold" in page and "Over the support threshold" in page
    assert "Tier 2 · with the street" in page and "raised from tier 1" in page
    assert "涉及市政线路" in page and "handled by 东湖街道" in page


# Proposing -------------------------------------------------------------------------------------------
def test_propose_needs_login(world, client):
    response = client.get("/matters/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/matters/new", data=propose_data(world.community_a1)).status_code == 302
    assert count(Matter) == 0


def test_propose_form_defaults_to_own_community(world, client):
    login(client, world.resident)
    page = text(client.get("/matters/new"))
    assert f'<option selected value="{world.community_a1.id}">' in page
    assert f'value="{world.community_a2.id}"' not in page  # residents propose only for their own
    assert "Assisted entry" not in page
    assert 'hx-get="/matters/similar"' in page and 'hx-target="#similar"' in page


def test_propose_ok(world, client):
    login(client, world.resident)
    response = client.post("/matters/new", data=propose_data(world.community_a1))
    assert response.status_code == 303
    matter = db.session.scalar(select(Matter))
    assert response.headers["Location"].endswith(f"/matters/{matter.id}")
    assert (matter.title, matter.estimated_cost_fen, matter.author_id) == (
        "小区东门加装休息座椅",
        600050,
        world.resident.id,
    )
    assert not matter.assisted
    assert "Your proposal is submitted." in text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("abc", "Enter the cost as a number of yuan, for example 12000 or 12000.50."),
        ("-5", "The cost cannot be negative."),
        ("12.345", "Give the cost in yuan with at most two decimals."),
        ("99999999999999", "The estimated cost can be at most ¥20,000,000.00."),
        ("20000000.01", "The estimated cost can be at most ¥20,000,000.00."),
        ("1e5", "Enter the cost as a number of yuan"),
    ],
)
def test_propose_bad_cost(world, client, cost, message):
    login(client, world.resident)
    response = client.post(
        "/matters/new", data=propose_data(world.community_a1, estimated_cost=cost)
    )
    page = text(response)
    assert response.status_code == 422
    assert message in page and 'id="estimated_cost-error"' in page
    assert 'value="小区东门加装休息座椅"' in page and "东门公交站旁没有座椅" in page  # input kept
    assert count(Matter) == 0


def test_propose_missing_fields(world, client):
    login(client, world.resident)
    response = client.post(
        "/matters/new",
        data=propose_data(
            world.community_a1, title="  ", description="", category="", community_id=""
        ),
    )
    page = text(response)
    assert response.status_code == 422
    for message in (
        "A title is required.",
        "A description is required.",
        "Choose a category from the list.",
        "Choose a community.",
    ):
        assert message in page
    assert 'value="东门公交站"' in page
    assert count(Matter) == 0


def test_propose_only_for_own_community_unless_assisted(world, client):
    login(client, world.resident)
    response = client.post("/matters/new", data=propose_data(world.community_a2))
    assert response.status_code == 422 and "Choose a community from the list." in text(response)
    response = client.post(
        "/matters/new", data=propose_data(world.community_a1, assisted="y", on_behalf_name="钱大妈")
    )
    assert response.status_code == 403
    assert "Only representatives and staff can enter proposals for a neighbour." in text(response)
    assert count(Matter) == 0


def test_assisted_entry_in_another_community_in_scope(world, client):
    login(client, world.street_officer)  # lives in A1, covers street A (A1 and A2)
    page = text(client.get("/matters/new"))
    assert "Assisted entry" in page and f'<option value="{world.community_a2.id}">' in page
    assert f'value="{world.village_b1.id}"' not in page
    # for another community, only as assisted entry
    response = client.post("/matters/new", data=propose_data(world.community_a2))
    assert response.status_code == 422 and "unless you enter it for a neighbour" in text(response)
    response = client.post(
        "/matters/new", data=propose_data(world.community_a2, assisted="y", on_behalf_name="")
    )
    assert response.status_code == 422 and "Give the name of the neighbour" in text(response)
    response = client.post(
        "/matters/new",
        data=propose_data(
            world.community_a2,
            assisted="y",
            on_behalf_name="钱大妈",
            on_behalf_phone="0571-8888 6666",
        ),
    )
    assert response.status_code == 303
    matter = db.session.scalar(select(Matter))
    assert (matter.community_id, matter.assisted, matter.on_behalf_name) == (
        world.community_a2.id,
        True,
        "钱大妈",
    )


def test_propose_with_a_photo(world, client):
    login(client, world.resident)
    data = propose_data(world.community_a1, photos=[(io.BytesIO(image_bytes("PNG")), "门口.png")])
    response = client.post("/matters/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    photo = db.session.scalar(select(MatterPhoto))
    assert photo.content_type == "image/png" and photo.stored_name.endswith(".png")
    page = text(client.get(response.headers["Location"]))
    assert f"/matters/photos/{photo.stored_name}" in page

    served = client.get(f"/matters/photos/{photo.stored_name}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert served.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_propose_with_a_fake_photo(world, client):
    login(client, world.resident)
    fake = b"<html><script>alert(1)</script></html>"
    data = propose_data(world.community_a1, photos=[(io.BytesIO(fake), "x.png")])
    response = client.post("/matters/new", data=data, content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 415
    assert "Photos must be JPEG, PNG or WebP images." in page and 'id="photos-error"' in page
    assert 'value="小区东门加装休息座椅"' in page
    assert "Please choose your photos again" in page  # a browser cannot keep chosen files
    assert count(Matter) == 0 and count(MatterPhoto) == 0


def test_propose_with_an_oversized_photo(world, client, app):
    login(client, world.resident)
    big = image_bytes("PNG") + b"\0" * app.config["MAX_PHOTO_BYTES"]
    data = propose_data(world.community_a1, photos=[(io.BytesIO(big), "big.png")])
    response = client.post("/matters/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert 'id="photos-error"' in text(response) and count(Matter) == 0


def test_propose_with_too_many_photos(world, client, app):
    login(client, world.resident)
    photos = [
        (io.BytesIO(image_bytes("PNG")), f"{i}.png")
        for i in range(app.config["MAX_PHOTOS_PER_MATTER"] + 1)
    ]
    data = propose_data(world.community_a1, photos=photos)
    response = client.post("/matters/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "At most 6 photos." in text(response)
    assert count(Matter) == 0 and count(MatterPhoto) == 0


def test_similar_proposals_while_typing(world, client):
    lights = make_matter(world.resident, title="楼道灯坏了需要更换")
    make_matter(
        world.outsider, title="楼道灯坏了", description="紫荆社区的楼道灯"
    )  # other community
    response = client.get(
        "/matters/similar",
        query_string={"title": "三号楼楼道灯不亮", "community_id": world.community_a1.id},
        headers={"HX-Request": "true"},
    )
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert page.count("Support this instead") == 1 and f"/matters/{lights.id}#support" in page
    assert 'name="seen_similar"' in page
    nothing = client.get(
        "/matters/similar", query_string={"title": "游泳池", "community_id": world.community_a1.id}
    )
    assert text(nothing).strip() == ""
    for bad in (
        {"title": "楼道灯"},
        {"title": "楼道灯", "community_id": "x"},
        {"title": "楼道灯", "community_id": "99999999999999999999"},
    ):
        assert client.get("/matters/similar", query_string=bad).status_code == 200


def test_similar_proposals_without_javascript(world, client):
    lights = make_matter(world.resident, title="楼道灯坏了需要更换")
    login(client, world.neighbour)
    data = propose_data(world.community_a1, title="三号楼楼道灯不亮", seen_similar="")
    response = client.post("/matters/new", data=data)
    page = text(response)
    assert response.status_code == 200
    assert "Similar proposals already exist" in page and f"/matters/{lights.id}#support" in page
    assert 'value="三号楼楼道灯不亮"' in page and 'name="seen_similar"' in page
    assert count(Matter) == 1
    # another error: the similar list stays, and so does the ticked box and the rest of the input
    response = client.post(
        "/matters/new",
        data={**data, "seen_similar": "y", "estimated_cost": "x"},
        content_type="multipart/form-data",
    )
    page = text(response)
    assert response.status_code == 422 and "Similar proposals already exist" in page
    assert 'value="y" checked' in page and count(Matter) == 1
    response = client.post("/matters/new", data={**data, "seen_similar": "y"})
    assert response.status_code == 303 and count(Matter) == 2


def test_propose_is_rate_limited(world, make_app):
    from consult.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PROPOSE="2 per hour")
    limiter.reset()
    client = page_client(app)
    login(client, world.resident)
    statuses = [
        client.post(
            "/matters/new", data=propose_data(world.community_a1, title=f"提议{i}")
        ).status_code
        for i in range(3)
    ]
    assert statuses == [303, 303, 429]
    assert client.get("/matters/new").status_code == 200  # only POSTs count


# Supports -------------------------------------------------------------------------------------------
def test_support_toggle_with_htmx(world, client):
    matter = make_matter(world.resident)
    login(client, world.neighbour)
    page = text(client.get(f"/matters/{matter.id}"))
    assert f'hx-post="/matters/{matter.id}/support"' in page and 'hx-target="this"' in page
    assert 'name="csrf_token"' in page and 'hx-swap="outerHTML"' in page

    htmx = {"HX-Request": "true"}
    response = client.post(
        f"/matters/{matter.id}/support", data={"action": "support"}, headers=htmx
    )
    partial = text(response)
    assert response.status_code == 200 and "<html" not in partial
    assert partial.lstrip().startswith("<form") and "Withdraw my support" in partial
    assert '<span class="support-count">1</span>' in partial
    # a double submit changes nothing
    again = client.post(f"/matters/{matter.id}/support", data={"action": "support"}, headers=htmx)
    assert "You already support this matter." in text(again)
    assert count(Support, Support.matter_id == matter.id) == 1

    response = client.post(
        f"/matters/{matter.id}/support", data={"action": "withdraw"}, headers=htmx
    )
    assert '<span class="support-count">0</span>' in text(response) and ">Support</button>" in text(
        response
    )
    assert count(Support) == 0


def test_support_without_javascript(world, client):
    matter = make_matter(world.resident)
    login(client, world.neighbour)
    response = client.post(f"/matters/{matter.id}/support", data={"action": "support"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/matters/{matter.id}#support")
    page = text(client.get(f"/matters/{matter.id}"))
    assert "Thank you: your support is recorded." in page and "You support this proposal." in page
    db.session.refresh(matter)
    assert matter.support_count == 1
    assert client.post(f"/matters/{matter.id}/support", data={}).status_code == 400


@pytest.mark.parametrize(
    ("who", "status", "explanation"),
    [
        ("outsider", 403, "Only residents of 桂花社区 can support this proposal."),
        ("unverified", 403, "Only residents whose residence is verified can support."),
        ("resident", 403, "This is your own proposal"),
        (None, 302, "Log in to support this proposal."),
    ],
)
def test_who_cannot_support(world, client, who, status, explanation):
    matter = make_matter(world.resident)
    if who:
        login(client, getattr(world, who))
    page = text(client.get(f"/matters/{matter.id}"))
    assert explanation in page and "hx-post" not in page
    response = client.post(f"/matters/{matter.id}/support", data={"action": "support"})
    assert response.status_code == status
    assert count(Support) == 0


def test_support_after_the_session_ended_with_htmx(world, client):
    matter = make_matter(world.resident)
    response = client.post(
        f"/matters/{matter.id}/support", data={"action": "support"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/login?next=/matters/{matter.id}"
    assert count(Support) == 0


def test_support_is_rate_limited(world, make_app):
    from consult.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SUPPORT="2 per minute")
    limiter.reset()
    client = page_client(app)
    matter = make_matter(world.resident)
    login(client, world.neighbour)
    url = f"/matters/{matter.id}/support"
    statuses = [client.post(url, data={"action": "support"}).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert count(Support) == 1


def test_support_on_a_closed_matter(world, client):
    matter = make_matter(world.resident)
    services.reject_matter(matter, by=world.staff, reason="属于物业维修责任")
    db.session.commit()
    login(client, world.neighbour)
    assert "This matter no longer takes supports." in text(client.get(f"/matters/{matter.id}"))
    response = client.post(
        f"/matters/{matter.id}/support", data={"action": "support"}, headers={"HX-Request": "true"}
    )
    assert "This matter no longer takes supports." in text(response)
    response = client.post(f"/matters/{matter.id}/support", data={"action": "support"})
    assert response.status_code == 303
    assert "This matter no longer takes supports." in text(client.get(response.headers["Location"]))
    assert count(Support) == 0


def test_forms_need_a_csrf_token(world, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = page_client(app)
    matter = make_matter(world.resident)
    login(client, world.neighbour)
    assert (
        client.post(f"/matters/{matter.id}/support", data={"action": "support"}).status_code == 400
    )
    assert client.post(f"/matters/{matter.id}/comments", data={"body": "好"}).status_code == 400
    assert count(Support) == 0 and count(Comment) == 0


# Comments ------------------------------------------------------------------------------------------
def test_comment_and_errors(world, client):
    matter = make_matter(world.resident)
    login(client, world.neighbour)
    response = client.post(f"/matters/{matter.id}/comments", data={"body": "支持，晚上太黑了"})
    assert response.status_code == 303 and "#c" in response.headers["Location"]
    assert "支持，晚上太黑了" in text(client.get(response.headers["Location"]))

    long = "长" * (services.MAX_COMMENT + 1)
    response = client.post(f"/matters/{matter.id}/comments", data={"body": long})
    page = text(response)
    assert response.status_code == 422
    assert "At most 2000 characters." in page and 'id="body-error"' in page and long in page
    assert client.post(f"/matters/{matter.id}/comments", data={"body": "   "}).status_code == 422
    assert count(Comment) == 1


def test_who_may_comment(world, client):
    matter = make_matter(world.resident)
    assert client.post(f"/matters/{matter.id}/comments", data={"body": "x"}).status_code == 302
    login(client, world.outsider)
    assert "Only residents of 桂花社区" in text(client.get(f"/matters/{matter.id}"))
    assert client.post(f"/matters/{matter.id}/comments", data={"body": "x"}).status_code == 403
    login(client, world.unverified)  # unverified residents may comment
    assert (
        client.post(f"/matters/{matter.id}/comments", data={"body": "我也同意"}).status_code == 303
    )
    assert count(Comment) == 1


def test_staff_hide_a_comment_with_a_public_reason(world, client):
    matter = make_matter(world.resident)
    other = make_matter(world.resident, title="另一个提议")
    comment = services.add_comment(matter, author=world.neighbour, body="电话13800001111找我")
    db.session.commit()
    url = f"/matters/{matter.id}/comments/{comment.id}/hide"

    login(client, world.resident)
    assert client.post(url, data={f"hide{comment.id}-reason": "x"}).status_code == 403
    login(client, world.staff)
    assert "Hide this comment" in text(client.get(f"/matters/{matter.id}"))
    response = client.post(url, data={f"hide{comment.id}-reason": " "})
    assert response.status_code == 422
    assert "Give the public reason for hiding this comment." in text(response)
    assert (
        client.post(
            f"/matters/{other.id}/comments/{comment.id}/hide",
            data={f"hide{comment.id}-reason": "x"},
        ).status_code
        == 404
    )
    assert client.post(f"/matters/{matter.id}/comments/99999/hide").status_code == 404

    response = client.post(url, data={f"hide{comment.id}-reason": "含有个人电话号码"})
    assert response.status_code == 303
    page = text(client.get(f"/matters/{matter.id}"))
    assert "Hidden by staff: 含有个人电话号码" in page and "13800001111" not in page
    db.session.refresh(comment)
    assert comment.hidden_by_id == world.staff.id and comment.body.startswith("电话")


# Withdrawal ------------------------------------------------------------------------------------------
def test_withdraw_with_a_confirmation_step(world, client):
    matter = make_matter(world.resident)
    login(client, world.resident)
    page = text(client.get(f"/matters/{matter.id}"))
    assert f'href="/matters/{matter.id}/withdraw"' in page
    confirm = client.get(f"/matters/{matter.id}/withdraw")
    assert confirm.status_code == 200 and "Yes, withdraw it" in text(confirm)
    # a POST without the confirmation only shows the confirmation page
    assert client.post(f"/matters/{matter.id}/withdraw").status_code == 200
    db.session.refresh(matter)
    assert matter.state == "submitted"
    response = client.post(
        f"/matters/{matter.id}/withdraw", data={"confirm": "yes", "reason": "已自行解决"}
    )
    assert response.status_code == 303
    db.session.refresh(matter)
    assert matter.state == "withdrawn"
    page = text(client.get(f"/matters/{matter.id}"))
    assert "Withdrawn by the proposer" in page and "已自行解决" in page


def test_withdraw_by_others_or_after_triage(world, client):
    matter = make_matter(world.resident)
    login(client, world.neighbour)
    assert client.get(f"/matters/{matter.id}/withdraw").status_code == 403
    assert client.post(f"/matters/{matter.id}/withdraw", data={"confirm": "yes"}).status_code == 403
    services.accept_matter(matter, by=world.staff)
    db.session.commit()
    login(client, world.resident)
    assert client.post(f"/matters/{matter.id}/withdraw", data={"confirm": "yes"}).status_code == 409
    db.session.refresh(matter)
    assert matter.state == "accepted"


# Triage ---------------------------------------------------------------------------------------------
def test_triage_panel_shows_routing(world, client):
    matter = make_matter(world.resident, cost_fen=5_000_000)  # 50,000 yuan → tier 2
    duplicate = make_matter(world.neighbour, title="楼道灯坏了")
    login(client, world.staff)
    page = text(client.get(f"/matters/{matter.id}"))
    assert 'id="triage"' in page
    assert "The estimated cost of ¥50,000.00 routes it to tier 2" in page
    assert '<option selected value="2">' in page and '<option value="1">' not in page
    assert f"#{duplicate.id} 楼道灯坏了" in page  # merge candidate
    login(client, world.resident)
    assert 'id="triage"' not in text(client.get(f"/matters/{matter.id}"))


def test_accept(world, client):
    matter = make_matter(world.resident, cost_fen=5_000_000)
    login(client, world.staff)
    url = f"/matters/{matter.id}/accept"
    for data, status, message in [
        ({"accept-tier": "3"}, 422, "Give a reason for raising the tier."),
        ({"accept-tier": "1"}, 422, "The tier cannot be lower than tier 2"),
        ({"accept-tier": "x"}, 422, "Choose a tier."),
        ({"accept-tier": "9", "accept-reason": "r"}, 422, "The tier must be 1, 2 or 3."),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == status and message in text(response), data
    response = client.post(url, data={"accept-tier": "3", "accept-reason": "   "})
    assert 'id="accept-reason-error"' in text(response)
    db.session.refresh(matter)
    assert matter.state == "submitted"

    response = client.post(url, data={"accept-tier": "3", "accept-reason": "涉及多个街道"})
    assert response.status_code == 303
    db.session.refresh(matter)
    assert (matter.state, matter.tier, matter.handling_region_id) == (
        "accepted",
        3,
        world.district.id,
    )
    # someone else accepts it again meanwhile: 409, nothing changes
    response = client.post(url, data={"accept-tier": "3", "accept-reason": "x"})
    assert response.status_code == 409 and "This matter has changed meanwhile" in text(response)
    assert len(matter.transitions) == 2


def test_reject(world, client):
    matter = make_matter(world.resident)
    login(client, world.street_officer)
    response = client.post(f"/matters/{matter.id}/reject", data={"reject-reason": ""})
    assert response.status_code == 422 and "Give the public reason for rejecting." in text(response)
    response = client.post(
        f"/matters/{matter.id}/reject", data={"reject-reason": "属于物业维修责任"}
    )
    assert response.status_code == 303
    page = text(client.get(f"/matters/{matter.id}"))
    assert "Not accepted" in page and "属于物业维修责任" in page


def test_merge(world, client):
    target = make_matter(world.resident, title="东门路灯维修")
    duplicate = make_matter(world.neighbour, title="东门路灯坏了")
    elsewhere = make_matter(world.outsider, title="紫荆路灯")
    services.support(duplicate, world.representative)
    db.session.commit()
    login(client, world.staff)
    url = f"/matters/{duplicate.id}/merge"
    for into, message in [
        ("abc", "Give a matter number such as 42 or #42."),
        ("99999", "There is no matter #99999."),
        ("#99999999999999999999", "Give a matter number such as 42 or #42."),
        (str(duplicate.id), "A matter cannot be merged into itself."),
        (str(elsewhere.id), "Only matters of the same community can be merged."),
    ]:
        response = client.post(url, data={"merge-into": into})
        assert response.status_code == 422 and message in text(response), into
        assert f'value="{into}"' in text(response)
    response = client.post(url, data={"merge-into": f"#{target.id}", "merge-reason": "重复"})
    assert response.status_code == 303
    db.session.refresh(target)
    db.session.refresh(duplicate)
    assert duplicate.state == "merged" and duplicate.merged_into_id == target.id
    assert target.support_count == 1


def test_raise_tier(world, client):
    matter = make_matter(world.resident)
    services.accept_matter(matter, by=world.staff)
    db.session.commit()
    login(client, world.staff)
    page = text(client.get(f"/matters/{matter.id}"))
    assert 'id="raise"' in page and 'id="triage"' not in page
    url = f"/matters/{matter.id}/raise-tier"
    response = client.post(url, data={"raise-tier": "2"})
    assert response.status_code == 422 and "Give a reason for raising the tier." in text(response)
    response = client.post(url, data={"raise-tier": "1", "raise-reason": "x"})
    assert response.status_code == 422 and "higher than the current one" in text(response)
    response = client.post(url, data={"raise-tier": "2", "raise-reason": "需要街道协调"})
    assert response.status_code == 303
    db.session.refresh(matter)
    assert matter.tier == 2 and matter.handling_region_id == world.street_a.id
    assert "Tier 1 → tier 2" in text(client.get(f"/matters/{matter.id}"))


@pytest.mark.parametrize("who", ["resident", "staff_a2", "street_b_officer", "supervisor", "admin"])
def test_triage_out_of_scope_is_forbidden(world, client, who):
    matter = make_matter(world.resident)
    login(client, getattr(world, who))
    assert client.post(f"/matters/{matter.id}/accept", data={"accept-tier": "1"}).status_code == 403
    assert (
        client.post(f"/matters/{matter.id}/reject", data={"reject-reason": "x"}).status_code == 403
    )
    assert client.post(f"/matters/{matter.id}/merge", data={"merge-into": "1"}).status_code == 403
    db.session.refresh(matter)
    assert matter.state == "submitted"


def test_triage_needs_login(world, client):
    matter = make_matter(world.resident)
    assert client.post(f"/matters/{matter.id}/accept").status_code == 302


# Photos ------------------------------------------------------------------------------------------
def test_photo_names_are_checked(world, client):
    for name in (
        "nope.png",
        "0" * 32 + ".png",
        "..%2F..%2Fetc%2Fpasswd",
        "..",
        "x.html",
        "0" * 32 + ".html",
        "%00.png",
    ):
        assert client.get(f"/matters/photos/{name}").status_code == 404, name


def test_a_photo_missing_on_disk_is_404(world, client):
    matter = make_matter(world.resident)
    db.session.add(
        MatterPhoto(
            matter_id=matter.id, stored_name="a" * 32 + ".jpg", content_type="image/jpeg", size=1
        )
    )
    db.session.commit()
    assert client.get("/matters/photos/" + "a" * 32 + ".jpg").status_code == 404


def test_pages_escape_what_people_type(world, client):
    matter = make_matter(
        world.resident,
        title="<script>alert(1)</script>",
        description="<img src=x onerror=alert(1)>",
    )
    make_user(world.community_a1, name="<b>坏人</b>")
    page = text(client.get(f"/matters/{matter.id}"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
