"""Property-based and concurrent checks of supports (附议): the count always equals the rows,
nobody supports twice, whatever the order of supports, withdrawals and merges."""

from __future__ import annotations

import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consult.extensions import db
from consult.matters import services
from consult.matters.models import Matter, Support
from tests.factories import make_matter, make_user

OPS = st.lists(
    st.tuples(st.sampled_from(["support", "unsupport", "merge"]), st.integers(0, 5), st.integers(0, 2)),
    max_size=25,
)


def _rows(matter_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Support).where(Support.matter_id == matter_id))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_support_count_always_equals_rows(world, ops):
    people = [make_user(world.community_a1, name=f"居民{i}") for i in range(6)]
    matters = [make_matter(world.staff, title=f"事项{i}") for i in range(3)]
    for op, who, which in ops:
        matter = matters[which]
        try:
            if op == "support":
                services.support(matter, people[who])
            elif op == "unsupport":
                services.unsupport(matter, people[who])
            else:
                target = matters[(which + 1) % 3]
                services.merge_matter(matter, into=target, by=world.staff)
        except services.MatterError:
            pass  # closed matter or closed target: refused, nothing changes
        db.session.commit()
    for matter in matters:
        db.session.refresh(matter)
        assert matter.support_count == _rows(matter.id)
        assert matter.support_count <= len(people)


def test_concurrent_supports_by_one_person_make_one_row(app, world):
    matter = make_matter(world.resident)
    matter_id, user_id = matter.id, world.neighbour.id
    barrier = threading.Barrier(8)
    results: list[object] = []

    def attempt():
        with app.app_context():
            m = db.session.get(Matter, matter_id)
            from consult.accounts.models import User

            u = db.session.get(User, user_id)
            barrier.wait()
            try:
                results.append(services.support(m, u))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                db.session.rollback()
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    assert _rows(matter_id) == 1
    assert db.session.get(Matter, matter_id).support_count == 1
    assert results.count(True) == 1, results
