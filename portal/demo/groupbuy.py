"""Demo group buys: pickup points and buys in every state (open, closing soon,
full with a waitlist, succeeded, arrived with pickup codes, failed, cancelled), with photos."""

import io
from datetime import UTC, timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.demo import demo_user_ids
from portal.groupbuy.models import GroupBuy
from portal.groupbuy.services.buys import BuyInput, create_buy
from portal.groupbuy.services.closing import cancel_buy, close_buy
from portal.groupbuy.services.fulfilment import delegate_pickup, mark_arrived, set_paid
from portal.groupbuy.services.joining import join_buy, join_waitlist
from portal.groupbuy.services.pickup_codes import mark_collected
from portal.pickup.models import PickupKind, PickupPoint

LEADER, WANG, ZHANG, LIU, CHEN, ZHOU = (
    "13800000002",
    "13800000004",
    "13800000005",
    "13800000006",
    "13800000003",
    "13800000001",
)

POINTS = [
    ("3栋一楼自提点", PickupKind.STATION, "3栋一楼大厅，信箱旁", "每天 08:00–20:00\n周末 09:00–18:00", 6),
    ("3栋 智能柜自提点", PickupKind.LOCKER, "3栋东侧 快递驿站旁", "全天 24 小时", 0),
    ("南门 邻里便利店", PickupKind.SHOP, "南门进门右手边", "每天 07:00–22:00", 0),
    ("团长李姐家", PickupKind.LEADER_HOME, "3栋2单元 102", "工作日 18:00–21:00", 0),
]


def _picture(kind: str) -> FileStorage:
    """A simple drawn product picture (no stock photos in the repository)."""
    palettes = {
        "peach": ((255, 228, 196), (236, 96, 72)),
        "rice": ((240, 232, 210), (196, 160, 90)),
        "egg": ((214, 170, 120), (250, 244, 230)),
        "veg": ((225, 245, 220), (60, 150, 70)),
        "cake": ((255, 245, 225), (230, 170, 60)),
        "cherry": ((255, 235, 238), (170, 20, 50)),
        "crab": ((220, 235, 245), (230, 110, 40)),
        "soap": ((225, 238, 255), (70, 130, 220)),
        "clean": ((235, 245, 250), (60, 160, 190)),
    }
    background, colour = palettes[kind]
    image = Image.new("RGB", (800, 600), background)
    draw = ImageDraw.Draw(image)
    for row in range(2):
        for col in range(4):
            x, y = 90 + col * 170, 150 + row * 190
            if kind in ("egg",):
                draw.ellipse((x, y - 20, x + 110, y + 140), fill=colour, outline=(200, 180, 150), width=4)
            elif kind in ("rice", "soap", "cake"):
                draw.rounded_rectangle((x, y, x + 120, y + 140), radius=22, fill=colour)
            else:
                draw.ellipse((x, y, x + 130, y + 130), fill=colour)
                draw.ellipse((x + 40, y - 18, x + 70, y + 12), fill=(70, 140, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return FileStorage(io.BytesIO(buffer.getvalue()), filename=f"{kind}.jpg", content_type="image/jpeg")


def _points(community) -> dict[str, PickupPoint]:
    existing = {
        p.name: p
        for p in db.session.scalars(sa.select(PickupPoint).where(PickupPoint.community_id == community.id))
    }
    for name, kind, address, hours, slots in POINTS:
        if name not in existing:
            point = PickupPoint(
                community_id=community.id,
                name=name,
                kind=kind,
                address=address,
                opening_hours=hours,
                slot_capacity=slots,
                slot_minutes=30,
            )
            db.session.add(point)
            existing[name] = point
    db.session.flush()
    return existing


def _buy(leader: Membership, points, title, category, unit, price, ref, minimum, hours, **extra) -> GroupBuy:
    now = utcnow()
    deadline = (now + timedelta(hours=max(hours, 1))).replace(minute=0, second=0, microsecond=0)
    # pickup the next afternoon, 15:00 local time (the farm case: picked at dawn, at the point by noon)
    local = localtime.local(deadline) + timedelta(days=1)
    pickup_from = local.replace(hour=15, minute=0).astimezone(UTC)
    picture = extra.pop("picture", None)
    buy = create_buy(
        leader,
        BuyInput(
            title=title,
            category=category,
            unit=unit,
            unit_price_cents=price,
            reference_price_cents=ref,
            min_quantity=minimum,
            deadline=deadline,
            pickup_from=pickup_from,
            pickup_until=pickup_from + timedelta(hours=extra.pop("window", 6)),
            pickup_point_ids=[p.id for p in points],
            commission_bp=extra.pop("commission", 800),
            photos=[_picture(picture)] if picture else [],
            **extra,
        ),
    )
    buy.created_at = now - timedelta(hours=30)
    return buy


def _close(buy: GroupBuy, hours_ago: float) -> None:
    """As if the deadline had passed `hours_ago` hours ago and the sweeper closed the buy."""
    past = (utcnow() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    buy.deadline = past
    buy.pickup_from = past + timedelta(hours=2)
    buy.pickup_until = buy.pickup_from + timedelta(hours=30)
    db.session.flush()
    close_buy(buy.id)


def seed(community, people: dict) -> None:
    """Pickup points and group buys in every state for the demo community (once)."""
    if db.session.scalar(sa.select(GroupBuy.id).where(GroupBuy.community_id == community.id)):
        return
    leader = db.session.scalar(
        sa.select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == people[LEADER].id
        )
    )
    points = _points(community)
    station, locker, shop, home = (points[p[0]] for p in POINTS)
    wang, zhang, liu, chen, zhou = (people[p] for p in (WANG, ZHANG, LIU, CHEN, ZHOU))

    # open: taking orders, with neighbours' notes
    peaches = _buy(
        leader,
        [station, locker],
        "阳山水蜜桃 · 当天现摘 5 斤装",
        "fresh",
        "箱",
        5990,
        7900,
        20,
        30,
        stock_cap=60,
        per_person_limit=5,
        picture="peach",
        description="无锡阳山果园凌晨 4 点采摘，中午分拣，17 点前送到自提点。软桃，收到请冷藏，两天内吃完。",
    )
    join_buy(wang, peaches, 2, "新搬来的，喜欢种花，顺便认识大家", station.id, True)
    join_buy(zhang, peaches, 1, "", station.id, True)
    join_buy(liu, peaches, 3, "给爸妈也带一箱", locker.id)
    join_buy(chen, peaches, 1, "", station.id, True)

    rice = _buy(
        leader,
        [station],
        "崇明新米 10 斤",
        "local",
        "袋",
        6800,
        8800,
        10,
        3,
        picture="rice",
        description="今年新收的崇明大米，真空包装。",
    )
    for user, qty in ((wang, 2), (zhang, 4), (liu, 3), (zhou, 2)):
        join_buy(user, rice, qty, "", None, user is wang)

    cake = _buy(
        leader,
        [station, home],
        "手工桂花糕（邻居阿婆做的）",
        "handmade",
        "盒",
        2500,
        None,
        4,
        20,
        stock_cap=6,
        per_person_limit=3,
        picture="cake",
        description="3栋阿婆手工现做，当天取当天吃。",
    )
    join_buy(wang, cake, 3, "阿婆的手艺太好了", home.id, True)
    join_buy(chen, cake, 3, "", station.id)
    join_waitlist(zhang, cake, 1, "有人退的话我要一盒", station.id)

    _buy(
        leader,
        [shop],
        "空调清洗上门服务",
        "service",
        "台",
        8900,
        12000,
        5,
        72,
        picture="clean",
        description="持证师傅上门，每台约 40 分钟。",
    )

    # succeeded, waiting for the goods (orders at the locker bank wait for the courier's deposit)
    eggs = _buy(
        leader,
        [station, locker],
        "散养土鸡蛋 30 枚",
        "local",
        "盒",
        3990,
        4800,
        3,
        5,
        picture="egg",
        description="溧水山里散养，每周二到货。",
    )
    join_buy(wang, eggs, 1, "", station.id, True)
    join_buy(zhang, eggs, 2, "", locker.id)
    join_buy(liu, eggs, 1, "", locker.id)
    db.session.flush()
    _close(eggs, 2)

    # arrived: pickup codes out; one collected, one collected by a neighbour (代取), one paid
    veg = _buy(
        leader,
        [station],
        "有机蔬菜箱（8 种时令菜）",
        "fresh",
        "箱",
        4800,
        6500,
        3,
        5,
        picture="veg",
        description="江宁有机农场直供，约 6 斤。",
    )
    orders = [join_buy(u, veg, q, "", None, True) for u, q in ((wang, 1), (zhang, 1), (liu, 2), (chen, 1))]
    db.session.flush()
    _close(veg, 20)
    delegate_pickup(orders[2], wang.phone)
    mark_arrived(veg)
    for order in orders[:2]:
        set_paid(order, True)
    mark_collected(orders[1], "code", by_user=people[LEADER])
    mark_collected(orders[3], "qr", by_user=people[LEADER])

    # failed: did not reach the minimum by the deadline
    cherries = _buy(
        leader, [station], "智利车厘子 JJ 级 2 斤", "fresh", "盒", 9900, 13800, 15, 5, picture="cherry"
    )
    join_buy(zhang, cherries, 2, "")
    join_buy(liu, cherries, 1, "")
    db.session.flush()
    _close(cherries, 40)

    # cancelled by the leader, everyone told
    soap = _buy(leader, [shop], "洗衣液 3 瓶装", "daily", "组", 4590, 5990, 10, 24, picture="soap")
    join_buy(chen, soap, 1, "")
    cancel_buy(soap, people[LEADER], "供应商断货，下周再开团")
    db.session.flush()


# what the demo leader's next delivery to the locker bank may be (`make run`: the board keeps moving)
DELIVERIES = [
    ("散养土鸡蛋 30 枚", "local", "盒", 3990, 4800, "egg"),
    ("有机蔬菜箱（8 种时令菜）", "fresh", "箱", 4800, 6500, "veg"),
    ("阳澄湖大闸蟹 4 只装", "fresh", "盒", 16800, 22800, "crab"),
    ("崇明新米 10 斤", "local", "袋", 6800, 8800, "rice"),
]


def deliver_to_locker(point: PickupPoint, rng) -> GroupBuy | None:
    """A small buy of the demo leader that succeeded a moment ago, two to four of the demo's
    neighbours' orders waiting at this locker point for the courier's deposit (the demo driver
    calls it when the lockers run empty). Nobody outside the demo's own people takes part."""
    people = demo_user_ids()
    leader = db.session.scalar(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.community_id == point.community_id,
            Membership.status == MembershipStatus.ACTIVE,
            User.phone == LEADER,
        )
    )
    if leader is None or not leader.has(Role.LEADER):
        return None
    residents = db.session.scalars(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.community_id == point.community_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.roles.op("&")(int(Role.RESIDENT)) != 0,
            Membership.user_id != leader.user_id,
            User.id.in_(people),
            User.is_device.is_(False),
        )
        .order_by(User.id)
    ).all()
    if not residents:
        return None
    title, category, unit, price, reference_price, picture = rng.choice(DELIVERIES)
    buy = _buy(leader, [point], title, category, unit, price, reference_price, 1, 1, picture=picture)
    for user in rng.sample(residents, k=min(len(residents), rng.randint(2, 4))):
        join_buy(user, buy, rng.randint(1, 2), "", point.id)
    db.session.flush()
    _close(buy, 2)
    return buy
