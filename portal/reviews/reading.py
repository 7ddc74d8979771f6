"""Reading reviews: a trust archive (a product's across all its buys and batches, or a buy's own
when it names no batch), its rating distribution, "已提货 N 户", and the leader's ratings.

Every aggregate here counts visible reviews only and is one query whatever the number of rows;
lists are paged (core/paging) or bounded.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.community.models import Membership
from portal.core.db import db
from portal.core.paging import Page, page_of
from portal.groupbuy.models import GroupBuy, Order, OrderStatus
from portal.moderation.models import ContentStatus
from portal.moderation.services import visible_clause
from portal.reviews.models import Review
from portal.trace.models import Batch, Product

REVIEWS_PAGE = 10
SORTS = ("newest", "helpful")


@dataclass(frozen=True)
class Archive:
    """What a trust archive gathers: one product's reviews, or one batch-less buy's."""

    community_id: int
    product: Product | None = None
    buy: GroupBuy | None = None

    @property
    def title(self) -> str:
        return self.product.name if self.product is not None else self.buy.title

    def clause(self):
        if self.product is not None:
            return Review.product_id == self.product.id
        return Review.buy_id == self.buy.id

    def collected_orders(self):
        """SQL condition on Order (joined with GroupBuy): the collected orders of what it gathers."""
        collected = Order.status == OrderStatus.COLLECTED
        if self.product is not None:
            batches = sa.select(Batch.id).where(Batch.product_id == self.product.id)
            return sa.and_(collected, GroupBuy.batch_id.in_(batches))
        return sa.and_(collected, Order.buy_id == self.buy.id)


def archive_of_buy(buy: GroupBuy) -> Archive:
    """The archive a buy's reviews belong to: its batch's product, else the buy itself."""
    if buy.batch_id is not None:
        product = db.session.scalar(
            sa.select(Product).join(Batch, Batch.product_id == Product.id).where(Batch.id == buy.batch_id)
        )
        if product is not None:
            return Archive(buy.community_id, product=product)
    return Archive(buy.community_id, buy=buy)


@dataclass(frozen=True)
class Stats:
    counts: dict  # stars (5 … 1) → number of visible reviews
    households: int  # "已提货 N 户": distinct households with a collected order

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        return sum(s * n for s, n in self.counts.items()) / self.total if self.total else None

    def share(self, stars: int) -> int:
        """Percent of the reviews that gave `stars` (for the distribution's bars)."""
        return round(self.counts[stars] * 100 / self.total) if self.total else 0


def distribution(archive: Archive) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Review.stars, sa.func.count())
        .where(
            archive.clause(),
            Review.community_id == archive.community_id,
            Review.status == ContentStatus.VISIBLE,
        )
        .group_by(Review.stars)
    ).all()
    counts = dict.fromkeys(range(5, 0, -1), 0)
    counts.update({stars: n for stars, n in rows if stars in counts})
    return counts


def households(archive: Archive) -> int:
    """Distinct households (units) with a collected order of what the archive gathers; a member
    with no unit on record counts as a household of their own."""
    without_unit = sa.case((Membership.unit_id.is_(None), Order.user_id))
    return int(
        db.session.scalar(
            sa.select(
                sa.func.count(sa.distinct(Membership.unit_id)) + sa.func.count(sa.distinct(without_unit))
            )
            .select_from(Order)
            .join(GroupBuy, GroupBuy.id == Order.buy_id)
            .join(
                Membership,
                sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
            )
            .where(Order.community_id == archive.community_id, archive.collected_orders())
        )
        or 0
    )


def stats(archive: Archive) -> Stats:
    return Stats(distribution(archive), households(archive))


def reviews_page(viewer: Membership | None, archive: Archive, sort: str = "newest", page: int = 1) -> Page:
    """A page of the archive's reviews the viewer may see, newest or most helpful first."""
    order = (
        (Review.helpful_count.desc(), Review.created_at.desc(), Review.id.desc())
        if sort == "helpful"
        else (Review.created_at.desc(), Review.id.desc())
    )
    return page_of(
        sa.select(Review)
        .where(archive.clause(), Review.community_id == archive.community_id, visible_clause(Review, viewer))
        .options(selectinload(Review.photos))
        .order_by(*order),
        page,
        REVIEWS_PAGE,
    )


def newest(archive: Archive, limit: int = 3) -> list[Review]:
    """The newest visible reviews (for the summaries on the buy and trace pages)."""
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(
                archive.clause(),
                Review.community_id == archive.community_id,
                Review.status == ContentStatus.VISIBLE,
            )
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Rating:
    """One of a leader's products (or batch-less buys) with its reviews' average and count."""

    title: str
    count: int
    average: float
    product_id: int | None
    buy_id: int | None


def leader_ratings(leader_id: int, community_id: int, limit: int = 5) -> list[Rating]:
    """The ratings of what the leader sold, most reviewed first: one grouped query, `limit` rows."""
    lone_buy = sa.case((Review.product_id.is_(None), Review.buy_id))
    rows = db.session.execute(
        sa.select(
            Review.product_id,
            lone_buy.label("lone_buy_id"),
            sa.func.max(sa.func.coalesce(Product.name, GroupBuy.title)).label("title"),
            sa.func.count(Review.id).label("n"),
            sa.func.avg(Review.stars).label("average"),
        )
        .join(GroupBuy, GroupBuy.id == Review.buy_id)
        .outerjoin(Product, Product.id == Review.product_id)
        .where(
            GroupBuy.leader_id == leader_id,
            Review.community_id == community_id,
            Review.status == ContentStatus.VISIBLE,
        )
        .group_by(Review.product_id, lone_buy)
        .order_by(sa.desc("n"), sa.desc("average"), sa.desc("title"))
        .limit(limit)
    ).all()
    return [Rating(r.title, r.n, float(r.average), r.product_id, r.lone_buy_id) for r in rows]
