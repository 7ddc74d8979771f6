"""STAND-IN for helper D1's rollups module (portal/dashboard/rollups.py in /work/t1): the model
and the reading API of /work/notes/dashboard-interface.md only. The lead keeps D1's file."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.core.db import db
from portal.dashboard.metrics import METRICS, Figure
from portal.dashboard.models import MetricRollup


def period_start(period: str, day: date) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def period_end(period: str, start: date) -> date:
    """The first day after the period that begins at `start`."""
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def periods(period: str, count: int, today: date) -> list[date]:
    starts, start = [], period_start(period, today)
    for _ in range(count):
        starts.append(start)
        if period == "month":
            start = (start - timedelta(days=1)).replace(day=1)
        elif period == "week":
            start -= timedelta(days=7)
        else:
            start -= timedelta(days=1)
    return starts[::-1]


def read(community_id: int | None, period: str, starts: list[date]) -> dict[date, dict[str, Figure]]:
    rows = db.session.scalars(
        sa.select(MetricRollup).where(
            MetricRollup.community_id.is_(None)
            if community_id is None
            else MetricRollup.community_id == community_id,
            MetricRollup.period == period,
            MetricRollup.start.in_(starts),
        )
    )
    found: dict[date, dict[str, Figure]] = {start: {} for start in starts}
    for r in rows:
        if r.key in METRICS:
            found[r.start][r.key] = Figure(r.key, r.value, r.numerator, r.denominator, r.n, r.p90)
    return found
