"""Two officers triaging the same matter at once: one wins, the other gets a 409, and the
timeline holds one triage transition."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, update

from consult.extensions import db
from consult.matters import services
from consult.matters.models import Matter, Transition
from consult.matters.services import MatterError
from tests.clients import fresh_client as page_client
from tests.factories import login, make_matter


def transitions(matter_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Transition).where(Transition.matter_id == matter_id)
    )


def test_a_stale_matter_is_not_moved(world):
    matter = make_matter(world.resident)
    assert matter.state == "submitted"  # read now; another request rejects it meanwhile:
    with db.engine.begin() as conn:
        conn.execute(update(Matter).where(Matter.id == matter.id).values(state="rejected"))
    try:
        services.accept_matter(matter, by=world.staff)
    except MatterError as exc:
        assert exc.status == 409
    else:
        raise AssertionError("a stale matter was accepted")
    db.session.rollback()
    assert matter.state == "rejected" and transitions(matter.id) == 1


def test_simultaneous_triage(world, app):
    matter = make_matter(world.resident)
    url = f"/matters/{matter.id}"  # the threads have no application context to read it in
    staff, officer = page_client(app), page_client(app)
    login(staff, world.staff)
    login(officer, world.street_officer)
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def post(name, client, action, data):
        barrier.wait()
        statuses[name] = client.post(f"{url}/{action}", data=data).status_code

    threads = [
        threading.Thread(target=post, args=("accept", staff, "accept", {"accept-tier": "1"})),
        threading.Thread(
            target=post, args=("reject", officer, "reject", {"reject-reason": "属于物业维修责任"})
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [303, 409], statuses
    db.session.rollback()
    assert transitions(matter.id) == 2
    assert matter.state == ("accepted" if statuses["accept"] == 303 else "rejected")
