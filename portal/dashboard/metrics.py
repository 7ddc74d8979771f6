"""The dashboard's figures: each defined once, here, with the label and the explanation shown
beside it — the explanation says exactly what the code below computes.

`compute(community_id, start, end)` measures every figure over [start, end) in the community's
local days (community_id None: every community, for the platform admin) from the raw rows, in a
fixed handful of aggregate queries whatever the amount of data (never a query per row, never the
rows into Python). `compute_leader` does the same for one leader's own figures (团长人效). The
pages read the daily, weekly and monthly rollups (rollups.py) that the sweeper fills with
`compute`, so a large community answers as fast as a small one.

The Figure and the arithmetic the figures share (ratios, averages, the NPS) are in figures.py.
A Figure's value is None when there is nothing to measure (its denominator is 0). Percentages
are 0–100; NPS runs from −100 to 100; hours are hours; counts are counts (0 is a measurement).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.aftersales.models import Case, Resolution
from portal.boards.models import HelpNeed, NeedState, Post
from portal.community.models import Building, Membership, MembershipStatus, Role, Unit, roles_holding
from portal.core import localtime
from portal.core.db import db
from portal.dashboard.figures import (
    P90,
    SMALL_SAMPLE,
    Figure,
    average,
    count,
    nps,
    nps_of_counts,
    p90_rank,
    ratio,
)
from portal.events.models import ACTIVE_SIGNUP, Event, EventStatus, Signup
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.moderation.models import ContentStatus
from portal.reviews.models import Review
from portal.surveys.models import NpsOffer
from portal.trace.models import TraceView

__all__ = [
    "LEADER_METRICS",
    "METRICS",
    "SMALL_SAMPLE",
    "Figure",
    "Metric",
    "compute",
    "compute_leader",
    "nps",
    "p90_rank",
    "repurchase_windows",
]

ACTIVE_DAYS = 30  # "active residents": activity in the 30 days ending at the period's end
# orders that stand: not withdrawn by the resident, not voided by a failed or cancelled buy
STANDING_ORDER_EXCLUDED = (OrderStatus.CANCELLED, OrderStatus.VOID)
SUCCEEDED_BUY = (BuyStatus.SUCCEEDED, BuyStatus.ARRIVED)  # arrived = succeeded, goods delivered


@dataclass(frozen=True)
class Metric:
    key: str
    label: LazyString
    explanation: LazyString
    unit: str  # "percent" | "count" | "hours" | "score" | "stars" | "ratio"
    lower_is_better: bool = False


def _metrics(*metrics: Metric) -> dict[str, Metric]:
    return {metric.key: metric for metric in metrics}


METRICS: dict[str, Metric] = _metrics(
    Metric(
        "households_reached",
        _l("Households reached"),
        _l(
            "Distinct units (homes) with at least one standing order placed in the period, as a "
            "share of the community's units. A standing order is one the resident did not withdraw "
            "and whose buy did not fail or get cancelled; two residents of one unit count as one "
            "household."
        ),
        "percent",
    ),
    Metric(
        "active_residents",
        _l("Active residents"),
        _l(
            "Resident members who, in the 30 days ending with the period, placed an order, wrote "
            "on a board or signed up for an event in the community, as a share of the resident "
            "members (active today, joined before the period's end)."
        ),
        "percent",
    ),
    Metric(
        "buy_success_rate",
        _l("Group-buy success rate"),
        _l(
            "Group buys that closed in the period and reached their minimum (成团), as a share of "
            "the buys that closed in the period (succeeded or failed; cancelled buys do not count)."
        ),
        "percent",
    ),
    Metric(
        "orders",
        _l("Orders"),
        _l(
            "Standing orders placed in the period: not withdrawn by the resident, and in a buy that "
            "did not fail or get cancelled."
        ),
        "count",
    ),
    Metric(
        "repurchase_rate",
        _l("Repurchase rate"),
        _l(
            "Of the residents who placed a standing order in the calendar month before the "
            "period's month, the share who placed one again in the period's month (up to the "
            "period's end). For a week: of those who ordered in the 4 weeks before the last 4 "
            "weeks, the share who ordered in the 4 weeks ending with the week."
        ),
        "percent",
    ),
    Metric(
        "pickup_hours",
        _l("Time to pickup"),
        _l(
            "Hours from the goods being ready (deposited into a locker, or the buy's arrival at the "
            "pickup point: when the pickup code was issued) to the pickup, over the orders "
            "collected in the period: the average, and the 90th percentile (90% were collected "
            "within it)."
        ),
        "hours",
        lower_is_better=True,
    ),
    Metric(
        "aftersales_rate",
        _l("After-sales rate"),
        _l("After-sales cases reported in the period, as a share of the orders collected in the period."),
        "percent",
        lower_is_better=True,
    ),
    Metric(
        "aftersales_resolution_hours",
        _l("After-sales resolution time"),
        _l(
            "Average hours from the report to the resolution (the resident accepted an offer), "
            "over the after-sales cases resolved in the period."
        ),
        "hours",
        lower_is_better=True,
    ),
    Metric(
        "trace_query_rate",
        _l("Trace queries per order"),
        _l(
            "Views of the public trace pages of batches sold in group buys during the period, per "
            "order collected in the period from a buy with a traced batch (溯源查询率)."
        ),
        "ratio",
    ),
    Metric(
        "help_completed",
        _l("Help completed"),
        _l("Mutual-aid help requests marked completed in the period."),
        "count",
    ),
    Metric(
        "introductions",
        _l("Introductions"),
        _l(
            "Invitations accepted in the period: people who joined the community through a "
            "neighbour's invitation."
        ),
        "count",
    ),
    Metric(
        "event_attendance",
        _l("Event attendance"),
        _l(
            "For the events that started in the period (not cancelled): sign-ups checked in at the "
            "door, as a share of the sign-ups still standing (confirmed or waiting; cancelled ones "
            "do not count)."
        ),
        "percent",
    ),
    Metric(
        "nps",
        _l("NPS"),
        _l(
            "Net promoter score of the survey answers given in the period: the percentage of "
            "promoters (9–10) minus the percentage of detractors (0–6); passives (7–8) count only "
            "in the total. From −100 to 100."
        ),
        "score",
    ),
)

LEADER_METRICS: dict[str, Metric] = _metrics(
    Metric(
        "orders",
        _l("Orders in my buys"),
        _l(
            "Standing orders placed in the period in your group buys (not withdrawn, buy not "
            "failed or cancelled)."
        ),
        "count",
    ),
    Metric(
        "buy_success_rate",
        _l("My success rate"),
        _l(
            "Your group buys that closed in the period and reached their minimum, as a share of "
            "your buys that closed in the period (cancelled buys do not count)."
        ),
        "percent",
    ),
    Metric(
        "aftersales_rate",
        _l("My after-sales rate"),
        _l(
            "After-sales cases reported in the period on your buys, as a share of the orders "
            "collected from your buys in the period."
        ),
        "percent",
        lower_is_better=True,
    ),
    Metric(
        "rating",
        _l("My rating"),
        _l(
            "Average stars (1–5) of the reviews of your buys' orders published in the period and still shown."
        ),
        "stars",
    ),
)


# --- the period ---------------------------------------------------------------------------------


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end) local days as UTC moments."""
    return _moment(start), _moment(end)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=localtime.zone()).astimezone(UTC)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def repurchase_windows(start: date, end: date) -> tuple[date, date, date]:
    """(previous window's start, current window's start, current window's end) for the
    repurchase rate: a 7-day period compares the 4 weeks ending with it with the 4 weeks before;
    any other period the month of its start (up to the period's end) with the month before."""
    if (end - start).days == 7:
        return end - timedelta(days=56), end - timedelta(days=28), end
    month = _month_start(start)
    previous = _month_start(month - timedelta(days=1))
    return previous, month, min(end, _next_month(month))


def _seconds_between(later, earlier):
    """Seconds from `earlier` to `later` in the database's own date arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", later - earlier)
    # julianday is a float of days: to the millisecond, as the times are stored
    return sa.func.round((sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0, 3)


def _within(column, since: datetime, until: datetime):
    return sa.and_(column >= since, column < until)


def _of(column, community_id: int | None):
    return sa.true() if community_id is None else column == community_id


def _sum_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _standing(order=Order):
    return order.status.not_in(STANDING_ORDER_EXCLUDED)


# --- compute ------------------------------------------------------------------------------------


def compute(community_id: int | None, start: date, end: date) -> dict[str, Figure]:
    """Every figure of METRICS over [start, end) (local days), live from the raw rows."""
    since, until = bounds(start, end)
    figures = {}
    figures.update(_orders_and_households(community_id, since, until))
    figures["active_residents"] = _active_residents(community_id, until)
    figures["buy_success_rate"] = _success_rate(community_id, None, since, until)
    figures["repurchase_rate"] = _repurchase(community_id, start, end)
    collected, collected_figures = _collected(community_id, since, until, start, end)
    figures.update(collected_figures)
    figures.update(_aftersales(community_id, since, until, collected))
    figures["help_completed"] = count(
        "help_completed",
        db.session.scalar(
            sa.select(sa.func.count(HelpNeed.id)).where(
                _of(HelpNeed.community_id, community_id),
                HelpNeed.state == NeedState.COMPLETED,
                _within(HelpNeed.completed_at, since, until),
            )
        ),
    )
    figures["introductions"] = count(
        "introductions",
        db.session.scalar(
            sa.select(sa.func.count(Membership.id)).where(
                _of(Membership.community_id, community_id),
                sa.or_(Membership.invite_id.is_not(None), Membership.invited_by_id.is_not(None)),
                _within(Membership.decided_at, since, until),
            )
        ),
    )
    figures["event_attendance"] = _attendance(community_id, since, until)
    figures["nps"] = _nps(community_id, since, until)
    return {key: figures[key] for key in METRICS}


def _orders_and_households(community_id, since, until) -> dict[str, Figure]:
    placed, households = db.session.execute(
        sa.select(sa.func.count(Order.id), sa.func.count(sa.distinct(Membership.unit_id)))
        .select_from(Order)
        .outerjoin(
            Membership,
            sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
        )
        .where(_of(Order.community_id, community_id), _standing(), _within(Order.created_at, since, until))
    ).one()
    units = db.session.scalar(
        sa.select(sa.func.count(Unit.id))
        .join(Building, Building.id == Unit.building_id)
        .where(_of(Building.community_id, community_id))
    )
    return {
        "households_reached": ratio("households_reached", households, units),
        "orders": count("orders", placed),
    }


def _active_residents(community_id, until) -> Figure:
    since = until - timedelta(days=ACTIVE_DAYS)
    active = sa.union(  # (person, community) pairs with an order, a post or a sign-up in the window
        sa.select(Order.user_id.label("user_id"), Order.community_id.label("community_id")).where(
            _of(Order.community_id, community_id), _within(Order.created_at, since, until)
        ),
        sa.select(Post.author_id, Post.community_id).where(
            _of(Post.community_id, community_id), _within(Post.created_at, since, until)
        ),
        sa.select(Signup.user_id, Event.community_id)
        .join(Event, Event.id == Signup.event_id)
        .where(_of(Event.community_id, community_id), _within(Signup.created_at, since, until)),
    ).subquery()
    residents, active_count = db.session.execute(
        sa.select(sa.func.count(Membership.id), _sum_if(active.c.user_id.is_not(None)))
        .select_from(Membership)
        .outerjoin(
            active,
            sa.and_(active.c.user_id == Membership.user_id, active.c.community_id == Membership.community_id),
        )
        .where(
            _of(Membership.community_id, community_id),
            Membership.status == MembershipStatus.ACTIVE,
            Membership.roles.in_(roles_holding(Role.RESIDENT)),
            Membership.created_at < until,
        )
    ).one()
    return ratio("active_residents", active_count, residents)


def _success_rate(community_id, leader_id, since, until) -> Figure:
    succeeded = GroupBuy.status.in_(SUCCEEDED_BUY)
    failed = GroupBuy.status == BuyStatus.FAILED
    wins, closed = db.session.execute(
        sa.select(_sum_if(succeeded), _sum_if(sa.or_(succeeded, failed))).where(
            _of(GroupBuy.community_id, community_id),
            sa.true() if leader_id is None else GroupBuy.leader_id == leader_id,
            _within(GroupBuy.closed_at, since, until),
        )
    ).one()
    return ratio("buy_success_rate", wins, closed)


def _repurchase(community_id, start: date, end: date) -> Figure:
    first, middle, last = (_moment(day) for day in repurchase_windows(start, end))
    per_resident = (
        sa.select(
            sa.func.max(sa.case((Order.created_at < middle, 1), else_=0)).label("before"),
            sa.func.max(sa.case((Order.created_at >= middle, 1), else_=0)).label("again"),
        )
        .where(_of(Order.community_id, community_id), _standing(), _within(Order.created_at, first, last))
        .group_by(Order.community_id, Order.user_id)
        .subquery()
    )
    before, both = db.session.execute(
        sa.select(
            _sum_if(per_resident.c.before == 1),
            _sum_if(sa.and_(per_resident.c.before == 1, per_resident.c.again == 1)),
        )
    ).one()
    return ratio("repurchase_rate", both, before)


def _collected(community_id, since, until, start, end) -> tuple[int, dict[str, Figure]]:
    """The orders collected in the period (the after-sales rate's denominator), the time to
    pickup and the trace queries per collected order of a traced buy."""
    waited = _seconds_between(Order.collected_at, Order.code_issued_at) / 3600.0
    timed = Order.code_issued_at.is_not(None)
    where = (
        _of(Order.community_id, community_id),
        Order.status == OrderStatus.COLLECTED,
        _within(Order.collected_at, since, until),
    )
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    columns = [
        sa.func.count(Order.id),
        _sum_if(GroupBuy.batch_id.is_not(None)),
        _sum_if(timed),
        sa.func.sum(sa.case((timed, waited), else_=None)),
    ]
    if postgresql:
        columns.append(sa.func.percentile_disc(P90).within_group(sa.case((timed, waited), else_=None)))
    row = db.session.execute(
        sa.select(*columns).select_from(Order).join(GroupBuy, GroupBuy.id == Order.buy_id).where(*where)
    ).one()
    collected, traced, n, total = row[:4]
    p90 = row[4] if postgresql else None
    if n and not postgresql:
        p90 = db.session.scalar(
            sa.select(waited).where(*where, timed).order_by(waited).limit(1).offset(p90_rank(int(n)) - 1)
        )
    views = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TraceView.views), 0)).where(
            _of(TraceView.community_id, community_id),
            TraceView.day >= start,
            TraceView.day < end,
            sa.exists().where(GroupBuy.batch_id == TraceView.batch_id),
        )
    )
    return int(collected), {
        "pickup_hours": average("pickup_hours", total, n, None if p90 is None else float(p90)),
        "trace_query_rate": ratio("trace_query_rate", views, traced, percent=False),
    }


def _aftersales(community_id, since, until, collected: int) -> dict[str, Figure]:
    resolved = sa.and_(Case.resolution == Resolution.ACCEPTED, _within(Case.resolved_at, since, until))
    reported, solved, seconds = db.session.execute(
        sa.select(
            _sum_if(_within(Case.created_at, since, until)),
            _sum_if(resolved),
            sa.func.sum(sa.case((resolved, _seconds_between(Case.resolved_at, Case.created_at)), else_=None)),
        ).where(
            _of(Case.community_id, community_id),
            sa.or_(_within(Case.created_at, since, until), _within(Case.resolved_at, since, until)),
        )
    ).one()
    return {
        "aftersales_rate": ratio("aftersales_rate", reported, collected),
        "aftersales_resolution_hours": average(
            "aftersales_resolution_hours", None if seconds is None else float(seconds) / 3600.0, solved
        ),
    }


def _attendance(community_id, since, until) -> Figure:
    standing, checked_in = db.session.execute(
        sa.select(sa.func.count(Signup.id), _sum_if(Signup.checked_in_at.is_not(None)))
        .join(Event, Event.id == Signup.event_id)
        .where(
            _of(Event.community_id, community_id),
            Event.status != EventStatus.CANCELLED,
            _within(Event.starts_at, since, until),
            Signup.status.in_(ACTIVE_SIGNUP),
        )
    ).one()
    return ratio("event_attendance", checked_in, standing)


def _nps(community_id, since, until) -> Figure:
    promoters, passives, detractors = db.session.execute(
        sa.select(
            _sum_if(NpsOffer.score >= 9),
            _sum_if(sa.and_(NpsOffer.score >= 7, NpsOffer.score <= 8)),
            _sum_if(NpsOffer.score <= 6),
        ).where(
            _of(NpsOffer.community_id, community_id),
            NpsOffer.score.is_not(None),
            _within(NpsOffer.answered_at, since, until),
        )
    ).one()
    return nps_of_counts(promoters, passives, detractors)


# --- one leader ---------------------------------------------------------------------------------


def compute_leader(community_id: int, leader_id: int, start: date, end: date) -> dict[str, Figure]:
    """The leader's own figures (LEADER_METRICS) over [start, end): orders in their buys, their
    success rate, their after-sales rate and their rating — five aggregate queries."""
    since, until = bounds(start, end)
    mine = sa.and_(GroupBuy.community_id == community_id, GroupBuy.leader_id == leader_id)
    # The orders by the community's time indexes, the period's only: through the leader's buys
    # the planner would read every order the leader ever had.
    my_orders = sa.and_(Order.community_id == community_id, GroupBuy.leader_id == leader_id)
    placed = db.session.scalar(
        sa.select(sa.func.count(Order.id))
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .where(my_orders, _standing(), _within(Order.created_at, since, until))
    )
    collected = db.session.scalar(
        sa.select(sa.func.count(Order.id))
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .where(my_orders, Order.status == OrderStatus.COLLECTED, _within(Order.collected_at, since, until))
    )
    cases = db.session.scalar(
        sa.select(sa.func.count(Case.id)).where(
            Case.community_id == community_id,
            Case.leader_id == leader_id,
            _within(Case.created_at, since, until),
        )
    )
    stars, reviews = db.session.execute(
        sa.select(sa.func.sum(Review.stars), sa.func.count(Review.id))
        .join(GroupBuy, GroupBuy.id == Review.buy_id)
        .where(
            mine,
            Review.status == ContentStatus.VISIBLE,
            _within(Review.published_at, since, until),
        )
    ).one()
    return {
        "orders": count("orders", placed),
        "buy_success_rate": _success_rate(community_id, leader_id, since, until),
        "aftersales_rate": ratio("aftersales_rate", cases, collected),
        "rating": average("rating", stars, reviews),
    }
