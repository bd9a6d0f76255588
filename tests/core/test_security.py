"""The security baseline (shared/SECURITY.md): CSRF on every form, security headers and a CSP
without inline code, cookie flags, rate limits, no caching of personal pages, and no full
phone numbers or names on public pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.extensions import db, limiter
from consult.matters import services as matter_services
from consult.matters.models import Matter
from tests.clients import fresh_client
from tests.factories import PASSWORD, login, make_assisted_matter, make_matter

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _placeholder_url(app, rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = (
            1 if type(converter).__name__ in {"IntegerConverter", "FloatConverter"} else "x"
        )
    return app.url_map.bind("localhost").build(rule.endpoint, values, method="POST")


# CSRF ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _post_rules(app) -> list:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if "POST" in r.methods and not r.rule.startswith("/api/")
        ),
        key=lambda r: r.rule,
    )


def test_the_forms_we_know_are_covered(csrf_app):
    routes = {r.rule for r in _post_rules(csrf_app)}
    assert {
        "/login",
        "/register",
        "/logout",
        "/me/code",
        "/staff/codes",
        "/admin/roles/grant",
    } <= routes


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "staff"])
def test_every_post_route_needs_a_csrf_token(csrf_app, world, logged_in):
    client = fresh_client(csrf_app)
    if logged_in:
        login(client, world.staff)
    checked = []
    for rule in _post_rules(csrf_app):
        url = _placeholder_url(csrf_app, rule)
        response = client.post(url, data={"name": "x"})
        assert response.status_code == 400, (
            f"{rule.rule} answered {response.status_code} without a CSRF token"
        )
        assert "Your form has expired" in _html(response)
        checked.append(rule.rule)
    assert len(checked) >= 6
    # The session is untouched: still (or still not) logged in.
    with client.session_transaction() as sess:
        assert ("_user_id" in sess) is logged_in


def test_a_form_with_its_token_is_accepted(csrf_app, world):
    client = fresh_client(csrf_app)
    page = _html(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "phone": world.resident.phone, "password": PASSWORD}
    )
    assert response.status_code == 302
    # A new session begins at login; pages in it carry a fresh token that logout accepts.
    page = _html(client.get("/me"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_api_is_outside_the_form_csrf(csrf_app):
    assert not any(r.rule.startswith("/api/") for r in _post_rules(csrf_app))


# Headers and CSP -----------------------------------------------------------------------------
PUBLIC_PAGES = ["/", "/login", "/register", "/privacy", "/matters"]
STAFF_PAGES = ["/me", "/staff", "/staff/codes"]
ADMIN_PAGES = ["/admin/roles", "/admin/regions"]

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)
HANDLER_ATTR = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _check_page(response, path: str) -> None:
    assert response.status_code == 200, path
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    html = _html(response)
    for pattern in (INLINE_SCRIPT, STYLE_ATTR, STYLE_TAG, HANDLER_ATTR):
        assert not pattern.search(html), f"{path}: {pattern.search(html).group(0)!r} breaks the CSP"


def test_public_pages_headers_and_no_inline_code(app, world):
    client = fresh_client(app)
    for path in PUBLIC_PAGES:
        _check_page(client.get(path), path)


def test_staff_and_admin_pages_headers_and_no_inline_code(app, world):
    client = fresh_client(app)
    login(client, world.staff)
    for path in STAFF_PAGES:
        response = client.get(path)
        _check_page(response, path)
        assert response.headers["Cache-Control"] == "no-store", path
    login(client, world.admin)
    for path in ADMIN_PAGES:
        response = client.get(path)
        _check_page(response, path)
        assert response.headers["Cache-Control"] == "no-store", path


def test_logged_in_pages_are_not_cached(app, world):
    client = fresh_client(app)
    login(client, world.resident)
    for path in ["/", "/matters", "/me"]:
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_printed_codes_are_not_cached(app, world):
    client = fresh_client(app)
    login(client, world.staff)
    response = client.post(
        "/staff/codes",
        data={"community_id": str(world.community_a1.id), "count": "2", "valid_days": "10"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    _check_page(response, "/staff/codes (sheet)")


# Cookies -------------------------------------------------------------------------------------
def _cookie_attributes(header: str) -> tuple[str, set[str]]:
    """``name=value; Secure; HttpOnly; SameSite=Lax`` → ("name", {"secure", "httponly", "samesite=lax", …})."""
    first, *attributes = [part.strip() for part in header.split(";")]
    flags = {a.lower() for a in attributes if "=" not in a or a.lower().startswith("samesite=")}
    return first.split("=", 1)[0], flags


def test_session_cookie_flags(make_app, world):
    secure_app = make_app(SESSION_COOKIE_SECURE=True)
    client = fresh_client(secure_app)
    response = client.post("/login", data={"phone": world.resident.phone, "password": PASSWORD})
    assert response.status_code == 302
    cookies = [_cookie_attributes(h) for h in response.headers.getlist("Set-Cookie")]
    session_cookies = [attrs for name, attrs in cookies if name == "consult_session"]
    assert session_cookies, "login sets the session cookie"
    for attrs in session_cookies:
        assert {"secure", "httponly", "samesite=lax"} <= attrs
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_preference_cookies_are_flagged(make_app, world):
    secure_app = make_app(SESSION_COOKIE_SECURE=True)
    client = fresh_client(secure_app)
    response = client.get("/text-size/large?next=/")
    prefs = [_cookie_attributes(h) for h in response.headers.getlist("Set-Cookie")]
    large = [attrs for name, attrs in prefs if name == "large_text"]
    assert large and {"secure", "httponly", "samesite=lax"} <= large[0]


# Rate limits ---------------------------------------------------------------------------------
def test_login_is_rate_limited(make_app, world):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    try:
        client = fresh_client(limited)
        for _i in range(5):
            assert client.get("/login").status_code == 200  # reading the form is not limited
        for _i in range(3):
            response = client.post(
                "/login", data={"phone": "13999999999", "password": "wrong password here"}
            )
            assert response.status_code == 400
        response = client.post("/login", data={"phone": world.resident.phone, "password": PASSWORD})
        assert response.status_code == 429
        assert "Too many attempts" in _html(response)
        assert "Retry-After" in response.headers
    finally:
        limiter.reset()


def test_registration_is_rate_limited(make_app, world):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REGISTER="2 per hour")
    try:
        client = fresh_client(limited)
        for _i in range(2):
            assert client.post("/register", data={"name": ""}).status_code == 400
        assert client.post("/register", data={"name": ""}).status_code == 429
        assert client.get("/register").status_code == 200
    finally:
        limiter.reset()


# Personal data on public pages ---------------------------------------------------------------
def test_public_pages_never_show_full_phone_numbers_or_names(app, world):
    matter = make_matter(world.resident)
    other = make_matter(world.outsider, title="紫荆社区增设休息座椅", category="seating_shade")
    assisted = make_assisted_matter(
        world, title="3号楼加装扶手", neighbour="欧阳秀兰", phone="13512345678", commit=False
    )
    db.session.commit()
    matter_services.add_comment(matter, author=world.neighbour, body="同意，晚上太黑了。")
    matter_services.accept_matter(other, by=world.staff_a2)
    db.session.commit()
    ids = [m.id for m in db.session.scalars(select(Matter))]
    assert assisted.id in ids

    secrets = {u.phone for u in world.users.values()} | {"13512345678"}
    names = {u.name for u in world.users.values()} | {"欧阳秀兰"}
    client = fresh_client(app)
    pages = ["/", "/matters", *(f"/matters/{i}" for i in ids)]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = _html(response)
        shown = [p for p in secrets if p in html] + MOBILE.findall(html)
        assert not shown, f"{path} shows phone numbers {shown}"
        full = [n for n in names if n in html]
        assert not full, f"{path} shows full names {full}"
    # …and the masked forms are there, so the check above is not vacuous.
    detail = _html(client.get(f"/matters/{matter.id}"))
    assert "李*英" in detail
