"""The rollups the dashboard reads: metrics.compute per community (and for the platform, every
community together), per day, week (Monday to Sunday) and month, stored as MetricRollup rows.

Writing is an upsert on the rollup's key (community, period, start, figure), so recomputing is
idempotent and two sweepers at once only do the work twice. `sweep()` (the hourly job) recomputes
the current and the previous day, week and month; `recompute_range` (`flask dashboard rollup`)
any range, e.g. after a fix or for the history before the dashboard existed.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.community.models import Community
from portal.core import localtime
from portal.core.db import begin_write, db, utcnow
from portal.dashboard.metrics import Figure, compute
from portal.dashboard.models import PERIODS, MetricRollup

__all__ = [
    "MetricRollup",
    "period_start",
    "period_end",
    "periods",
    "read",
    "recompute",
    "recompute_range",
    "sweep",
]

WRITE_CHUNK = 500  # rows per INSERT


# --- periods ------------------------------------------------------------------------------------


def _check(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


def period_start(period: str, day: date) -> date:
    """The start of the period that contains `day`: the day, its Monday, its month's first."""
    _check(period)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(period: str, start: date) -> date:
    """The first day after the period that begins at `start`."""
    _check(period)
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _previous(period: str, start: date) -> date:
    return period_start(period, start - timedelta(days=1))


def periods(period: str, count: int, today: date) -> list[date]:
    """The starts of the last `count` periods up to the one containing `today`, oldest first."""
    starts = [period_start(period, today)]
    while len(starts) < count:
        starts.append(_previous(period, starts[-1]))
    return starts[::-1]


def _starts_in(period: str, first: date, last: date) -> list[date]:
    """The starts of every period that overlaps [first, last] (both days included)."""
    starts, start = [], period_start(period, first)
    while start <= last:
        starts.append(start)
        start = period_end(period, start)
    return starts


# --- reading ------------------------------------------------------------------------------------


def read(community_id: int | None, period: str, starts: list[date]) -> dict[date, dict[str, Figure]]:
    """The stored figures of each period start (one query); a start never rolled up maps to {}."""
    _check(period)
    found: dict[date, dict[str, Figure]] = {start: {} for start in starts}
    if not starts:
        return found
    rows = db.session.execute(
        sa.select(
            MetricRollup.start,
            MetricRollup.key,
            MetricRollup.value,
            MetricRollup.numerator,
            MetricRollup.denominator,
            MetricRollup.n,
            MetricRollup.p90,
        ).where(_community(community_id), MetricRollup.period == period, MetricRollup.start.in_(starts))
    )
    for start, key, value, numerator, denominator, n, p90 in rows:
        found[start][key] = Figure(key, value, numerator, denominator, n, p90)
    return found


def _community(community_id: int | None):
    if community_id is None:
        return MetricRollup.community_id.is_(None)
    return MetricRollup.community_id == community_id


# --- writing ------------------------------------------------------------------------------------


def recompute(community_id: int | None, period: str, start: date) -> dict[str, Figure]:
    """Measure one period of one community (None: the platform) and store it (flushes)."""
    start = period_start(period, start)
    figures = compute(community_id, start, period_end(period, start))
    _store([(community_id, period, start, figures)])
    return figures


def recompute_range(first: date, last: date, community_ids: list[int | None] | None = None) -> dict:
    """Every day, week and month overlapping [first, last] (both included), of the given
    communities (None in the list: the platform; by default every community and the platform):
    measured first, then written in one write transaction (flushed; the caller commits).
    Returns what was done."""
    if last < first:
        raise ValueError("the range ends before it starts")
    if community_ids is None:
        community_ids = all_communities()
    measured = []
    for period in PERIODS:
        for start in _starts_in(period, first, last):
            end = period_end(period, start)
            measured += [(c, period, start, compute(c, start, end)) for c in community_ids]
    _store(measured)
    communities = len([c for c in community_ids if c is not None])
    return {"communities": communities, "periods": len(measured), "rollups": _rows(measured)}


def all_communities() -> list[int | None]:
    """Every community's id, then None (the platform)."""
    return [*db.session.scalars(sa.select(Community.id).order_by(Community.id)), None]


def sweep(today: date | None = None) -> dict:
    """The hourly job: the current and previous day, week and month of every community and of
    the platform. Commits (it is the job's own unit of work)."""
    today = today or localtime.today()
    communities = all_communities()
    measured = []
    for period in PERIODS:
        current = period_start(period, today)
        for start in (_previous(period, current), current):
            end = period_end(period, start)
            measured += [(c, period, start, compute(c, start, end)) for c in communities]
    _store(measured)
    db.session.commit()
    return {"rollups": _rows(measured)}


def _rows(measured) -> int:
    return sum(len(figures) for *_, figures in measured)


def _store(measured: list[tuple[int | None, str, date, dict[str, Figure]]]) -> None:
    """Upsert the measured figures: one INSERT … ON CONFLICT DO UPDATE per chunk and kind of row
    (a community's rows conflict on the unique key, the platform's on its partial index)."""
    begin_write()
    now = utcnow()
    rows = {True: [], False: []}  # platform rows, community rows
    for community_id, period, start, figures in measured:
        for figure in figures.values():
            rows[community_id is None].append(
                {
                    "community_id": community_id,
                    "period": period,
                    "start": start,
                    "key": figure.key,
                    "value": figure.value,
                    "numerator": figure.numerator,
                    "denominator": figure.denominator,
                    "n": figure.n,
                    "p90": figure.p90,
                    "computed_at": now,
                }
            )
    for platform, batch in rows.items():
        for i in range(0, len(batch), WRITE_CHUNK):
            db.session.execute(_upsert(platform), batch[i : i + WRITE_CHUNK])
    db.session.flush()


def _upsert(platform: bool):
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(MetricRollup)
    changed = {
        column: statement.excluded[column]
        for column in ("value", "numerator", "denominator", "n", "p90", "computed_at")
    }
    if platform:
        return statement.on_conflict_do_update(
            index_elements=["period", "start", "key"],
            index_where=MetricRollup.community_id.is_(None),
            set_=changed,
        )
    return statement.on_conflict_do_update(
        index_elements=["community_id", "period", "start", "key"], set_=changed
    )
