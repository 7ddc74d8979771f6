"""What the after-sales pages read: queues (paged, open first), rates per buy and per supplier
(one aggregate query each), the cases' CSV rows, a supplier's settlement balance."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.aftersales.models import (
    OPEN_RESOLUTIONS,
    Account,
    Case,
    LedgerEntry,
    Resolution,
)
from portal.core.db import db
from portal.core.paging import Page, page_of
from portal.groupbuy.models import GroupBuy, Order, OrderStatus
from portal.trace.models import Batch, Product, Supplier

QUEUE_PAGE = 20
CSV_LIMIT = 5000


def _with_related(query):
    return query.options(selectinload(Case.buy), selectinload(Case.order))


def _open_first(query):
    is_open = sa.case((Case.resolution.in_(OPEN_RESOLUTIONS), 0), else_=1)
    return query.order_by(is_open, Case.created_at.asc(), Case.id.asc())


def queue_of_leader(leader_id: int, community_id: int, page: int = 1, per_page: int = QUEUE_PAGE) -> Page:
    """The leader's cases: open ones first (oldest first: they waited longest), then the rest."""
    query = sa.select(Case).where(Case.leader_id == leader_id, Case.community_id == community_id)
    return page_of(_with_related(_open_first(query)), page, per_page)


def open_count(leader_id: int, community_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Case.leader_id == leader_id,
            Case.community_id == community_id,
            Case.resolution.in_(OPEN_RESOLUTIONS),
        )
    )


def escalated_of(community_id: int, page: int = 1) -> Page:
    """The admins' list: escalated cases, oldest first."""
    query = (
        sa.select(Case)
        .where(Case.community_id == community_id, Case.resolution == Resolution.ESCALATED)
        .order_by(Case.escalated_at.asc(), Case.id.asc())
    )
    return page_of(_with_related(query), page, QUEUE_PAGE)


def cases_of_resident(user_id: int, community_id: int, page: int = 1) -> Page:
    query = (
        sa.select(Case)
        .where(Case.user_id == user_id, Case.community_id == community_id)
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return page_of(_with_related(query), page, QUEUE_PAGE)


def answered_cases_of_resident(user_id: int, community_id: int, limit: int) -> Page:
    """My cases where the leader made an offer that waits for my answer, the oldest first."""
    query = (
        sa.select(Case)
        .where(
            Case.user_id == user_id, Case.community_id == community_id, Case.resolution == Resolution.OFFERED
        )
        .order_by(Case.offered_at.asc(), Case.id.asc())
    )
    return page_of(_with_related(query), 1, limit)


def cases_of_order(order_id: int) -> list[Case]:
    return list(
        db.session.scalars(sa.select(Case).where(Case.order_id == order_id).order_by(Case.id).limit(50))
    )


def ledger_of(case_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.case_id == case_id).order_by(LedgerEntry.id)
        )
    )


def balances_of(case_id: int) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(LedgerEntry.account, sa.func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.case_id == case_id)
        .group_by(LedgerEntry.account)
    ).all()
    found = {account.value: 0 for account in Account}
    found.update({account: int(total or 0) for account, total in rows})
    return found


@dataclass
class Rate:
    key: int | None
    label: str
    collected_orders: int
    cases: int
    resolved: int
    hours_to_resolve: float | None

    @property
    def percent(self) -> float:
        return 100.0 * self.cases / self.collected_orders if self.collected_orders else 0.0


def _resolution_seconds():
    """Seconds from report to resolution, in the database's own date arithmetic."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.func.extract("epoch", Case.resolved_at - Case.created_at)
    return (sa.func.julianday(Case.resolved_at) - sa.func.julianday(Case.created_at)) * 86400.0


def _case_stats(group_column, leader_id: int, community_id: int):
    """{group: (cases, resolved, average seconds)} in one query."""
    resolved = Case.resolution == Resolution.ACCEPTED
    rows = db.session.execute(
        sa.select(
            group_column,
            sa.func.count(Case.id),
            sa.func.sum(sa.case((resolved, 1), else_=0)),
            sa.func.avg(sa.case((resolved, _resolution_seconds()), else_=None)),
        )
        .where(Case.leader_id == leader_id, Case.community_id == community_id)
        .group_by(group_column)
    ).all()
    return {key: (cases, int(done or 0), avg) for key, cases, done, avg in rows}


def rates_per_buy(leader_id: int, community_id: int, limit: int = 50) -> list[Rate]:
    """After-sales rate (cases per collected order) and average resolution time of the leader's
    buys with collected orders, most recent first (bounded)."""
    collected = (
        sa.select(GroupBuy.id, GroupBuy.title, sa.func.count(Order.id))
        .join(Order, sa.and_(Order.buy_id == GroupBuy.id, Order.status == OrderStatus.COLLECTED))
        .where(GroupBuy.leader_id == leader_id, GroupBuy.community_id == community_id)
        .group_by(GroupBuy.id, GroupBuy.title)
        .order_by(GroupBuy.id.desc())
        .limit(limit)
    )
    stats = _case_stats(Case.buy_id, leader_id, community_id)
    return [
        _rate(buy_id, title, count, stats.get(buy_id))
        for buy_id, title, count in db.session.execute(collected)
    ]


def rates_per_supplier(leader_id: int, community_id: int) -> list[Rate]:
    """The same per supplier (of the batches the leader's buys sold)."""
    collected = (
        sa.select(Supplier.id, Supplier.name, sa.func.count(Order.id))
        .select_from(GroupBuy)
        .join(Batch, Batch.id == GroupBuy.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .join(Order, sa.and_(Order.buy_id == GroupBuy.id, Order.status == OrderStatus.COLLECTED))
        .where(GroupBuy.leader_id == leader_id, GroupBuy.community_id == community_id)
        .group_by(Supplier.id, Supplier.name)
        .order_by(Supplier.name)
        .limit(100)
    )
    stats = _case_stats(Case.supplier_id, leader_id, community_id)
    return [_rate(sid, name, count, stats.get(sid)) for sid, name, count in db.session.execute(collected)]


def _rate(key, label, collected_orders, stats) -> Rate:
    cases, resolved, seconds = stats or (0, 0, None)
    hours = None if seconds is None else float(seconds) / 3600.0
    return Rate(key, label, int(collected_orders), int(cases), resolved, hours)


def csv_cases(leader_id: int, community_id: int) -> list[Case]:
    """The leader's cases for the CSV, newest first (bounded)."""
    query = (
        sa.select(Case)
        .where(Case.leader_id == leader_id, Case.community_id == community_id)
        .order_by(Case.id.desc())
        .limit(CSV_LIMIT)
    )
    return list(db.session.scalars(_with_related(query)))


def balance_of_supplier(supplier_id: int) -> dict:
    """What a supplier owes its leaders on after-sales cases (fen): claimed, settled, written off,
    outstanding — one query over the ledger."""
    rows = db.session.execute(
        sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.supplier_id == supplier_id, LedgerEntry.account == Account.SUPPLIER)
        .group_by(LedgerEntry.kind)
    ).all()
    by_kind = {kind: int(total or 0) for kind, total in rows}
    return {
        "claimed": by_kind.get("supplier_receivable", 0),
        "settled": -by_kind.get("supplier_settled", 0),
        "written_off": -by_kind.get("written_off", 0),
        "corrections": by_kind.get("correction", 0),
        "outstanding": sum(by_kind.values()),
    }
