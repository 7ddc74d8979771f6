"""Demo events (called from portal.demo.seed_demo): past ones with attendance, upcoming ones,
a full farm visit with a waitlist, a help day gathering the day's needs, one for a building,
one for a mutual-aid group, and one tomorrow so the day-before reminder has work to do."""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.community.models import Membership
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.events.models import Audience, EventKind
from portal.events.services.audience import groups_of_community
from portal.events.services.organising import EventData, create_event
from portal.events.services.signups import sign_up
from portal.events.services.tickets import check_in

ADMIN, LEADER, VOLUNTEER = "13800000001", "13800000002", "13800000003"
WANG, ZHANG, LIU = "13800000004", "13800000005", "13800000006"


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time `days` from today in the community's time zone, as UTC."""
    tz = localtime.zone()
    day = datetime.now(tz).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def seed(community, people: dict) -> None:
    """Fill the demo community with events (people: phone → User). Runs inside seed_demo's
    transaction; flushes, never commits."""
    with current_app.test_request_context("/"):
        _seed(community, people)


def _seed(community, people: dict) -> None:
    members = {
        m.user.phone: m
        for m in db.session.scalars(sa.select(Membership).where(Membership.community_id == community.id))
    }
    admin, volunteer = members[ADMIN], members[VOLUNTEER]
    named = (WANG, ZHANG, LIU, LEADER)
    residents = [members[p] for p in named if p in members]
    residents += [  # neighbours other seeds added
        m for p, m in sorted(members.items()) if p not in (*named, ADMIN, VOLUNTEER) and not m.user.is_device
    ]
    long_ago = utcnow() - timedelta(days=60)

    def event(days, hour, hours, **fields):
        start = _at(days, hour)
        data = EventData(
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            signup_deadline=fields.pop("signup_deadline", None),
            description=fields.pop("description", ""),
            **fields,
        )
        return create_event(admin, data, long_ago)

    # past: with attendance (checked in at the door by 志愿者小陈; attendance earns points)
    flowers = event(
        -10, 15, 2, title="春季亲子插花", place="3栋自提点 · 王叔的店", capacity=12, max_companions=2,
        description="带上孩子, 一起用时令鲜花做一个小花束。材料由店里准备, 做好可以带回家。",
    )
    talk = event(
        -20, 9, 2, title="健康讲座: 老年人慢病管理", place="社区活动室", capacity=30, max_companions=1,
        description="社区医院的李医生讲高血压、糖尿病的日常管理, 现场可以免费量血压。",
    )
    for past, group in ((flowers, residents[:4]), (talk, residents[:3] + [admin])):
        signed = [sign_up(past, m, 1 if i == 0 else 0, past.starts_at - timedelta(days=5))
                  for i, m in enumerate(group)]
        for signup in signed[:-1]:  # one did not come
            check_in(signup, volunteer.user_id, past.starts_at + timedelta(minutes=5))

    # tomorrow: the day-before reminder (flask events remind) tells those signed up
    again = event(
        1, 14, 2, title="春季亲子插花 (第二场)", place="3栋自提点 · 王叔的店", capacity=12, max_companions=2,
        description="上次的插花课大家很喜欢, 再开一场! 这次做的是桌面小花篮。",
    )
    for member in residents[:2]:
        sign_up(again, member, 1, utcnow())

    # a help day: its page gathers the open 互助日 needs of the day
    event(
        2, 9, 8, title="邻里互助日", place="小区中心花园", capacity=50, max_companions=3,
        kind=EventKind.HELP_DAY,
        description="发布你需要的帮忙, 或者看看哪位邻居需要搭把手。完成互助可以获得积分。",
    )

    # full, with a waitlist: the farm visit (places for residents and their children)
    farm = event(
        6, 6, 5, title="周末农场探访: 清晨采摘", place="东门集合, 大巴前往", capacity=6, max_companions=2,
        signup_deadline=_at(5, 20),
        description="跟着农场凌晨采摘的节奏, 体验从田间到餐桌不到 24 小时。适合亲子参加。",
    )
    for member, companions in zip(residents, (1, 2, 0, 0, 0, 0), strict=False):
        sign_up(farm, member, companions, utcnow())  # 6 places taken, then the waitlist

    # upcoming, with a points cost, for the whole community
    event(
        4, 14, 2, title="周六烘焙分享会", place="社区活动室", capacity=10, max_companions=1, points_cost=10,
        description="新邻居刘女士教大家做全麦面包。材料费用积分抵扣, 取消报名积分退回。",
    )
    # for one building
    building = next((b for b in community.buildings if b.name == "3栋"), community.buildings[0])
    event(
        3, 8, 2, title=f"{building.name}楼道清洁日", place=f"{building.name}楼下", capacity=15,
        max_companions=2, audience=Audience.BUILDING, building_id=building.id,
        description="一起把楼道、单车棚收拾干净, 结束后在楼下喝茶聊天。",
    )
    # for a mutual-aid group, when the boards seed made one
    groups = dict((name, gid) for gid, name in groups_of_community(community.id))
    if "老人照护群" in groups:
        event(
            8, 10, 3, title="陪老人包饺子", place="社区食堂", capacity=20, max_companions=1,
            audience=Audience.GROUP, group_id=groups["老人照护群"],
            description="老人照护群的活动: 和独居老人一起包饺子、聊聊天。",
        )
    db.session.flush()
