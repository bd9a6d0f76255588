"""Every route, as every role, with real ids and absurd ones: never a 500.

Walks ``app.url_map`` so a new route is crawled without anyone remembering to add it. GETs run
as the public and as each role of the world fixture; POSTs (CSRF off here; the CSRF tests are in
tests/core/test_security.py) run with an empty body, which every form must refuse with a 4xx or
treat as a no-op.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from consult.extensions import db
from consult.matters import services
from consult.matters.services import PhotoUpload
from tests.clients import fresh_client
from tests.factories import login, make_matter

ROLES = [None, "resident", "unverified", "outsider", "representative", "staff", "staff_a2",
         "street_officer", "district_officer", "expert", "supervisor", "admin"]
ABSURD = ["0", "2147483648", "99999999999999999999"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def crawl(world, app):
    submitted = services.submit_matter(
        author=world.resident, community=world.community_a1, title="楼道灯不亮",
        description="晚上很黑", category="stairwell_lighting", estimated_cost_fen=500_000,
        photos=[PhotoUpload("a.png", _png())],
    )
    accepted = make_matter(world.neighbour, title="加装扶手", category="ageing_friendly")
    services.accept_matter(accepted, by=world.staff)
    comment = services.add_comment(submitted, author=world.neighbour, body="支持！")
    db.session.commit()
    values = {
        "matter_id": str(submitted.id),
        "comment_id": str(comment.id),
        "user_id": str(world.unverified.id),
        "region_id": str(world.community_a1.id),
        "district_id": str(world.district.id),
        "day_id": "1",
        "assignment_id": str(world.staff.roles[0].id),
        "stored_name": submitted.photos[0].stored_name,
        "code": "en",
        "size": "large",
    }
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    return world, values, rules


def _url(rule, values, override=None) -> str | None:
    url = rule.rule
    for arg in rule.arguments:
        value = override if override is not None else values.get(arg)
        if value is None:
            return None
        url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", value, url)
    return url


def test_every_get_route_as_every_role_never_500(app, crawl):
    world, values, rules = crawl
    gets = [r for r in rules if "GET" in r.methods]
    assert len(gets) > 15
    for role in ROLES:
        client = fresh_client(app)
        if role:
            login(client, getattr(world, role))
        for rule in gets:
            url = _url(rule, values)
            assert url, f"no sample value for {rule.rule}"
            response = client.get(url)
            assert response.status_code < 500, (role, url, response.status_code)


def test_absurd_ids_are_4xx(app, crawl):
    world, values, rules = crawl
    for role in (None, "staff", "admin"):
        client = fresh_client(app)
        if role:
            login(client, getattr(world, role))
        for rule in rules:
            if not any(a.endswith("_id") for a in rule.arguments):
                continue
            for absurd in ABSURD:
                url = _url(rule, values, override=absurd)
                for method in sorted(rule.methods & {"GET", "POST", "DELETE"}):
                    response = client.open(url, method=method)
                    assert response.status_code < 500, (role, method, url, response.status_code)
                    if method == "GET" and "int:" in rule.rule:
                        assert response.status_code in (301, 302, 400, 401, 403, 404), (url, response.status_code)


def test_every_post_route_with_an_empty_body_never_500(app, crawl):
    world, values, rules = crawl
    posts = [r for r in rules if r.methods & {"POST", "DELETE"} and not r.rule.endswith("/logout")]
    for role in ROLES:
        client = fresh_client(app)
        if role:
            login(client, getattr(world, role))
        for rule in posts:
            url = _url(rule, values)
            for method in sorted(rule.methods & {"POST", "DELETE"}):
                response = client.open(url, method=method, data={})
                assert response.status_code < 500, (role, method, url, response.status_code)
