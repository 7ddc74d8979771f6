"""The leader's workbench: the numbers of my buys, a buy's orders with who placed them, the
pick lists, and the CSV of a buy's orders."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy.orm import selectinload

from portal.community.models import Building, Membership, Unit
from portal.core.db import db, utcnow
from portal.core.paging import Page, page_of
from portal.core.people import Duty, staff_views
from portal.groupbuy.models import ACTIVE_ORDER, ORDER_STATUS_LABELS, BuyStatus, GroupBuy, Order, OrderStatus
from portal.groupbuy.services.reading import commission_at, commission_cents, join_placer, orders_with_members
from portal.pickup.models import PickupPoint

COUNTED = (OrderStatus.CONFIRMED, OrderStatus.READY, OrderStatus.COLLECTED, OrderStatus.UNCLAIMED)
DECIDED = (BuyStatus.SUCCEEDED, BuyStatus.ARRIVED, BuyStatus.FAILED)
TO_SETTLE = (*ACTIVE_ORDER, OrderStatus.UNCLAIMED)  # what the leader hands out or settles
HANDED_OUT = (BuyStatus.SUCCEEDED, BuyStatus.ARRIVED)  # buys whose goods are being handed out
WORKBENCH_PAGE = 20  # buys per page of the workbench
ORDERS_PAGE = 30  # orders per page of a buy's orders
PICK_PAGE = 60  # rows per page of a pick list
PICK_GRACE = timedelta(days=3)  # all buys' pick list: pickup windows that ended at most 3 days ago
RECENT_DAYS = 30  # the workbench's totals: buys with a deadline in the last 30 days


def goods_cents(buy_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """buy id → (units, value in fen, paid value in fen) of its counted orders."""
    rows = db.session.execute(
        sa.select(
            Order.buy_id,
            sa.func.coalesce(sa.func.sum(Order.quantity), 0),
            sa.func.coalesce(sa.func.sum(Order.quantity * Order.unit_price_cents), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((Order.paid_at.is_not(None), Order.quantity * Order.unit_price_cents), else_=0)
                ),
                0,
            ),
        )
        .where(Order.buy_id.in_(buy_ids or [0]), Order.status.in_(COUNTED))
        .group_by(Order.buy_id)
    ).all()
    return {buy_id: (int(units), int(value), int(paid)) for buy_id, units, value, paid in rows}


@dataclass
class BuyNumbers:
    buy: GroupBuy
    units: int
    value: int  # fen
    paid: int  # fen
    commission: int  # fen


@dataclass
class Workbench:
    rows: Page  # a page of my buys, latest first, with their numbers
    totals: dict[str, int]  # of my buys with a deadline in the last RECENT_DAYS days
    counts: dict[str, int]  # my buys per status
    success_rate: int | None  # % of decided buys that succeeded; None before any was decided


def _recent_totals(community_id: int, leader_id: int, since) -> dict[str, int]:
    """Goods, paid and commission (rounded per buy) of my buys whose deadline is after `since`:
    their ids first, so that the orders are read by buy (an index), never all of them."""
    buys = db.session.execute(
        sa.select(GroupBuy.id, GroupBuy.commission_bp).where(
            GroupBuy.community_id == community_id, GroupBuy.leader_id == leader_id, GroupBuy.deadline >= since
        )
    ).all()
    goods = goods_cents([buy_id for buy_id, _bp in buys])
    totals = {"value": 0, "paid": 0, "commission": 0}
    for buy_id, bp in buys:
        _units, value, paid = goods.get(buy_id, (0, 0, 0))
        totals["value"] += value
        totals["paid"] += paid
        totals["commission"] += commission_at(value, bp)
    return totals


def leader_workbench(community_id: int, leader_id: int, page: int = 1) -> Workbench:
    """A page of a leader's latest buys with their numbers, the totals of the last 30 days and
    the success rate (成团率) of all their decided buys."""
    mine = (GroupBuy.community_id == community_id, GroupBuy.leader_id == leader_id)
    buys = page_of(
        sa.select(GroupBuy).where(*mine).order_by(GroupBuy.created_at.desc(), GroupBuy.id.desc()),
        page,
        WORKBENCH_PAGE,
    )
    goods = goods_cents([b.id for b in buys])
    rows = []
    for buy in buys:
        units, value, paid = goods.get(buy.id, (0, 0, 0))
        rows.append(BuyNumbers(buy, units, value, paid, commission_cents(buy, value)))
    per_status = dict(
        db.session.execute(
            sa.select(GroupBuy.status, sa.func.count()).where(*mine).group_by(GroupBuy.status)
        ).all()
    )
    counts = {status: per_status.get(status, 0) for status in BuyStatus}
    decided = sum(counts[s] for s in DECIDED)
    success_rate = round(100 * (decided - counts[BuyStatus.FAILED]) / decided) if decided else None
    totals = _recent_totals(community_id, leader_id, utcnow() - timedelta(days=RECENT_DAYS))
    return Workbench(Page(rows, buys.number, buys.more), totals, counts, success_rate)


def buy_numbers(buy: GroupBuy) -> BuyNumbers:
    units, value, paid = goods_cents([buy.id]).get(buy.id, (0, 0, 0))
    return BuyNumbers(buy, units, value, paid, commission_cents(buy, value))


def buy_orders(buy: GroupBuy, page: int = 1) -> Page:
    """A page of the orders the leader's page of a buy lists: who joined while it is open (in
    the order they joined), then its orders to hand out or settle (by reference)."""
    if buy.status == BuyStatus.OPEN:
        return orders_with_members(buy, ACTIVE_ORDER, Order.created_at, page, ORDERS_PAGE)
    return orders_with_members(buy, TO_SETTLE, Order.reference, page, ORDERS_PAGE)


def leads_handed_out_buy(community_id: int, leader_id: int, buy_id: int) -> bool:
    """Whether this is one of the leader's buys whose goods are being handed out."""
    return (
        db.session.scalar(
            sa.select(GroupBuy.id).where(
                GroupBuy.id == buy_id,
                GroupBuy.community_id == community_id,
                GroupBuy.leader_id == leader_id,
                GroupBuy.status.in_(HANDED_OUT),
            )
        )
        is not None
    )


PICK_GROUPINGS = ("point", "building")  # what a pick list is grouped by


@dataclass
class PickGroup:
    key: object  # the PickupPoint, or the Building (None: orders of people without one)
    rows: list  # [(order, membership)] of this page, in pick order
    totals: list  # [(product, quantity, unit)] of the group, for the buys on this page


@dataclass
class PickList:
    by: str  # "point" or "building"
    groups: list[PickGroup]
    page: Page


def pick_list(
    community_id: int,
    leader_id: int,
    buy_id: int | None,
    point_id: int | None,
    page: int = 1,
    building_id: int | None = None,
    by: str = "point",
) -> PickList:
    """A page of the orders to hand out of one of the leader's buys, or of all those whose pickup
    window is open, to come or ended less than PICK_GRACE ago, at one pickup point and of one
    building if asked; grouped per pickup point (then product → building → unit → reference)
    or per building in the community's order (then unit → pickup point → product →
    reference), sorted so in SQL, with each product's total in each group."""
    wanted = (OrderStatus.CONFIRMED, OrderStatus.READY)
    where = [
        GroupBuy.community_id == community_id,
        GroupBuy.leader_id == leader_id,
        GroupBuy.status.in_(HANDED_OUT),
        Order.status.in_(wanted),
    ]
    if buy_id:
        where.append(GroupBuy.id == buy_id)
    else:  # all buys: those handed out now, not every old buy of the leader's history
        where.append(GroupBuy.pickup_until >= utcnow() - PICK_GRACE)
    chosen = []  # the point and building asked for, also for the totals
    if point_id:
        chosen.append(Order.pickup_point_id == point_id)
    if building_id:
        chosen.append(Membership.building_id == building_id)
    last = 1 << 30
    building_order = (
        sa.func.coalesce(Building.sort_key, last),
        sa.func.coalesce(Building.name, ""),
        sa.func.coalesce(Building.id, last),
    )
    unit_order = (sa.func.coalesce(Unit.sort_key, last), sa.func.coalesce(Unit.name, ""))
    point_order = (PickupPoint.name, PickupPoint.id)
    product_order = (GroupBuy.title, GroupBuy.id)
    if by == "building":
        ordering = (*building_order, *unit_order, *point_order, *product_order)
    else:
        ordering = (*point_order, *product_order, *building_order, *unit_order)
    query = (
        join_placer(
            sa.select(Order, Membership)
            .join(GroupBuy, GroupBuy.id == Order.buy_id)
            .join(PickupPoint, PickupPoint.id == Order.pickup_point_id),
            places=True,
        )
        .where(*where, *chosen)
        .options(
            selectinload(Order.user),
            selectinload(Order.pickup_point),
            selectinload(Order.buy),
            selectinload(Membership.building),
            selectinload(Membership.unit),
        )
        .order_by(*ordering, Order.reference)
    )
    found = page_of(query, page, PICK_PAGE, rows=True)
    groups: dict = {}
    for order, membership in found:
        key = order.pickup_point if by != "building" else (membership.building if membership else None)
        groups.setdefault(key, []).append((order, membership))
    totals = _pick_totals({order.buy_id: order.buy for order, _m in found}, wanted, chosen, by)
    return PickList(
        by,
        [PickGroup(key, rows, totals.get(key.id if key else None, [])) for key, rows in groups.items()],
        found,
    )


def _pick_totals(buys: dict, wanted, chosen: list, by: str) -> dict:
    """Group key id (the point's, the building's; None: no building) → sorted (product,
    quantity, unit) of these buys' orders to hand out, within the chosen point and building."""
    if not buys:
        return {}
    group = Order.pickup_point_id if by != "building" else Membership.building_id
    sums = join_placer(sa.select(group, Order.buy_id, sa.func.sum(Order.quantity))).where(
        Order.buy_id.in_(list(buys)), Order.status.in_(wanted), *chosen
    )
    totals: dict = {}
    for key, buy, quantity in db.session.execute(sums.group_by(group, Order.buy_id)):
        totals.setdefault(key, []).append((buys[buy].title, int(quantity), buys[buy].unit))
    for items in totals.values():
        items.sort()
    return totals


def orders_csv(buy: GroupBuy, viewer: Membership) -> tuple[list[str], list[list]]:
    """The header and rows of a buy's orders for the supplier and the books, people as the
    leader's policy shows them (name as neighbours see it or masked, phone masked).

    One query of plain columns and one of who placed them, whatever the number of orders."""
    header = [
        _("Reference"),
        _("Product"),
        _("Quantity"),
        _("Unit"),
        _("Unit price"),
        _("Total"),
        _("Status"),
        _("Paid"),
        _("Pickup point"),
        _("Building"),
        _("Unit / entrance"),
        pgettext("person", "Name"),
        _("Mobile"),
        pgettext("group buy", "Note"),
        _("Collected at"),
    ]
    query = (
        sa.select(
            Order.reference,
            Order.quantity,
            Order.unit_price_cents,
            Order.status,
            Order.paid_at,
            PickupPoint.name.label("point"),
            Building.name.label("building"),
            Unit.name.label("unit"),
            Order.user_id,
            Order.note,
            Order.collected_at,
        )
        .join(PickupPoint, PickupPoint.id == Order.pickup_point_id)
    )
    query = (
        join_placer(query, places=True)
        .where(Order.buy_id == buy.id, Order.status.in_(TO_SETTLE))
        .order_by(Order.reference, Order.id)
    )
    yes, no = _("yes"), _("no")
    labels = {status: str(label) for status, label in ORDER_STATUS_LABELS.items()}
    found = db.session.execute(query).all()
    people = staff_views(Duty.LEADER, viewer, [row.user_id for row in found])
    rows = [
        [
            row.reference,
            buy.title,
            row.quantity,
            buy.unit,
            f"{row.unit_price_cents / 100:.2f}",
            f"{row.quantity * row.unit_price_cents / 100:.2f}",
            labels[OrderStatus(row.status)],
            yes if row.paid_at else no,
            row.point,
            row.building or "",
            row.unit or "",
            people[row.user_id].name,
            people[row.user_id].phone,
            row.note,
            row.collected_at,
        ]
        for row in found
    ]
    return header, rows
