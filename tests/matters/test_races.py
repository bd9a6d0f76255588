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


def test_opposite_merges_at_once_never_cross(world, app):
    """A into B and B into A at the same moment: at most one happens, the other is refused with
    a 4xx (on PostgreSQL the target row is locked without waiting), never a 500 or a cycle."""
    a = make_matter(world.resident, title="小区停车难")
    b = make_matter(world.neighbour, title="停车位不够")
    ids = (a.id, b.id)
    staff, officer = page_client(app), page_client(app)
    login(staff, world.staff)
    login(officer, world.street_officer)
    for _round in range(3):
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def merge(client, source, target, barrier=barrier, statuses=statuses):
            barrier.wait()
            response = client.post(f"/matters/{source}/merge", data={"merge-into": str(target)})
            statuses.append(response.status_code)

        threads = [
            threading.Thread(target=merge, args=(staff, ids[0], ids[1])),
            threading.Thread(target=merge, args=(officer, ids[1], ids[0])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(s < 500 for s in statuses), statuses
        db.session.expire_all()
        states = [db.session.get(Matter, i).state for i in ids]
        assert states.count("merged") <= 1, states
        if "merged" in states:
            break
