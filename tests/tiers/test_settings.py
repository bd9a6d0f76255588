"""District officers set the district's rules; nobody else can; bad input stays in the form."""

from __future__ import annotations

from consult.core.audit import AuditEntry
from consult.extensions import db
from consult.matters import services
from consult.regions.services import settings_for
from tests.factories import login, make_matter

GOOD = {
    "tier1_max": "30,000", "tier2_max": "300000.00", "support_threshold": "15",
    "triage_days": "3", "urgent_triage_hours": "24", "escalation_days": "7", "report_days": "4",
}


def test_district_officer_sets_the_rules_and_routing_follows(world, client):
    login(client, world.district_officer)
    url = f"/districts/{world.district.id}/settings"
    page = client.get(url)
    assert page.status_code == 200 and 'value="20,000.00"' in page.get_data(as_text=True)
    response = client.post(url, data=GOOD)
    assert response.status_code == 303
    db.session.expire_all()
    settings = settings_for(world.district)
    assert (settings.tier1_max_fen, settings.tier2_max_fen) == (3_000_000, 30_000_000)
    assert (settings.support_threshold, settings.triage_days, settings.urgent_triage_hours,
            settings.escalation_days, settings.report_days) == (15, 3, 24, 7, 4)
    assert db.session.query(AuditEntry).filter_by(action="district.settings").count() == 1
    matter = make_matter(world.resident, cost_fen=2_500_000)  # 25,000 yuan: now tier 1
    assert services.routed_tier(matter) == 1


def test_bad_input_is_refused_next_to_the_field_and_kept(world, client):
    login(client, world.district_officer)
    url = f"/districts/{world.district.id}/settings"
    for data, field in [
        ({**GOOD, "tier1_max": "abc"}, "tier1_max"),
        ({**GOOD, "tier2_max": "10000"}, "tier2_max"),  # not above tier 1
        ({**GOOD, "triage_days": "0"}, "triage_days"),
        ({**GOOD, "report_days": "x"}, "report_days"),
        ({**GOOD, "support_threshold": ""}, "support_threshold"),
    ]:
        response = client.post(url, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in html, field
        assert f'value="{data[field]}"' in html  # what was typed is kept, even when wrong
    db.session.expire_all()
    assert settings_for(world.district).tier1_max_fen == 2_000_000  # nothing changed


def test_only_district_officers(world, client):
    url = f"/districts/{world.district.id}/settings"
    assert client.get(url).status_code in (302, 401)  # anonymous → login
    for who in ("staff", "street_officer", "admin", "supervisor"):
        login(client, getattr(world, who))
        assert client.get(url).status_code == 403, who
        assert client.post(url, data=GOOD).status_code == 403, who
    login(client, world.district_officer)
    assert client.get(f"/districts/{world.street_a.id}/settings").status_code == 404  # not a district
    assert client.get("/districts/99999999999/settings").status_code == 404
