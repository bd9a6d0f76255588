"""The journey of issue 3 in a real Chromium at a 360 px phone viewport:
register → staff verifies → propose → a second resident supports → staff accepts.
Screenshots are kept under tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import re

import pytest

from consult.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, build_world

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}


def _context(browser, **extra):
    context = browser.new_context(**{**PHONE, **extra})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("console", lambda msg: page.js_errors.append(msg.text) if msg.type == "error" else None)
    return context, page


def _login(page, base: str, phone: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit], form.stack input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px phone"


@pytest.fixture
def journey_world(app):
    with app.app_context():
        world = build_world()
        data = {
            "community_id": str(world.community_a1.id),
            "staff_phone": world.staff.phone,
            "neighbour_phone": world.neighbour.phone,
        }
        db.session.remove()
    return data


def test_register_verify_propose_support_accept(browser, live_server, journey_world):
    base = live_server
    newcomer_phone = "13912340000"

    # 1. A newcomer registers on their phone.
    ctx1, page = _context(browser)
    page.goto(f"{base}/register")
    _no_horizontal_scroll(page)
    page.fill("#name", "马丽娟")
    page.fill("#phone", newcomer_phone)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.select_option("#community_id", value=journey_world["community_id"])
    page.fill("#unit", "2单元301")
    page.check("#consent")
    page.screenshot(path=str(ARTIFACTS / "journey-1-register.png"), full_page=True)
    page.locator("form.stack button[type=submit], form.stack input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/register" not in page.url, page.content()[:3000]

    # 2. Staff of the community verify the newcomer.
    ctx2, staff = _context(browser)
    _login(staff, base, journey_world["staff_phone"])
    staff.goto(f"{base}/staff")
    _no_horizontal_scroll(staff)
    row = staff.locator("li, tr").filter(has_text="马丽娟").first
    row.locator("form[action*='/verify'] button, form[action*='/verify'] input[type=submit]").first.click()
    staff.wait_for_load_state()
    staff.screenshot(path=str(ARTIFACTS / "journey-2-verified.png"), full_page=True)

    # 3. The newcomer proposes a matter.
    page.goto(f"{base}/matters/new")
    _no_horizontal_scroll(page)
    page.fill("#title", "3号楼楼道灯坏了需要更换")
    page.fill("#description", "3号楼2单元楼道灯一直不亮，老人晚上上下楼很不方便，希望更换声控灯。")
    page.select_option("#category", value="stairwell_lighting")
    page.fill("#location", "3号楼2单元")
    page.fill("#estimated_cost", "8000")
    page.locator("form.stack button[type=submit], form.stack input[type=submit]").last.click()
    page.wait_for_load_state()
    match = re.search(r"/matters/(\d+)$", page.url)
    assert match, f"expected the new matter's page, got {page.url}"
    matter_url = page.url
    page.screenshot(path=str(ARTIFACTS / "journey-3-proposed.png"), full_page=True)

    # 4. A second verified resident supports it (htmx swaps the button in place).
    ctx3, neighbour = _context(browser)
    _login(neighbour, base, journey_world["neighbour_phone"])
    neighbour.goto(matter_url)
    support_form = neighbour.locator("form[action*='/support']")
    support_form.locator("button").click()
    neighbour.wait_for_function(
        "() => document.querySelector(\"form[action*='/support']\").textContent.includes('1')"
    )
    assert neighbour.url == matter_url  # htmx: no navigation
    neighbour.screenshot(path=str(ARTIFACTS / "journey-4-supported.png"), full_page=True)

    # 5. Staff accept it at the tier its cost gives.
    staff.goto(matter_url)
    staff.locator("form[action$='/accept'] button").click()
    staff.wait_for_load_state()
    staff.screenshot(path=str(ARTIFACTS / "journey-5-accepted.png"), full_page=True)
    text = staff.locator("main").inner_text()
    assert "已受理" in text or "Accepted" in text

    for p in (page, staff, neighbour):
        assert p.js_errors == [], p.js_errors  # also catches CSP violations
    for c in (ctx1, ctx2, ctx3):
        c.close()


def test_support_works_without_javascript(browser, live_server, journey_world, app):
    from consult.accounts.models import User
    from tests.factories import make_matter

    with app.app_context():
        author = db.session.query(User).filter_by(phone=journey_world["staff_phone"]).one()
        matter_id = make_matter(author).id
        db.session.remove()
    context, page = _context(browser, java_script_enabled=False)
    _login(page, live_server, journey_world["neighbour_phone"])
    page.goto(f"{live_server}/matters/{matter_id}")
    page.locator("form[action*='/support'] button").click()
    page.wait_for_load_state()
    assert page.url.split("#")[0].endswith(f"/matters/{matter_id}")
    assert "1" in page.locator("form[action*='/support']").inner_text()
    context.close()
