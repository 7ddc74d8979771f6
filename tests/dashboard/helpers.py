"""Builders for the dashboard's tests: rows written directly with the times a test names (on the
community's wall clock), so that every figure has an answer worked out by hand."""

import itertools
from datetime import UTC, date, datetime, timedelta

from portal.aftersales.models import Case, Resolution
from portal.boards.models import HelpNeed, NeedState, Post
from portal.community.models import Membership, MembershipStatus, Role
from portal.core import localtime
from portal.core.db import db
from portal.events.models import Event, Signup
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.moderation.models import ContentStatus
from portal.reviews.models import Review
from portal.surveys.models import NpsOffer
from portal.trace.models import Batch, Product, Supplier, TraceView
from tests.groupbuy.helpers import make_point

_refs = itertools.count(1)

NOVEMBER = (date(2026, 11, 1), date(2026, 12, 1))
OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


def at(day: date, hour: float = 12) -> datetime:
    """A moment on the community's wall clock, as aware UTC."""
    wall = datetime(day.year, day.month, day.day, tzinfo=localtime.zone()) + timedelta(hours=hour)
    return wall.astimezone(UTC)


class Builder:
    """One community's hand-built world (make: the tests' Factory)."""

    def __init__(self, make, name: str | None = None, buildings: str = "1栋: 1单元, 2单元\n2栋: 1单元"):
        self.make = make
        self.community = make.community(name, buildings=buildings)
        self.units = [unit for building in self.community.buildings for unit in building.units]
        self.point = make_point(self.community)
        self.leader = self.member(0, roles=Role.RESIDENT | Role.LEADER)

    # people ---------------------------------------------------------------------------------

    def member(
        self, unit_index: int = 0, roles: Role = Role.RESIDENT, joined: datetime | None = None, **fields
    ):
        unit = self.units[unit_index]
        membership = Membership(
            user_id=self.make.user().id,
            community_id=self.community.id,
            roles=roles,
            status=fields.pop("status", MembershipStatus.ACTIVE),
            building_id=unit.building_id,
            unit_id=unit.id,
            created_at=joined or at(date(2026, 1, 1)),
            decided_at=fields.pop("decided_at", joined or at(date(2026, 1, 1))),
            **fields,
        )
        db.session.add(membership)
        db.session.flush()
        return membership

    # group buys -------------------------------------------------------------------------------

    def buy(self, status=BuyStatus.ARRIVED, closed=None, leader=None, batch=None) -> GroupBuy:
        moment = closed or at(date(2026, 11, 2))
        buy = GroupBuy(
            community_id=self.community.id,
            leader_id=(leader or self.leader).user_id,
            title="阳山水蜜桃",
            unit="斤",
            unit_price_cents=1280,
            min_quantity=1,
            deadline=moment,
            pickup_from=moment,
            pickup_until=moment + timedelta(days=2),
            status=status,
            closed_at=None if status in (BuyStatus.OPEN, BuyStatus.CANCELLED) else moment,
            batch_id=batch.id if batch else None,
            created_at=moment - timedelta(days=3),
        )
        db.session.add(buy)
        db.session.flush()
        return buy

    def order(self, buy, member, placed, status=OrderStatus.CONFIRMED, ready=None, collected=None) -> Order:
        order = Order(
            buy_id=buy.id,
            user_id=member.user_id,
            community_id=self.community.id,
            reference=f"T{next(_refs):06d}",
            quantity=1,
            pickup_point_id=self.point.id,
            status=OrderStatus.COLLECTED if collected else status,
            unit_price_cents=1280,
            code_issued_at=ready,
            collected_at=collected,
            created_at=placed,
            updated_at=placed,
        )
        db.session.add(order)
        db.session.flush()
        return order

    def case(self, order, reported, resolved=None) -> Case:
        case = Case(
            community_id=self.community.id,
            order_id=order.id,
            buy_id=order.buy_id,
            user_id=order.user_id,
            leader_id=db.session.get(GroupBuy, order.buy_id).leader_id,
            reason="damaged",
            quantity=1,
            resolution=Resolution.ACCEPTED if resolved else Resolution.REPORTED,
            created_at=reported,
            resolved_at=resolved,
        )
        db.session.add(case)
        db.session.flush()
        return case

    def review(self, order, stars, published, status=ContentStatus.VISIBLE) -> Review:
        review = Review(
            order_id=order.id,
            author_id=order.user_id,
            community_id=self.community.id,
            buy_id=order.buy_id,
            stars=stars,
            status=status,
            created_at=published,
            published_at=published,
        )
        db.session.add(review)
        db.session.flush()
        return review

    # trace ----------------------------------------------------------------------------------

    def batch(self) -> Batch:
        supplier = Supplier(community_id=self.community.id, name=f"阳山果园{next(_refs)}")
        db.session.add(supplier)
        db.session.flush()
        product = Product(
            community_id=self.community.id,
            supplier_id=supplier.id,
            name="水蜜桃",
            gtin=f"069{next(_refs):011d}",
        )
        db.session.add(product)
        db.session.flush()
        batch = Batch(community_id=self.community.id, product_id=product.id, lot=f"L{next(_refs)}")
        db.session.add(batch)
        db.session.flush()
        return batch

    def views(self, batch, day: date, views: int) -> None:
        db.session.add(TraceView(batch_id=batch.id, community_id=self.community.id, day=day, views=views))
        db.session.flush()

    # boards, events, surveys ------------------------------------------------------------------

    def help_need(self, member, completed=None, state=NeedState.COMPLETED) -> HelpNeed:
        need = HelpNeed(
            community_id=self.community.id,
            author_id=member.user_id,
            what="帮忙搬桌子",
            needed_on=date(2026, 11, 5),
            state=state,
            completed_at=completed,
        )
        db.session.add(need)
        db.session.flush()
        return need

    def post(self, member, written) -> Post:
        post = Post(
            community_id=self.community.id,
            author_id=member.user_id,
            board="chat",
            body="你好",
            created_at=written,
        )
        db.session.add(post)
        db.session.flush()
        return post

    def event(self, starts, cancelled=False) -> Event:
        event = Event(
            community_id=self.community.id,
            title="社区读书会",
            place="活动室",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=50,
            status="cancelled" if cancelled else "open",
        )
        db.session.add(event)
        db.session.flush()
        return event

    def signup(self, event, member, status="confirmed", checked_in=False, signed=None) -> Signup:
        signup = Signup(
            event_id=event.id,
            community_id=self.community.id,
            user_id=member.user_id,
            status=status,
            created_at=signed or event.starts_at - timedelta(days=2),
            checked_in_at=event.starts_at if checked_in else None,
        )
        db.session.add(signup)
        db.session.flush()
        return signup

    def nps(self, member, score, answered) -> NpsOffer:
        offer = NpsOffer(
            community_id=self.community.id,
            user_id=member.user_id,
            trigger="order",
            trigger_id=1,
            offered_at=answered - timedelta(minutes=5),
            answered_at=answered if score is not None else None,
            score=score,
        )
        db.session.add(offer)
        db.session.flush()
        return offer
