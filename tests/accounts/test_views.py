"""Account pages through the test client: registration, login and lock-out, logout, idle
sessions, the profile and verification codes, the staff area and administration."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consult.accounts import services
from consult.accounts.models import Role, RoleAssignment, User, VerificationCode
from consult.core.audit import AuditEntry
from consult.core.timeutil import SHANGHAI, utcnow
from consult.extensions import db
from consult.regions.models import Region
from tests.clients import fresh_client
from tests.factories import PASSWORD, login, make_user

NEW_PASSWORD = "a quiet street at dusk"


@pytest.fixture
def web(app):
    """A test client in English, each request in its own app context (see tests/accounts/clients.py)."""
    return fresh_client(app)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _field_error(html: str, field_id: str) -> str:
    """The error text rendered next to a field, or ''."""
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def _registration(world, **overrides) -> dict:
    data = {
        "name": "钱新民",
        "phone": "139 1234 5678",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "community_id": str(world.community_a1.id),
        "building_id": str(world.building_a1.id),
        "unit": "2单元301",
        "consent": "y",
    }
    data.update(overrides)
    return data


def _user(phone: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.phone == phone))


def _logged_in_id(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("_user_id")


# Registration --------------------------------------------------------------------------------
def test_register_page_lists_communities_grouped_by_street(web, world):
    html = _html(web.get("/register"))
    assert '<optgroup label="东湖街道">' in html and '<optgroup label="西山镇">' in html
    assert "桂花社区" in html and "清泉村" in html
    assert 'href="/privacy"' in html
    assert 'hx-get="/register/buildings"' in html


def test_register_creates_an_unverified_account_and_logs_in(web, world):
    response = web.post("/register", data=_registration(world))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me")
    user = _user("13912345678")
    assert user is not None and not user.is_verified
    assert user.name == "钱新民" and user.community_id == world.community_a1.id
    assert user.building_id == world.building_a1.id and user.unit == "2单元301"
    assert user.password_hash.startswith("$argon2")
    assert _logged_in_id(web) == user.get_id()
    page = _html(web.get("/me"))
    assert "13912345678" in page and "Not yet verified" in page


def test_register_without_building_is_fine(web, world):
    response = web.post("/register", data=_registration(world, building_id=""))
    assert response.status_code == 302
    assert _user("13912345678").building_id is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "11-digit"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10"),
        ({"password": "1234567890", "confirm": "1234567890"}, "password", "too easy"),
        ({"confirm": "something else entirely"}, "confirm", "not the same"),
        ({"community_id": ""}, "community_id", "Choose your community"),
        ({"community_id": "999999"}, "community_id", "from the list"),
        ({"community_id": "abc"}, "community_id", "from the list"),
        ({"consent": ""}, "consent", "privacy notice"),
        ({"name": ""}, "name", "Enter your name"),
        ({"name": "   "}, "name", "Enter your name"),  # blanks are no name either
        ({"name": "名" * 41}, "name", ""),
    ],
)
def test_register_rejects_bad_input_next_to_the_field(web, world, overrides, field, message):
    response = web.post("/register", data=_registration(world, **overrides))
    assert response.status_code == 400
    error = _field_error(_html(response), field)
    assert error and message in error
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.name == "钱新民")) == 0
    )


def test_register_duplicate_phone(web, world):
    data = _registration(world, phone=world.resident.phone)
    response = web.post("/register", data=data)
    assert response.status_code == 400
    assert "already exists" in _field_error(_html(response), "phone")
    assert _logged_in_id(web) is None


def test_register_building_of_another_community(web, world):
    data = _registration(world, community_id=str(world.community_a2.id))
    response = web.post("/register", data=data)
    assert response.status_code == 400
    assert "not in the chosen community" in _field_error(_html(response), "building_id")
    assert _user("13912345678") is None


def test_register_keeps_the_input_on_error(web, world):
    response = web.post("/register", data=_registration(world, password="short", confirm="short"))
    html = _html(response)
    assert 'value="钱新民"' in html
    assert 'value="139 1234 5678"' in html
    assert 'value="2单元301"' in html
    assert f'selected value="{world.community_a1.id}"' in html
    assert f'selected value="{world.building_a1.id}"' in html
    assert re.search(
        r'<input[^>]*checked[^>]*name="consent"|<input[^>]*name="consent"[^>]*checked', html
    )
    assert NEW_PASSWORD not in html and "short" not in re.findall(r'value="([^"]*)"', html)


def test_building_options_narrow_to_one_community(web, world):
    html = _html(web.get(f"/register/buildings?community_id={world.community_a1.id}"))
    assert "3号楼" in html
    html = _html(web.get(f"/register/buildings?community_id={world.community_a2.id}"))
    assert "3号楼" not in html and 'value=""' in html
    assert web.get("/register/buildings?community_id=x").status_code == 200


# Login, lock-out, logout, idle sessions --------------------------------------------------------
def _login(client, phone: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"phone": phone, "password": password, **extra})


def test_login_ok_follows_only_safe_next(web, world):
    response = _login(web, world.resident.phone, next="/me")
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert _logged_in_id(web) == world.resident.get_id()
    web.post("/logout")
    response = _login(web, world.resident.phone, next="https://evil.example/")
    assert response.headers["Location"] == "/"
    web.post("/logout")
    response = _login(web, world.resident.phone, next="//evil.example/x")
    assert response.headers["Location"] == "/"


def test_login_form_carries_next(web, world):
    html = _html(web.get("/login?next=/me"))
    assert 'name="next" type="hidden" value="/me"' in html


def test_login_starts_a_fresh_session(web, world):
    with web.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    _login(web, world.resident.phone)
    with web.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == world.resident.get_id()


def test_login_wrong_password(web, world):
    response = _login(web, world.resident.phone, "wrong password here")
    assert response.status_code == 400
    assert "wrong" in _field_error(_html(response), "password")
    assert _logged_in_id(web) is None
    assert f'value="{world.resident.phone}"' in _html(response)


def test_login_unknown_phone_looks_the_same(web, world):
    response = _login(web, "13999999999", "wrong password here")
    assert response.status_code == 400
    assert "wrong" in _field_error(_html(response), "password")


def test_lock_out_after_five_failures_then_unlocked(web, world, monkeypatch):
    phone = world.resident.phone
    for _attempt in range(4):
        assert _login(web, phone, "wrong password here").status_code == 400
    response = _login(web, phone, "wrong password here")
    assert response.status_code == 429
    html = _html(response)
    assert "locked until" in _field_error(html, "phone") and "Beijing time" in html
    locked_until = _user(phone).locked_until
    assert locked_until.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") in html
    assert int(response.headers["Retry-After"]) > 14 * 60
    # Even the right password is refused while locked.
    response = _login(web, phone)
    assert response.status_code == 429
    assert _logged_in_id(web) is None
    # After the lock time the right password works again.
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    response = _login(web, phone)
    assert response.status_code == 302
    assert _logged_in_id(web) == world.resident.get_id()
    results = db.session.scalars(
        select(AuditEntry.result).where(
            AuditEntry.action == "login", AuditEntry.actor_id == world.resident.id
        )
    ).all()
    assert results.count("bad_password") == 4 and "locked_now" in results and "locked" in results


def test_inactive_account_cannot_log_in(web, world):
    world.resident.is_active = False
    db.session.commit()
    assert _login(web, world.resident.phone).status_code == 400
    assert _logged_in_id(web) is None


def test_logout_voids_the_old_cookie(web, world):
    _login(web, world.resident.phone)
    assert web.get("/me").status_code == 200
    old_cookie = web.get_cookie("consult_session").value
    response = web.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert web.get("/me").status_code == 302
    # Replaying the cookie from before the logout does not bring the session back.
    web.set_cookie("consult_session", old_cookie)
    response = web.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_needs_post(web, world):
    login(web, world.resident)
    assert web.get("/logout").status_code == 405


def test_idle_session_ends_after_30_minutes(web, world):
    login(web, world.resident)
    with web.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 29 * 60
    assert web.get("/me").status_code == 200
    with web.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 31 * 60
    response = web.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _logged_in_id(web) is None


def test_idle_logout_message_on_pages(web, world):
    login(web, world.resident)
    with web.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 31 * 60
    assert "30 minutes without activity" in _html(web.get("/login"))


# Profile and codes ---------------------------------------------------------------------------
def test_profile_shows_own_data(web, world):
    login(web, world.staff)
    html = _html(web.get("/me"))
    assert world.staff.name in html and world.staff.phone in html
    assert "桂花社区" in html and "Community staff" in html
    assert "/matters?mine=1" in html
    assert 'name="code"' not in html  # already verified


def test_profile_needs_login(web, world):
    response = web.get("/me")
    assert response.status_code == 302 and "/login?next=/me" in response.headers["Location"]


def _issue(client, community: Region, count: int = 3, **extra):
    return client.post(
        "/staff/codes",
        data={"community_id": str(community.id), "count": str(count), "valid_days": "30", **extra},
    )


def _codes_in(html: str) -> list[str]:
    return re.findall(r'<p class="code">([A-Z0-9]{4}-[A-Z0-9]{4})</p>', html)


def test_staff_issue_codes_printable_sheet(web, world):
    login(web, world.staff)
    form = _html(web.get("/staff/codes"))
    assert "桂花社区" in form and "紫荆社区" not in form  # only communities in scope
    response = _issue(web, world.community_a1, 3, building_id=str(world.building_a1.id))
    assert response.status_code == 200
    html = _html(response)
    codes = _codes_in(html)
    assert len(codes) == 3 and len(set(codes)) == 3
    assert html.count('class="code-slip"') == 3
    assert "桂花社区 · 3号楼" in html and "My account" in html
    expiry = (utcnow() + timedelta(days=30)).astimezone().date()
    assert re.search(r"Valid until \d{4}-\d{2}-\d{2}", html) and str(expiry.year) in html
    assert response.headers["Cache-Control"] == "no-store"
    rows = db.session.scalars(select(VerificationCode)).all()
    assert len(rows) == 3 and all(r.building_id == world.building_a1.id for r in rows)
    # Only hashes are stored.
    assert not any(code.replace("-", "") in r.code_hash for r in rows for code in codes)


def test_staff_cannot_issue_codes_outside_scope(web, world):
    login(web, world.staff_a2)
    response = _issue(web, world.community_a1)
    assert response.status_code == 400
    assert "from the list" in _field_error(_html(response), "community_id")
    assert db.session.scalar(select(func.count()).select_from(VerificationCode)) == 0


@pytest.mark.parametrize("count", ["0", "201", "x", ""])
def test_issue_codes_count_is_bounded(web, world, count):
    login(web, world.staff)
    response = _issue(web, world.community_a1, count)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert _field_error(_html(response), "count")
    assert db.session.scalar(select(func.count()).select_from(VerificationCode)) == 0


def test_issue_codes_building_must_be_in_the_community(web, world):
    login(web, world.street_officer)
    response = _issue(web, world.community_a2, building_id=str(world.building_a1.id))
    assert response.status_code == 400
    assert "not in the chosen community" in _field_error(_html(response), "building_id")


def test_residents_cannot_open_the_codes_page(web, world):
    login(web, world.resident)
    assert web.get("/staff/codes").status_code == 403
    assert _issue(web, world.community_a1).status_code == 403


def _redeem(client, code: str):
    return client.post("/me/code", data={"code": code})


def test_redeem_code(web, world):
    login(web, world.staff)
    code = _codes_in(
        _html(_issue(web, world.community_a1, 2, building_id=str(world.building_a1.id)))
    )[0]
    login(web, world.unverified)
    assert 'name="code"' in _html(web.get("/me"))
    response = _redeem(web, code.lower())  # case and dash do not matter
    assert response.status_code == 302
    person = db.session.get(User, world.unverified.id)
    db.session.refresh(person)
    assert person.is_verified and person.verified_via == "code"
    assert person.building_id == world.building_a1.id
    assert "Verified" in _html(web.get("/me"))


def test_redeem_code_of_another_community(web, world):
    login(web, world.staff_a2)
    code = _codes_in(_html(_issue(web, world.community_a2, 1)))[0]
    login(web, world.unverified)
    response = _redeem(web, code)
    assert response.status_code == 400
    assert "another community" in _field_error(_html(response), "code")
    assert not db.session.get(User, world.unverified.id).is_verified
    # The failed attempt is audited.
    assert (
        db.session.scalar(
            select(AuditEntry.result).where(AuditEntry.action == "account.redeem_code")
        )
        == "other_community"
    )


def test_redeem_code_twice(web, world):
    login(web, world.staff)
    code = _codes_in(_html(_issue(web, world.community_a1, 1)))[0]
    other = make_user(world.community_a1, name="冯一", verified=False)
    login(web, world.unverified)
    assert _redeem(web, code).status_code == 302
    login(web, other)
    response = _redeem(web, code)
    assert response.status_code == 400
    assert "not valid" in _field_error(_html(response), "code")


def test_redeem_expired_code(web, world):
    login(web, world.staff)
    code = _codes_in(_html(_issue(web, world.community_a1, 1)))[0]
    db.session.execute(update(VerificationCode).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    login(web, world.unverified)
    response = _redeem(web, code)
    assert response.status_code == 400
    assert "not valid" in _field_error(_html(response), "code")


@pytest.mark.parametrize("code", ["", "nonsense", "ABCD-EFGH"])
def test_redeem_bad_code(web, world, code):
    login(web, world.unverified)
    response = _redeem(web, code)
    assert response.status_code == 400
    assert _field_error(_html(response), "code")


# Staff area ----------------------------------------------------------------------------------
def test_staff_sees_pending_residents_in_scope(web, world):
    pending_a2 = make_user(world.community_a2, name="褚二", verified=False)
    login(web, world.staff)
    html = _html(web.get("/staff"))
    assert world.unverified.name in html and world.unverified.phone in html
    assert pending_a2.name not in html and pending_a2.phone not in html
    assert world.resident.name not in html  # verified: not waiting
    assert "/matters?state=submitted" in html
    login(web, world.street_officer)
    html = _html(web.get("/staff"))
    assert world.unverified.name in html and pending_a2.name in html


def test_staff_search_by_name_and_phone(web, world):
    login(web, world.staff)
    html = _html(web.get("/staff", query_string={"q": world.resident.phone[-6:], "show": "all"}))
    assert world.resident.name in html and world.neighbour.name not in html
    html = _html(web.get("/staff", query_string={"q": "王建", "show": "all"}))
    assert world.neighbour.name in html and world.resident.name not in html
    html = _html(web.get("/staff", query_string={"q": "%", "show": "all"}))
    assert "Nobody found" in html
    assert web.get("/staff", query_string={"show": "bogus", "page": "-3"}).status_code == 200


def test_staff_list_is_paginated(web, world, app):
    for i in range(app.config["PAGE_SIZE"] + 3):
        make_user(world.community_a1, name=f"待核{i:02d}", verified=False)
    login(web, world.staff)
    first = _html(web.get("/staff"))
    assert 'rel="next"' in first and "待核00" in first
    second = _html(web.get("/staff?page=2"))
    assert "待核00" not in second and f"待核{app.config['PAGE_SIZE'] + 2:02d}" in second


def test_staff_verifies_resident_in_scope(web, world):
    login(web, world.staff)
    response = web.post(
        f"/staff/residents/{world.unverified.id}/verify", data={"next": "/staff?show=all"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff?show=all"
    person = db.session.get(User, world.unverified.id)
    db.session.refresh(person)
    assert (
        person.is_verified
        and person.verified_by_id == world.staff.id
        and person.verified_via == "staff"
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.verify"))
    assert entry.actor_id == world.staff.id and entry.object_id == person.id
    # A second click does no harm.
    assert web.post(f"/staff/residents/{person.id}/verify").status_code == 302


def test_staff_cannot_verify_outside_scope(web, world):
    login(web, world.staff_a2)
    response = web.post(f"/staff/residents/{world.unverified.id}/verify")
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(User, world.unverified.id).is_verified


@pytest.mark.parametrize("who", ["resident", "representative", "expert", "supervisor", "admin"])
def test_staff_area_is_for_staff_only(web, world, who):
    login(web, getattr(world, who))
    assert web.get("/staff").status_code == 403
    assert web.post(f"/staff/residents/{world.unverified.id}/verify").status_code == 403


def test_staff_area_needs_login(web, world):
    response = web.get("/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert web.post(f"/staff/residents/{world.unverified.id}/verify").status_code == 302
    assert web.post("/staff/residents/999999/verify").status_code == 404


# Administration ------------------------------------------------------------------------------
def test_admin_finds_user_grants_and_revokes_a_role(web, world):
    login(web, world.admin)
    response = web.post("/admin/roles/find", data={"phone": world.resident.phone})
    assert response.status_code == 302
    page = web.get(response.headers["Location"])
    html = _html(page)
    assert world.resident.name in html and "Grant a role" in html
    response = web.post(
        "/admin/roles/grant",
        data={
            "user_id": str(world.resident.id),
            "role": "staff",
            "region_id": str(world.community_a2.id),
        },
    )
    assert response.status_code == 302
    assignment = db.session.scalar(
        select(RoleAssignment).where(RoleAssignment.user_id == world.resident.id)
    )
    assert assignment.role == "staff" and assignment.region_id == world.community_a2.id
    assert assignment.granted_by_id == world.admin.id
    assignment_id = assignment.id
    response = web.post(f"/admin/roles/{assignment_id}/revoke")
    assert response.status_code == 302
    assert (
        db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.id == assignment_id))
        is None
    )
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == world.admin.id)
    ).all()
    assert "role.grant" in actions and "role.revoke" in actions


def test_admin_unknown_phone(web, world):
    login(web, world.admin)
    response = web.post("/admin/roles/find", data={"phone": "13999999999"})
    assert response.status_code == 404
    assert "No account" in _field_error(_html(response), "phone")


def test_admin_grant_checks_the_node_kind(web, world):
    login(web, world.admin)
    response = web.post(
        "/admin/roles/grant",
        data={
            "user_id": str(world.resident.id),
            "role": "staff",
            "region_id": str(world.street_a.id),
        },
    )
    assert response.status_code == 400
    assert _field_error(_html(response), "region_id")
    assert (
        db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == world.resident.id))
        is None
    )


def test_admin_cannot_revoke_own_admin_role(web, world):
    login(web, world.admin)
    own = world.admin.roles[0]
    response = web.post(f"/admin/roles/{own.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoleAssignment, own.id) is not None


def test_admin_lists_assignments(web, world):
    login(web, world.admin)
    html = _html(web.get("/admin/roles"))
    assert "System administrator" in html and "Community staff" in html and world.staff.name in html


@pytest.mark.parametrize("who", ["staff", "district_officer", "supervisor", "resident"])
def test_non_admins_cannot_manage_roles(web, world, who):
    login(web, getattr(world, who))
    assert web.get("/admin/roles").status_code == 403
    assert web.get("/admin/regions").status_code == 403
    response = web.post(
        "/admin/roles/grant",
        data={
            "user_id": str(world.resident.id),
            "role": "admin",
            "region_id": str(world.district.id),
        },
    )
    assert response.status_code == 403
    assert web.post(f"/admin/roles/{world.staff.roles[0].id}/revoke").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(RoleAssignment)) == 9


def test_admin_scoped_to_a_street_cannot_grant_elsewhere(web, world):
    street_admin = make_user(
        world.community_a1, name="蒋管理", roles=[(Role.ADMIN, world.street_a)]
    )
    login(web, street_admin)
    response = web.post(
        "/admin/roles/grant",
        data={
            "user_id": str(world.resident.id),
            "role": "staff",
            "region_id": str(world.village_b1.id),
        },
    )
    assert response.status_code == 403
    response = web.post(
        "/admin/roles/grant",
        data={
            "user_id": str(world.resident.id),
            "role": "staff",
            "region_id": str(world.community_a2.id),
        },
    )
    assert response.status_code == 302


def test_admin_regions_tree_and_add(web, world):
    login(web, world.admin)
    html = _html(web.get("/admin/regions"))
    assert "示范区" in html and "桂花社区" in html and "3号楼" in html
    response = web.post(
        "/admin/regions",
        data={"parent_id": str(world.street_b.id), "name": "石桥村", "is_village": "y"},
    )
    assert response.status_code == 302
    region = db.session.scalar(select(Region).where(Region.name == "石桥村"))
    assert region.kind == "community" and region.is_village
    assert region.path.startswith(world.street_b.path)
    assert "石桥村" in _html(web.get("/admin/regions"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"parent_id": "", "name": ""}, "name"),
        ({"parent_id": "", "name": "   "}, "name"),
        ({"parent_id": "999999", "name": "某处"}, "parent_id"),
        ({"parent_id": "abc", "name": "某处"}, "parent_id"),
    ],
)
def test_admin_regions_bad_input(web, world, data, field):
    login(web, world.admin)
    before = db.session.scalar(select(func.count()).select_from(Region))
    response = web.post("/admin/regions", data=data)
    assert response.status_code == 400
    assert _field_error(_html(response), field)
    assert db.session.scalar(select(func.count()).select_from(Region)) == before


def test_admin_regions_cannot_add_under_a_building(web, world):
    login(web, world.admin)
    response = web.post(
        "/admin/regions", data={"parent_id": str(world.building_a1.id), "name": "某处"}
    )
    assert response.status_code == 400  # a building is not offered as a parent
    assert _field_error(_html(response), "parent_id")


# Bad input never gives a 500 -----------------------------------------------------------------
HUGE = "9" * 30  # no id column can hold it: PostgreSQL would raise if it reached a query


def test_out_of_range_ids_and_pages(web, world):
    assert web.get(f"/register/buildings?community_id={HUGE}").status_code == 200
    assert web.post("/login", data={"phone": "1" * 500, "password": "x" * 500}).status_code == 400
    login(web, world.staff)
    assert web.post(f"/staff/residents/{HUGE}/verify").status_code == 404
    assert web.get(f"/staff?page={HUGE}").status_code == 200
    assert web.get("/staff?page=99999999999").status_code == 200
    assert web.get("/staff", query_string={"q": "x" * 500}).status_code == 200
    codes = {"community_id": HUGE, "count": HUGE, "valid_days": "1"}
    assert web.post("/staff/codes", data=codes).status_code == 400
    codes = {
        "community_id": str(world.community_a1.id),
        "building_id": HUGE,
        "count": "1",
        "valid_days": "1",
    }
    assert web.post("/staff/codes", data=codes).status_code == 400
    login(web, world.admin)
    assert web.get(f"/admin/roles?user={HUGE}").status_code == 200
    assert web.get("/admin/roles?page=99999999999").status_code == 200
    assert web.post(f"/admin/roles/{HUGE}/revoke").status_code == 404
    grant = {"user_id": HUGE, "role": "staff", "region_id": str(world.community_a1.id)}
    assert web.post("/admin/roles/grant", data=grant).status_code == 404
    grant = {"user_id": "١٢", "role": "staff", "region_id": str(world.community_a1.id)}
    assert web.post("/admin/roles/grant", data=grant).status_code == 404
    grant = {"user_id": str(world.resident.id), "role": "staff", "region_id": HUGE}
    assert web.post("/admin/roles/grant", data=grant).status_code == 400
    grant = {
        "user_id": str(world.resident.id),
        "role": "emperor",
        "region_id": str(world.district.id),
    }
    assert web.post("/admin/roles/grant", data=grant).status_code == 400
    assert web.post("/admin/regions", data={"parent_id": HUGE, "name": "x"}).status_code == 400


def test_nul_characters_are_dropped_not_sent_to_the_database(web, world):
    """PostgreSQL refuses NUL even in a lookup's parameter (a 500 there); SQLite would store it."""
    data = _registration(world, name="钱\x00新民", unit="2单元\x00301", phone="13912340000")
    assert web.post("/register", data=data).status_code == 302
    user = _user("13912340000")
    assert (user.name, user.unit) == ("钱新民", "2单元301")
    assert web.post("/me/code", data={"code": "AB\x00CD"}).status_code == 400
    web.post("/logout")
    assert _login(web, "1391234\x000000", "wrong password").status_code == 400
    login(web, world.staff)
    assert web.get("/staff", query_string={"q": "钱\x00"}).status_code == 200
    login(web, world.admin)
    assert web.post("/admin/roles/find", data={"phone": "1391234\x000000"}).status_code == 302
    assert web.post("/admin/regions", data={"name": "石\x00桥村"}).status_code == 302
    assert db.session.scalar(select(Region.id).where(Region.name == "石桥村")) is not None


def test_staff_page_queries_do_not_grow_with_residents(app, world):
    from sqlalchemy import event

    def count_staff_page() -> int:
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        client = fresh_client(app)
        login(client, world.street_officer)
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get("/staff?show=all").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    def add_residents(n: int) -> None:
        for i in range(n):
            make_user(
                world.community_a2 if i % 2 else world.community_a1,
                name=f"住户{n}{i}",
                building=world.building_a1 if i % 2 == 0 else None,
                verified=i % 3 == 0,
            )

    add_residents(2)
    few = count_staff_page()
    add_residents(15)
    assert count_staff_page() == few <= 10
