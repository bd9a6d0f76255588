"""Public reads: regions, the matter list (filters, search, pages), a matter, similar ones."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from consult.extensions import db
from consult.matters import services
from tests.api.conftest import error_of
from tests.factories import make_assisted_matter, make_matter


# Regions ----------------------------------------------------------------------------------------
def test_regions_flat_in_tree_order(api, world):
    response = api.get("/regions")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert len(items) == 7
    seen: set[int] = set()
    for region in items:  # every parent comes before its children
        assert region["parent_id"] is None or region["parent_id"] in seen
        seen.add(region["id"])
    village = next(r for r in items if r["id"] == world.village_b1.id)
    assert village == {
        "id": world.village_b1.id,
        "parent_id": world.street_b.id,
        "kind": "community",
        "name": "清泉村",
        "is_village": True,
    }


def test_region_detail_and_404(api, world):
    response = api.get(f"/regions/{world.community_a1.id}")
    assert response.status_code == 200 and response.get_json()["name"] == "桂花社区"
    for missing in (999999, 2**40):
        response = api.get(f"/regions/{missing}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


# The matter list ------------------------------------------------------------------------------
@pytest.fixture
def listed(world):
    """A handful of matters across communities, categories, states and tiers."""
    lamp = make_matter(world.resident, title="楼道灯坏了", description="三号楼楼道灯不亮")
    lift = make_matter(
        world.neighbour,
        title="加装电梯",
        description="老人上下楼困难",
        category="elevator",
        cost_fen=50_000_000,
    )
    bench = make_matter(
        world.outsider, title="增设休息座椅", description="公园缺少座椅", category="seating_shade"
    )
    dustbin = make_matter(
        world.resident, title="垃圾桶太少", description="楼下垃圾桶经常满", category="sanitation"
    )
    services.accept_matter(lift, by=world.staff)  # 500,000 yuan → tier 3
    services.reject_matter(dustbin, by=world.staff, reason="已由物业处理")
    db.session.commit()
    return {"lamp": lamp, "lift": lift, "bench": bench, "dustbin": dustbin}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [m["id"] for m in response.get_json()["items"]]


def test_list_newest_first_with_totals(api, listed):
    response = api.get("/matters")
    body = response.get_json()
    assert body["total"] == 4 and body["page"] == 1 and body["per_page"] == 20
    assert _ids(response) == sorted((m.id for m in listed.values()), reverse=True)
    first = body["items"][0]
    assert first["community_name"] and first["category_label"]


def test_list_filters(api, world, listed):
    assert set(_ids(api.get(f"/matters?community_id={world.community_a2.id}"))) == {
        listed["bench"].id
    }
    assert _ids(api.get("/matters?category=elevator")) == [listed["lift"].id]
    assert _ids(api.get("/matters?state=rejected")) == [listed["dustbin"].id]
    assert _ids(api.get("/matters?tier=3")) == [listed["lift"].id]
    assert _ids(api.get("/matters?tier=1")) == []
    both = api.get(f"/matters?community_id={world.community_a1.id}&state=submitted")
    assert _ids(both) == [listed["lamp"].id]


def test_search_needs_every_word(api, listed):
    assert _ids(api.get("/matters?q=楼道灯")) == [listed["lamp"].id]
    assert _ids(api.get("/matters?q=楼道 电梯")) == []
    assert _ids(api.get("/matters?q=老人 电梯")) == [listed["lift"].id]
    assert len(_ids(api.get("/matters?q=的"))) == 4  # only a stop word: no constraint


def test_pages(api, listed):
    first = api.get("/matters?per_page=3").get_json()
    second = api.get("/matters?per_page=3&page=2").get_json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (4, 3, 1)
    assert not {m["id"] for m in first["items"]} & {m["id"] for m in second["items"]}
    assert api.get("/matters?page=99").get_json()["items"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1e3", "page"),
        ("page=99999999999999999999999", "page"),
        ("per_page=101", "per_page"),
        ("tier=4", "tier"),
        ("tier=one", "tier"),
        ("state=lost", "state"),
        ("category=ufo", "category"),
        ("community_id=-3", "community_id"),
        ("community_id=%EF%BC%91", "community_id"),  # a full-width digit
        ("q=%00", "q"),
        ("q=" + "长" * 201, "q"),
    ],
)
def test_bad_parameters_are_400(api, world, query, field):
    response = api.get(f"/matters?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_parameter"
    assert error["message"] == "Some query parameters are not valid."
    assert list(error["fields"]) == [field]


# One matter ------------------------------------------------------------------------------------
def test_matter_detail_has_the_public_timeline_masked(api, world, listed):
    lift = listed["lift"]
    response = api.get(f"/matters/{lift.id}")
    body = response.get_json()
    assert body["title"] == "加装电梯" and body["state"] == "accepted" and body["tier"] == 3
    assert body["estimated_cost_fen"] == 50_000_000 and body["estimated_cost"] == "500000.00"
    assert body["proposer"] == "王*国" and body["entered_by"] is None
    assert [(t["action"], t["to_state"], t["actor"]) for t in body["timeline"]] == [
        ("submit", "submitted", "王*国"),
        ("accept", "accepted", "周*敏"),
    ]
    assert body["timeline"][1]["details"] == {"tier": 3, "routed_tier": 3}
    assert body["handling_region_id"] == world.district.id


def test_matter_detail_shows_photos_by_url(api, world):
    import io

    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(data, "PNG")
    matter = services.submit_matter(
        author=world.resident,
        community=world.community_a1,
        title="破损的路面",
        description="路面有坑",
        category="roads_drainage",
        photos=[services.PhotoUpload("a.png", data.getvalue())],
    )
    db.session.commit()
    [photo] = api.get(f"/matters/{matter.id}").get_json()["photos"]
    assert photo["url"] == f"/matters/photos/{matter.photos[0].stored_name}"
    assert (photo["width"], photo["height"], photo["content_type"]) == (4, 3, "image/png")


def test_unknown_matter_is_404(api, world):
    for missing in (424242, 2**31, 10**30):
        response = api.get(f"/matters/{missing}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


# Similar proposals -----------------------------------------------------------------------------
def test_similar(api, world, listed):
    response = api.get(f"/matters/similar?community_id={world.community_a1.id}&title=楼道的灯不亮")
    assert _ids(response) == [listed["lamp"].id]
    # other communities and closed matters are left out
    other = api.get(f"/matters/similar?community_id={world.community_a2.id}&title=楼道灯不亮")
    assert _ids(other) == []
    excluded = api.get(
        f"/matters/similar?community_id={world.community_a1.id}&title=楼道灯&exclude_id={listed['lamp'].id}"
    )
    assert _ids(excluded) == []


@pytest.mark.parametrize(
    "query",
    ["", "community_id=1", "title=楼道", "community_id=x&title=楼道", "community_id=1&title="],
)
def test_similar_bad_parameters(api, world, query):
    response = api.get(f"/matters/similar?{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_parameter"


# Bounded queries -------------------------------------------------------------------------------
class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def _queries(api, path) -> int:
    with QueryCounter(db.engine) as counter:
        assert api.get(path).status_code == 200
    return counter.count


def test_list_and_detail_issue_a_bounded_number_of_queries(api, world):
    for i in range(3):
        make_matter(world.resident, title=f"楼道灯{i}")
    small_list = _queries(api, "/matters?q=楼道灯")
    first = make_matter(world.resident, title="楼道灯坏了")
    small_detail = _queries(api, f"/matters/{first.id}")
    for i in range(30):
        m = make_matter(
            world.outsider if i % 2 else world.resident, title=f"楼道灯{i}", commit=False
        )
        services.support(m, world.neighbour) if m.community_id == world.community_a1.id else None
    services.accept_matter(first, by=world.staff, tier=2, reason="涉及整栋楼")
    services.raise_tier(first, by=world.staff, tier=3, reason="需要区里协调")
    db.session.commit()
    assert _queries(api, "/matters?q=楼道灯") == small_list <= 4
    assert _queries(api, f"/matters/{first.id}") == small_detail <= 5


# No personal data in public output -------------------------------------------------------------
def test_no_full_phone_or_name_of_anyone_in_public_output(api, world, listed):
    assisted = make_assisted_matter(world, commit=False)
    services.merge_matter(listed["lamp"], into=assisted, by=world.staff, reason="重复")
    db.session.commit()

    paths = ["/regions", "/matters", "/matters?per_page=100", "/openapi.json"]
    paths += [f"/regions/{r.id}" for r in (world.district, world.community_a1)]
    paths += [f"/matters/{m.id}" for m in (*listed.values(), assisted)]
    paths += [f"/matters/similar?community_id={world.community_a1.id}&title=楼道灯扶手"]
    text = ""
    for path in paths:
        response = api.get(path)
        assert response.status_code == 200
        text += json.dumps(response.get_json(), ensure_ascii=False)

    phones = [u.phone for u in world.users.values()] + ["13912345678"]
    names = [u.name for u in world.users.values()] + ["钱大妈"]
    assert not [p for p in phones if p in text]
    assert not [n for n in names if n in text]
    detail = api.get(f"/matters/{assisted.id}").get_json()
    assert (detail["proposer"], detail["entered_by"]) == ("钱*妈", "刘*华")
