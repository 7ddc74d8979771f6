"""The demo `make run` shows: a Nanjing estate, the people who live there and what they do.

Every domain's demo data lives in this package (neighbours, events, group buys, lockers), and
so do `flask demo seed`, `flask serve` and the driver that moves the demo's lockers (cli.py,
lockers.py). No production module imports it (the import-linter contract keeps it so); it
acts only for its own people (`demo_user_ids`), never for someone who joined for real.
"""

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.services import hash_password
from portal.community.models import Community, Membership, MembershipStatus, Role
from portal.community.services import create_community, create_invite
from portal.core.db import begin_write, db, utcnow

DEMO_PASSWORD = "linli-demo"
DEMO_COMMUNITY = "南京 · 翠屏幸福里"
SECOND_COMMUNITY = "南京 · 梧桐花园"

BUILDINGS = "\n".join(f"{n}栋: 1单元, 2单元, 3单元" for n in range(1, 9))

# (what they do here, phone, name, roles, building, unit)
PEOPLE = [
    ("platform admin", "13800000000", "平台管理员", None, None, None),
    ("community admin", "13800000001", "物业 周经理", Role.RESIDENT | Role.ADMIN, "1栋", "1单元"),
    ("group leader", "13800000002", "团长 李姐", Role.RESIDENT | Role.LEADER, "3栋", "2单元"),
    ("volunteer", "13800000003", "志愿者 小陈", Role.RESIDENT | Role.VOLUNTEER, "5栋", "1单元"),
    ("resident", "13800000004", "王阿姨", Role.RESIDENT, "3栋", "1单元"),
    ("resident", "13800000005", "张先生", Role.RESIDENT, "6栋", "3单元"),
    ("resident", "13800000006", "新搬来的刘女士", Role.RESIDENT, "8栋", "2单元"),
    ("kiosk", "13800000009", "3栋自提点屏幕", Role.KIOSK, None, None),
]


def demo_phones() -> set[str]:
    from portal.demo.neighbors import EXTRA_PEOPLE

    return {person[1] for person in PEOPLE} | {person[0] for person in EXTRA_PEOPLE}


def demo_user_ids() -> set[int]:
    """The demo's own people: the only ones the demo driver orders, deposits or collects for."""
    return set(db.session.scalars(sa.select(User.id).where(User.phone.in_(demo_phones()))))


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, phone, name) of the demo people that exist in this database."""
    phones = {p[1] for p in PEOPLE}
    existing = set(db.session.scalars(sa.select(User.phone).where(User.phone.in_(phones))))
    return [(role, phone, name) for role, phone, name, *_ in PEOPLE if phone in existing]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo community and people once; later runs change nothing."""
    begin_write()
    if db.session.scalar(sa.select(Community.id).where(Community.name == DEMO_COMMUNITY)):
        db.session.rollback()
        return demo_logins()
    community = create_community(DEMO_COMMUNITY, "南京", "栖霞区 翠屏路 88 号", BUILDINGS)
    create_community(SECOND_COMMUNITY, "南京", "鼓楼区 梧桐路 6 号", "1栋: 1单元\n2栋: 1单元")
    password_hash = hash_password(DEMO_PASSWORD)
    units = {(b.name, u.name): u for b in community.buildings for u in b.units}
    admin_user = None
    for _role, phone, name, roles, building, unit in PEOPLE:
        user = User(phone=phone, display_name=name, password_hash=password_hash)
        user.is_platform_admin = roles is None
        user.is_device = bool(roles and roles & Role.KIOSK)
        db.session.add(user)
        db.session.flush()
        if roles is None:
            continue
        place = units.get((building, unit))
        membership = Membership(
            user_id=user.id,
            community_id=community.id,
            roles=roles,
            status=MembershipStatus.ACTIVE,
            building_id=place.building_id if place else None,
            unit_id=place.id if place else None,
            decided_at=utcnow(),
        )
        if admin_user and roles == Role.RESIDENT:
            membership.invited_by_id = admin_user.id
        db.session.add(membership)
        user.active_community_id = community.id
        admin_user = admin_user or (user if roles & Role.ADMIN else None)
    db.session.flush()
    admin_membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == admin_user.id)
    )
    create_invite(admin_membership)
    from portal.demo import events, groupbuy, lockers, neighbors, trace, trust

    for part in (
        neighbors,  # neighbours, boards, points, moderation
        events,  # past events with attendance, a waitlist, a help day
        groupbuy,  # pickup points, buys in every state
        trace,  # suppliers, batches and their journeys, linked to the buys
        trust,  # a review, an after-sales case with the leader's offer, wishes with +1s
        lockers,  # lockers at the locker point, its kiosk screen
    ):
        part.seed(community, {u.phone: u for u in db.session.scalars(sa.select(User))})
    db.session.commit()
    return demo_logins()
