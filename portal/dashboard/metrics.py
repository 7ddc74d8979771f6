"""STAND-IN for helper D1's metrics module (portal/dashboard/metrics.py in /work/t1): the
interface of /work/notes/dashboard-interface.md only, so that the pages run and are tested
before D1's code exists. The lead keeps D1's file when merging."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.db import db
from portal.core.localtime import zone

SMALL_SAMPLE = 30  # the pages say "样本少 / small sample" below this n


@dataclass(frozen=True)
class Metric:
    key: str
    label: object
    explanation: object
    unit: str  # "percent" | "count" | "hours" | "score" | "stars" | "ratio"
    lower_is_better: bool = False


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None  # percentages are 0–100, NPS −100 to 100 (as D1's metrics measure them)
    numerator: float
    denominator: float
    n: int
    p90: float | None = None


def _metrics(*items: Metric) -> dict[str, Metric]:
    return {m.key: m for m in items}


METRICS = _metrics(
    Metric(
        "households_reached",
        _l("Households reached"),
        _l("Distinct units with an order in the period ÷ the community's units."),
        "percent",
    ),
    Metric("orders", _l("Orders"), _l("Orders placed in the period."), "count"),
    Metric(
        "pickup_hours",
        _l("Time to pickup"),
        _l("Hours from deposit or arrival to pickup: the average, and the p90."),
        "hours",
        lower_is_better=True,
    ),
    Metric(
        "aftersales_rate",
        _l("After-sales rate"),
        _l("After-sales cases ÷ collected orders."),
        "percent",
        lower_is_better=True,
    ),
    Metric("nps", _l("NPS"), _l("% promoters (9–10) − % detractors (0–6)."), "score"),
)

LEADER_METRICS = _metrics(
    Metric("orders", _l("Orders in my buys"), _l("Orders placed in the period in your group buys."), "count"),
    Metric("rating", _l("My rating"), _l("Average stars (1–5) of the reviews of your buys."), "stars"),
)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), zone()).astimezone(UTC)


def compute(community_id: int | None, start: date, end: date) -> dict[str, Figure]:
    return {key: Figure(key, None, 0, 0, 0) for key in METRICS}


def compute_leader(community_id: int, leader_id: int, start: date, end: date) -> dict[str, Figure]:
    from portal.groupbuy.models import GroupBuy, Order

    orders = db.session.scalar(
        sa.select(sa.func.count(Order.id))
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .where(
            GroupBuy.leader_id == leader_id,
            Order.community_id == community_id,
            Order.created_at >= _utc(start),
            Order.created_at < _utc(end),
        )
    )
    return {
        "orders": Figure("orders", float(orders), float(orders), 1, orders),
        "rating": Figure("rating", None, 0, 0, 0),
    }
