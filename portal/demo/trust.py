"""Demo trust loop: a review of a collected order, a problem reported with another and the
leader's offer, and wishes in the demand pool with their neighbours' +1s."""

import sqlalchemy as sa

from portal.aftersales.services import make_offer, report
from portal.community.models import Membership
from portal.core.db import db
from portal.demand.models import Wish
from portal.demand.services import WishInput, plus_one, post_wish
from portal.demo.groupbuy import CHEN, LEADER, LIU, WANG, ZHANG, ZHOU, _picture
from portal.groupbuy.models import GroupBuy, Order, OrderStatus
from portal.reviews.services import write_review

WISHES = [
    (
        "东北五常大米 10 斤",
        "local",
        7000,
        "袋",
        "去年团过一次，口感很好，想再来一次",
        ZHANG,
        2,
        ((WANG, 1), (LIU, 2), (CHEN, 1)),
    ),
    (
        "宝宝辅食米粉（有机）",
        "daily",
        5000,
        "罐",
        "孩子 8 个月了，想找靠谱的牌子一起团",
        LIU,
        2,
        ((ZHOU, 1),),
    ),
    ("新疆阿克苏冰糖心苹果", "fresh", 6000, "箱", "", WANG, 1, ((ZHANG, 1), (CHEN, 2), (ZHOU, 1))),
]


def _member(community, people, phone) -> Membership:
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == people[phone].id
        )
    )


def seed(community, people: dict) -> None:
    if db.session.scalar(sa.select(Wish.id).where(Wish.community_id == community.id)):
        return
    veg = db.session.scalar(
        sa.select(GroupBuy).where(GroupBuy.community_id == community.id, GroupBuy.title.like("有机蔬菜箱%"))
    )
    collected = {
        order.user_id: order
        for order in db.session.scalars(
            sa.select(Order).where(Order.buy_id == veg.id, Order.status == OrderStatus.COLLECTED)
        )
    }
    zhang, chen = people[ZHANG], people[CHEN]
    if zhang.id in collected:
        write_review(
            _member(community, people, ZHANG), collected[zhang.id], 5, "菜很新鲜，叶子上还有露水，孩子爱吃。"
        )
    if chen.id in collected:
        case = report(
            collected[chen.id],
            chen,
            reason="damaged",
            quantity=1,
            note="箱子压扁了，两颗西红柿破了。",
            photos=[_picture("veg")],
        )
        make_offer(
            case, people[LEADER], "refund", cents=800, note="不好意思，先给您退 8 元，已跟农场反馈包装。"
        )
    for title, category, price, unit, note, author, quantity, votes in WISHES:
        wish = post_wish(
            _member(community, people, author),
            WishInput(
                title=title, category=category, price_cents=price, unit=unit, note=note, quantity=quantity
            ),
        )
        for phone, amount in votes:
            plus_one(_member(community, people, phone), wish, amount)
    db.session.flush()
