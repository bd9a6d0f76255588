"""Test data, built through the real services where it matters."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from consult.accounts.models import Role, User
from consult.accounts.services import grant_role, hash_password
from consult.core.timeutil import utcnow
from consult.extensions import db
from consult.matters import services as matter_services
from consult.regions.models import Region, RegionKind
from consult.regions.services import create_region

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose
_phones = itertools.count(13800000000)


def make_user(
    community: Region,
    *,
    name: str = "张小明",
    verified: bool = True,
    roles: list[tuple[Role, Region]] | None = None,
    phone: str | None = None,
    building: Region | None = None,
) -> User:
    user = User(
        name=name,
        phone=phone or str(next(_phones)),
        password_hash=_PASSWORD_HASH,
        community=community,
        building=building,
        session_token=f"tok{next(_phones)}",
        verified_at=utcnow() if verified else None,
        verified_via="staff" if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    for role, region in roles or []:
        grant_role(user, role, region)
    db.session.commit()
    return user


def make_matter(author: User, *, community: Region | None = None, title: str = "楼道灯坏了需要更换",
                description: str = "3号楼2单元楼道灯不亮，老人晚上上下楼不安全。",
                category: str = "stairwell_lighting", cost_fen: int | None = 800_000, commit: bool = True):
    matter = matter_services.submit_matter(
        author=author,
        community=community or author.community,
        title=title,
        description=description,
        category=category,
        location="3号楼2单元",
        estimated_cost_fen=cost_fen,
    )
    if commit:
        db.session.commit()
    return matter


def supports_breaking_the_rules(*, also_before_the_matter: bool = False) -> int:
    """How many supports come from someone other than a verified resident of the matter's
    community who is not its author (or, when asked, predate the matter): should be 0."""
    from sqlalchemy import func, or_, select

    from consult.matters.models import Matter, Support

    wrong = [
        User.community_id != Matter.community_id,
        User.verified_at.is_(None),
        User.id == Matter.author_id,
    ]
    if also_before_the_matter:
        wrong.append(Support.created_at < Matter.created_at)
    return db.session.scalar(
        select(func.count())
        .select_from(Support)
        .join(Matter, Matter.id == Support.matter_id)
        .join(User, User.id == Support.user_id)
        .where(or_(*wrong))
    )


def make_assisted_matter(world, *, title: str = "加装扶手", neighbour: str = "钱大妈",
                         phone: str = "13912345678", commit: bool = True):
    """A matter a representative entered for a neighbour who is not online (代为录入)."""
    matter = matter_services.submit_matter(
        author=world.representative,
        community=world.community_a1,
        title=title,
        description="5号楼老人多，楼梯需要扶手",
        category="ageing_friendly",
        on_behalf_name=neighbour,
        on_behalf_phone=phone,
    )
    if commit:
        db.session.commit()
    return matter


@dataclass
class World:
    """district ⊃ street A ⊃ {community A1 (with building), community A2}; street B ⊃ village B1."""

    district: Region
    street_a: Region
    street_b: Region
    community_a1: Region
    community_a2: Region
    village_b1: Region
    building_a1: Region
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


def build_world() -> World:
    district = create_region("示范区", RegionKind.DISTRICT)
    street_a = create_region("东湖街道", RegionKind.STREET, district)
    street_b = create_region("西山镇", RegionKind.STREET, district)
    a1 = create_region("桂花社区", RegionKind.COMMUNITY, street_a, adult_count=3000, household_count=1200)
    a2 = create_region("紫荆社区", RegionKind.COMMUNITY, street_a)
    b1 = create_region("清泉村", RegionKind.COMMUNITY, street_b, is_village=True)
    building = create_region("3号楼", RegionKind.GROUP, a1)
    db.session.commit()
    w = World(district, street_a, street_b, a1, a2, b1, building)
    w.users = {
        "resident": make_user(a1, name="李秀英"),
        "neighbour": make_user(a1, name="王建国"),
        "unverified": make_user(a1, name="赵小红", verified=False),
        "outsider": make_user(a2, name="陈明"),
        "representative": make_user(a1, name="刘德华", roles=[(Role.REPRESENTATIVE, a1)]),
        "staff": make_user(a1, name="周慧敏", roles=[(Role.STAFF, a1)]),
        "staff_a2": make_user(a2, name="吴志强", roles=[(Role.STAFF, a2)]),
        "street_officer": make_user(a1, name="孙立新", roles=[(Role.STREET_OFFICER, street_a)]),
        "street_b_officer": make_user(b1, name="郑光明", roles=[(Role.STREET_OFFICER, street_b)]),
        "district_officer": make_user(a2, name="黄文斌", roles=[(Role.DISTRICT_OFFICER, district)]),
        "expert": make_user(a2, name="林教授", roles=[(Role.EXPERT, district)]),
        "supervisor": make_user(a1, name="何监督", roles=[(Role.SUPERVISOR, a1)]),
        "admin": make_user(a2, name="系统管理员", roles=[(Role.ADMIN, district)]),
    }
    return w


def login(client, user: User) -> None:
    """Log a test client in without the login form (the form has its own tests)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["_seen"] = int(time.time())
