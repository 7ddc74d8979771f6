"""What the buy pages read: the listing, who joined, my order, the leader's commission."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.community.models import Building, Membership, Unit
from portal.core.db import db, utcnow
from portal.core.paging import Page, page_from, page_number, page_of
from portal.groupbuy.models import (
    ACTIVE_ORDER,
    BuyPhoto,
    BuyStatus,
    Category,
    GroupBuy,
    Order,
    OrderStatus,
    WaitlistEntry,
    WaitStatus,
)

CLOSING_SOON = timedelta(hours=24)



CARD_COLUMNS = (
    GroupBuy.id,
    GroupBuy.title,
    GroupBuy.category,
    GroupBuy.unit,
    GroupBuy.unit_price_cents,
    GroupBuy.reference_price_cents,
    GroupBuy.min_quantity,
    GroupBuy.stock_cap,
    GroupBuy.quantity_total,
    GroupBuy.participant_count,
    GroupBuy.status,
    GroupBuy.deadline,
    GroupBuy.pickup_from,
    GroupBuy.leader_id,
)


_LISTING_QUERIES: dict = {}


def _listing_query(view: str, with_category: bool):
    """The listing's statement for a view, built once; values come as bind parameters."""
    key = (view, with_category)
    if key in _LISTING_QUERIES:
        return _LISTING_QUERIES[key]
    photo = (
        sa.select(BuyPhoto.path)
        .where(BuyPhoto.buy_id == GroupBuy.id)
        .order_by(BuyPhoto.position)
        .limit(1)
        .correlate(GroupBuy)
        .scalar_subquery()
        .label("photo")
    )
    mine = (
        sa.select(Order.quantity)
        .where(
            Order.buy_id == GroupBuy.id,
            Order.user_id == sa.bindparam("user_id"),
            Order.status.in_([s.value for s in ACTIVE_ORDER]),
        )
        .correlate(GroupBuy)
        .scalar_subquery()
        .label("mine")
    )
    now = sa.bindparam("now", type_=GroupBuy.deadline.type)
    query = sa.select(*CARD_COLUMNS, photo, mine).where(GroupBuy.community_id == sa.bindparam("community_id"))
    if with_category:
        query = query.where(GroupBuy.category == sa.bindparam("category"))
    if view == "closing":
        query = query.where(
            GroupBuy.status == BuyStatus.OPEN,
            GroupBuy.deadline > now,
            GroupBuy.deadline <= sa.bindparam("soon", type_=GroupBuy.deadline.type),
        ).order_by(GroupBuy.deadline)
    elif view == "mine":
        ordered = sa.select(Order.buy_id).where(
            Order.user_id == sa.bindparam("user_id"), Order.status.in_([s.value for s in ACTIVE_ORDER])
        )
        waiting = sa.select(WaitlistEntry.buy_id).where(
            WaitlistEntry.user_id == sa.bindparam("user_id"), WaitlistEntry.status == WaitStatus.WAITING
        )
        query = query.where(
            sa.or_(
                GroupBuy.id.in_(ordered),
                GroupBuy.id.in_(waiting),
                GroupBuy.leader_id == sa.bindparam("user_id"),
            )
        ).order_by(GroupBuy.deadline.desc())
    elif view == "new":
        query = query.where(
            GroupBuy.status == BuyStatus.OPEN,
            GroupBuy.deadline > now,
            GroupBuy.created_at >= sa.bindparam("since", type_=GroupBuy.created_at.type),
        ).order_by(GroupBuy.created_at.desc(), GroupBuy.id.desc())
    elif view == "ended":
        query = query.where(GroupBuy.status != BuyStatus.OPEN).order_by(GroupBuy.deadline.desc())
    elif view == "card":
        query = query.where(GroupBuy.id == sa.bindparam("buy_id"))
    else:
        query = query.where(GroupBuy.status == BuyStatus.OPEN).order_by(GroupBuy.deadline)
    _LISTING_QUERIES[key] = query.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    return _LISTING_QUERIES[key]


LISTING_PAGE = 50


def listing(community_id: int, user_id: int, view: str = "open", category: str = "", page: int = 1) -> Page:
    """A page of rows for the listing: open (by deadline), closing soon, mine, or ended.

    One query, plain rows (no ORM objects): the columns a card shows, the first photo's path
    and my quantity (`mine`, None if I have not joined) — the page is the busiest one.
    """
    now = utcnow()
    with_category = category in set(Category)
    page = page_number(page)
    params = {
        "community_id": community_id,
        "user_id": user_id,
        "now": now,
        "soon": now + CLOSING_SOON,
        "limit": LISTING_PAGE + 1,
        "offset": (page - 1) * LISTING_PAGE,
    }
    if with_category:
        params["category"] = category
    rows = db.session.execute(_listing_query(view, with_category), params).all()
    return page_from(rows, page, LISTING_PAGE)


def listing_card(community_id: int, user_id: int, buy_id: int):
    """One buy's listing row (the card refetched after a push), None if not in the community."""
    params = {"community_id": community_id, "user_id": user_id, "buy_id": buy_id, "limit": 1, "offset": 0}
    return db.session.execute(_listing_query("card", False), params).first()


NEW_BUYS = timedelta(days=7)


def home_buys(community_id: int, user_id: int, limit: int) -> tuple[list, list]:
    """For the community home: the open buys closing first and the newest of the last week
    (those not among the first), `limit` rows each, as the listing's rows."""
    now = utcnow()
    params = {"community_id": community_id, "user_id": user_id, "now": now, "offset": 0}
    closing = db.session.execute(_listing_query("open", False), {**params, "limit": limit}).all()
    shown = {row.id for row in closing}
    newest = db.session.execute(
        _listing_query("new", False), {**params, "since": now - NEW_BUYS, "limit": limit + len(shown)}
    ).all()
    return closing, [row for row in newest if row.id not in shown][:limit]


def my_quantities(user_id: int) -> dict[int, int]:
    """buy id → quantity of my active order there."""
    rows = db.session.execute(
        sa.select(Order.buy_id, Order.quantity).where(
            Order.user_id == user_id, Order.status.in_(ACTIVE_ORDER)
        )
    )
    return dict(rows.all())


def join_placer(query, places: bool = False):
    """The query (of orders) joined, outer, with the membership of whoever placed each order,
    and with `places` its building and unit."""
    query = query.outerjoin(
        Membership,
        sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
    )
    if places:
        query = query.outerjoin(Building, Building.id == Membership.building_id).outerjoin(
            Unit, Unit.id == Membership.unit_id
        )
    return query


def orders_with_members(buy: GroupBuy, statuses, order_by, page: int = 1, per_page: int = 50) -> Page:
    """A page of a buy's orders in these statuses with who placed them (their membership:
    building, unit)."""
    return page_of(
        join_placer(sa.select(Order, Membership))
        .where(Order.buy_id == buy.id, Order.status.in_(statuses))
        .options(
            selectinload(Order.user),
            selectinload(Order.pickup_point),
            selectinload(Membership.building),
            selectinload(Membership.unit),
        )
        .order_by(order_by, Order.id),
        page,
        per_page,
        rows=True,
    )


def participant_rows(buy: GroupBuy, page: int = 1) -> Page:
    """A page of who joined, for the buy's page, in one query: name, building (if they show
    it), quantity, note; in the order they joined."""
    query = (
        sa.select(
            Order.user_id,
            Order.quantity,
            Order.note,
            Order.show_building,
            User.display_name,
            Building.name.label("building"),
        )
        .join(User, User.id == Order.user_id)
    )
    query = (
        join_placer(query, places=True)
        # a deleted account has left the list (its orders stay in the leader's accounts)
        .where(Order.buy_id == buy.id, Order.status.in_(ACTIVE_ORDER), User.deleted_at.is_(None))
        .order_by(Order.created_at, Order.id)
    )
    return page_of(query, page, MY_ORDERS, rows=True)


def waitlist_entry(buy: GroupBuy, user_id: int) -> WaitlistEntry | None:
    return db.session.scalar(
        sa.select(WaitlistEntry).where(
            WaitlistEntry.buy_id == buy.id,
            WaitlistEntry.user_id == user_id,
            WaitlistEntry.status == WaitStatus.WAITING,
        )
    )


def my_order(buy: GroupBuy, user_id: int) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.buy_id == buy.id, Order.user_id == user_id))




def commission_at(goods_cents: int, commission_bp: int) -> int:
    """A commission in fen, rounded half up (¥179.70 at 8 % → ¥14.38)."""
    return (goods_cents * commission_bp + 5000) // 10000


def commission_cents(buy: GroupBuy, goods_cents: int) -> int:
    """The leader's commission on a buy in fen."""
    return commission_at(goods_cents, buy.commission_bp)


MY_ORDERS = 20  # a page of my orders, of those I collect for neighbours, of who joined a buy


def my_orders(user_id: int, community_id: int, page: int = 1, others_page: int = 1) -> tuple[Page, Page]:
    """A page of my orders (latest first), and of the active orders neighbours asked me to
    collect for them (代取) with who they are."""
    base = (
        sa.select(Order)
        .where(Order.community_id == community_id, Order.status != OrderStatus.CANCELLED)
        .options(selectinload(Order.buy), selectinload(Order.pickup_point))
        .order_by(Order.updated_at.desc(), Order.id.desc())
    )
    mine = page_of(base.where(Order.user_id == user_id), page, MY_ORDERS)
    for_others = page_of(
        base.where(Order.delegate_user_id == user_id, Order.status.in_(ACTIVE_ORDER)).options(
            selectinload(Order.user)
        ),
        others_page,
        MY_ORDERS,
    )
    return mine, for_others


def buy_for_page(buy_id: int) -> GroupBuy | None:
    """The buy with what its page shows (photos, pickup points, leader) loaded at once."""
    return db.session.scalar(
        sa.select(GroupBuy)
        .where(GroupBuy.id == buy_id)
        .options(
            selectinload(GroupBuy.photos), selectinload(GroupBuy.pickup_points), joinedload(GroupBuy.leader)
        )
    )
