"""Helpers of the dashboard pages' tests (D2): rollup rows with known figures, NPS answers.

The pages read only the rollups (portal.dashboard.rollups.read), so a test writes the rows it
wants shown and checks what the page makes of them."""

from datetime import date, timedelta

from portal.core.db import db, utcnow
from portal.core.localtime import today
from portal.dashboard.models import MetricRollup
from portal.dashboard.rollups import periods
from portal.surveys.models import NpsOffer


def put(community_id, period, start, key, value, n, numerator=None, denominator=None, p90=None):
    """One rollup row (community_id None: the platform's)."""
    row = MetricRollup(
        community_id=community_id,
        period=period,
        start=start,
        key=key,
        value=value,
        numerator=value * n if numerator is None and value is not None else (numerator or 0),
        denominator=n if denominator is None else denominator,
        n=n,
        p90=p90,
    )
    db.session.add(row)
    return row


def fill(community_id, period, key, values, n=40, p90=None):
    """The last len(values) periods of `key`, oldest first (None: nothing measured)."""
    starts = periods(period, len(values), today())
    for start, value in zip(starts, values, strict=True):
        put(community_id, period, start, key, value, n if value is not None else 0, p90=p90)
    db.session.commit()
    return starts


def answer(community, user, score, comment, days_ago=1):
    offer = NpsOffer(
        community_id=community.id,
        user_id=user.id if user is not None else None,
        trigger="order",
        trigger_id=1,
        offered_at=utcnow() - timedelta(days=days_ago, hours=1),
        answered_at=utcnow() - timedelta(days=days_ago),
        score=score,
        comment=comment,
    )
    db.session.add(offer)
    db.session.commit()
    return offer


def this_month() -> date:
    return today().replace(day=1)
