"""The list and detail pages issue at most 10 SQL statements whatever the data size.

Each page is counted with 50 and then with 5,000 matters (bulk-inserted, with supports,
transitions and comments), for the public, a resident and staff (whose detail page has the
triage panel); the count must stay the same and at most 10.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from consult.core.timeutil import utcnow
from consult.extensions import db
from consult.matters import services
from consult.matters.models import Comment, Matter, MatterPhoto, Support, Transition
from consult.matters.search import index_text
from tests.factories import login, make_matter, make_user
from tests.matters.conftest import count_queries

MAX_QUERIES = 10

TEMPLATES = [
    ("楼道灯坏了", "三号楼楼道灯不亮，晚上很危险", "stairwell_lighting"),
    ("加装电梯", "老楼没有电梯，老人上下楼困难", "elevator"),
    ("停车位不够", "晚上车停满了消防通道", "parking"),
    ("小花园绿化", "花坛荒废，希望补种花草", "greening"),
]


def bulk_matters(world, users, start: int, n: int) -> None:
    """Insert ``n`` matters with transitions, supports and comments, as `flask seed` would."""
    now = utcnow()
    indexed = [(t, d, c, index_text(t, d)) for t, d, c in TEMPLATES]
    communities = [world.community_a1, world.community_a2, world.village_b1]
    rows = []
    for i in range(start, start + n):
        title, description, category, search_text = indexed[i % len(indexed)]
        community = communities[i % len(communities)]
        state = ("submitted", "accepted", "rejected")[i % 3]
        supports = i % 13
        rows.append(
            {
                "title": f"{title}（{i}）",
                "description": description,
                "category": category,
                "community_id": community.id,
                "location": "",
                "estimated_cost_fen": (i % 50) * 100_000,
                "state": state,
                "tier": 1 if state == "accepted" else None,
                "handling_region_id": community.id if state == "accepted" else None,
                "author_id": users[i % len(users)].id,
                "assisted": False,
                "on_behalf_name": "",
                "on_behalf_phone": "",
                "support_count": supports,
                "comment_count": 1 if i % 5 == 0 else 0,
                "search_text": search_text,
                "threshold_reached_at": now if supports >= 10 else None,
                "created_at": now - timedelta(minutes=i + 10),
                "updated_at": now,
            }
        )
    db.session.execute(insert(Matter), rows)
    ids = db.session.scalars(
        select(Matter.id).where(Matter.title.like("%（%）")).order_by(Matter.id).offset(start)
    ).all()
    db.session.execute(
        insert(Transition),
        [
            {
                "matter_id": mid,
                "at": now,
                "actor_id": users[0].id,
                "action": "submit",
                "from_state": None,
                "to_state": "submitted",
                "reason": "",
                "data": {},
            }
            for mid in ids
        ],
    )
    db.session.execute(
        insert(Support),
        [
            {"matter_id": mid, "user_id": users[k].id, "created_at": now}
            for j, mid in enumerate(ids)
            for k in range(j % 4)
        ],
    )
    db.session.execute(
        insert(Comment),
        [
            {
                "matter_id": mid,
                "author_id": users[j % len(users)].id,
                "body": "同意",
                "created_at": now,
                "hidden_reason": "",
            }
            for j, mid in enumerate(ids)
            if j % 5 == 0
        ],
    )
    db.session.commit()


def busy_matter(world, users, *, accepted: bool) -> Matter:
    """A matter with many comments (more than a page), supports, photos and transitions."""
    matter = make_matter(world.resident, title="楼道灯坏了需要更换")
    for user in users[:8]:
        services.support(matter, user)
    for i in range(70):
        comment = services.add_comment(matter, author=users[i % len(users)], body=f"第{i}条意见")
        if i % 10 == 0:
            db.session.flush()
            services.hide_comment(comment, by=world.staff, reason="与主题无关")
    for k in range(3):
        db.session.add(
            MatterPhoto(
                matter_id=matter.id,
                stored_name=f"{matter.id:016x}{k:016x}.png",
                content_type="image/png",
                size=10,
                width=4,
                height=3,
            )
        )
    if accepted:
        services.accept_matter(matter, by=world.staff)
        services.raise_tier(matter, by=world.staff, tier=2, reason="涉及多个小区")
    db.session.commit()
    return matter


@pytest.mark.parametrize("viewer", [None, "neighbour", "staff"])
def test_pages_issue_a_bounded_number_of_queries(world, client, viewer):
    users = [make_user(world.community_a1, name=f"居民{i}") for i in range(10)]
    accepted = busy_matter(world, users, accepted=True)
    submitted = busy_matter(world, users, accepted=False)
    if viewer:
        login(client, getattr(world, viewer))
    pages = {
        "first page": "/matters",
        "filtered": f"/matters?community={world.community_a1.id}&state=submitted&category=stairwell_lighting&tier=",
        "search": "/matters?q=楼道灯",
        "flagged, most supported, page 2": "/matters?flagged=1&sort=support&page=2",
        "mine": "/matters?mine=1",
        "detail (accepted)": f"/matters/{accepted.id}",
        "detail (submitted, comments page 2)": f"/matters/{submitted.id}?cpage=2",
    }

    def measure() -> dict[str, int]:
        counts = {}
        for name, url in pages.items():
            with count_queries() as statements:
                response = client.get(url)
            assert response.status_code == 200, url
            counts[name] = len(statements)
        return counts

    bulk_matters(world, users, 0, 50)
    small = measure()
    bulk_matters(world, users, 50, 4950)
    assert db.session.scalar(select(db.func.count()).select_from(Matter)) == 5002
    large = measure()

    assert large == small, "the number of queries grows with the data"
    assert max(large.values()) <= MAX_QUERIES, large
