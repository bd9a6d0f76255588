"""Bearer tokens, the lock-out, rate limits, and session callers with the CSRF header."""

from __future__ import annotations

import secrets

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from consult.accounts.models import ApiToken
from consult.extensions import db
from tests.api.conftest import ApiClient, error_of
from tests.factories import PASSWORD, login, make_matter


def _credentials(user, password=PASSWORD):
    return {"json": {"phone": user.phone, "password": password}}


def test_token_issue_and_use(api, world):
    response = api.post("/auth/token", **_credentials(world.resident))
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert response.headers["Cache-Control"] == "no-store"
    # only a hash is stored
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert len(stored) == 1 and body["token"] not in stored

    created = api.post(
        "/matters",
        token=body["token"],
        json={"title": "路灯不亮", "description": "小区门口路灯坏了", "category": "safety"},
    )
    assert created.status_code == 201


def test_phone_is_normalised(api, world):
    phone = world.resident.phone
    response = api.post(
        "/auth/token", json={"phone": f"+86 {phone[:3]}-{phone[3:]}", "password": PASSWORD}
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["wrong_password", "unknown_phone"])
def test_wrong_credentials_are_401_and_say_nothing_about_which(api, world, who):
    credentials = (
        _credentials(world.resident, "not the password")
        if who == "wrong_password"
        else {"json": {"phone": "13999999999", "password": PASSWORD}}
    )
    response = api.post("/auth/token", headers={"Accept-Language": "en"}, **credentials)
    assert response.status_code == 401
    error = error_of(response)
    assert error == {
        "code": "invalid_credentials",
        "message": "The mobile number or the password is wrong.",
    }


def test_missing_fields_are_422_with_details(api, world):
    response = api.post("/auth/token", json={"phone": 13800000000})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"phone", "password"}


def test_lock_out_after_repeated_failures(make_app, world):
    api = ApiClient(make_app(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_MINUTES=7))
    for _ in range(2):
        assert (
            api.post("/auth/token", **_credentials(world.resident, "wrong one")).status_code == 401
        )
    third = api.post("/auth/token", **_credentials(world.resident, "wrong one"))
    assert third.status_code == 429
    assert error_of(third)["code"] == "locked"
    assert 6 * 60 < int(third.headers["Retry-After"]) <= 7 * 60
    # even the right password is refused while locked
    right = api.post(
        "/auth/token", headers={"Accept-Language": "en"}, **_credentials(world.resident)
    )
    assert right.status_code == 429
    assert "locked" in error_of(right)["message"]


@pytest.fixture
def rate_limited_app(make_app):
    yield make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute")
    # The limiter is one object shared by every app: switch it off again for the other tests.
    make_app()


def test_token_endpoint_is_rate_limited(rate_limited_app, world):
    api = ApiClient(rate_limited_app)
    for _ in range(2):
        assert (
            api.post("/auth/token", **_credentials(world.resident, "wrong one")).status_code == 401
        )
    response = api.post("/auth/token", **_credentials(world.resident))
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"


def test_revoke_token(api, world, token_for):
    token = token_for(world.resident)
    assert api.delete("/auth/token", token=token).status_code == 204
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    # the token no longer works, for writes or for revoking again
    response = api.post("/matters/1/support", token=token)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.delete("/auth/token", token=token).status_code == 401


def test_revoke_without_a_token_is_401(api, world):
    assert api.delete("/auth/token").status_code == 401
    assert api.delete("/auth/token", headers={"Authorization": "Basic abc"}).status_code == 401


def test_invalid_bearer_does_not_fall_back_to_the_session(api, world):
    matter = make_matter(world.neighbour)
    login(api.client, world.resident)
    response = api.post(f"/matters/{matter.id}/support", token="forged")
    assert response.status_code == 401
    assert api.post(f"/matters/{matter.id}/support").status_code == 200  # the session alone


# Session callers and CSRF ---------------------------------------------------------------------
@pytest.fixture
def csrf_api(make_app):
    return ApiClient(make_app(WTF_CSRF_ENABLED=True))


def _csrf_token(api: ApiClient) -> str:
    """What a page would embed: a signed token whose raw value sits in the session."""
    raw = secrets.token_hex(20)
    with api.client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(api.app.secret_key, salt="wtf-csrf-token").dumps(raw)


def test_session_write_without_csrf_header_is_400(csrf_api, world):
    matter = make_matter(world.neighbour)
    login(csrf_api.client, world.resident)
    response = csrf_api.post(f"/matters/{matter.id}/support")
    assert response.status_code == 400
    assert error_of(response)["code"] == "csrf"
    assert matter.support_count == 0

    token = _csrf_token(csrf_api)
    ok = csrf_api.post(f"/matters/{matter.id}/support", headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json() == {"supported": True, "support_count": 1}


def test_session_write_with_a_wrong_csrf_header_is_400(csrf_api, world):
    login(csrf_api.client, world.resident)
    _csrf_token(csrf_api)
    response = csrf_api.post(
        "/matters",
        headers={"X-CSRFToken": "forged"},
        json={"title": "t", "description": "d", "category": "other"},
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "csrf"


def test_bearer_writes_need_no_csrf_and_session_reads_need_none(csrf_api, world, token_for):
    matter = make_matter(world.neighbour)
    response = csrf_api.post(f"/matters/{matter.id}/support", token=token_for(world.resident))
    assert response.status_code == 200
    login(csrf_api.client, world.resident)
    assert csrf_api.get(f"/matters/{matter.id}").status_code == 200


def test_anonymous_write_is_401_with_a_bearer_challenge(api, world):
    matter = make_matter(world.neighbour)
    response = api.post(f"/matters/{matter.id}/support", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert error_of(response) == {"code": "unauthorized", "message": "Please log in to continue."}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
