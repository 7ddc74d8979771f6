"""The rollups equal the live computation; the command, the sweeper, the query budget."""

from datetime import date, timedelta

import sqlalchemy as sa

from bench.pages import QueryCounter
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.dashboard.metrics import METRICS, compute, compute_leader
from portal.dashboard.models import MetricRollup
from portal.dashboard.rollups import period_end, period_start, periods, read, recompute, recompute_range
from portal.dashboard.scheduler import RollupSweeper
from tests.dashboard.conftest import days
from tests.dashboard.helpers import NOVEMBER, Builder, at

FIRST, LAST = date(2026, 10, 26), date(2026, 11, 30)


def test_period_starts_and_ends():
    wednesday = date(2026, 12, 2)
    assert period_start("week", wednesday) == date(2026, 11, 30)
    assert period_start("month", wednesday) == date(2026, 12, 1)
    assert period_end("month", date(2026, 12, 1)) == date(2027, 1, 1)
    assert period_end("week", date(2026, 11, 30)) == date(2026, 12, 7)
    assert periods("month", 3, wednesday) == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert periods("week", 2, wednesday) == [date(2026, 11, 23), date(2026, 11, 30)]
    assert periods("day", 2, wednesday) == [date(2026, 12, 1), wednesday]


def test_the_command_fills_rollups_equal_to_the_live_computation(app, world):
    result = app.test_cli_runner().invoke(
        args=["dashboard", "rollup", "--from", str(FIRST), "--to", str(LAST)]
    )
    assert result.exit_code == 0, result.output
    assert '"communities": 2' in result.output
    starts = {
        "day": days(FIRST, LAST),
        "week": [FIRST + timedelta(weeks=i) for i in range(6)],  # Mondays Oct 26 … Nov 30
        "month": [date(2026, 10, 1), date(2026, 11, 1)],
    }
    for community_id in (world.a.community.id, world.b.community.id, None):
        for period, period_starts in starts.items():
            stored = read(community_id, period, period_starts)
            for start in period_starts:
                live = compute(community_id, start, period_end(period, start))
                assert stored[start] == live, (community_id, period, start)
    november = read(world.a.community.id, "month", [date(2026, 11, 1)])[date(2026, 11, 1)]
    assert list(november) == list(METRICS) or set(november) == set(METRICS)
    assert november["orders"].value == 3
    assert november["pickup_hours"].p90 == 10.0


def test_recomputing_replaces_the_figures_in_place(world):
    community_id = world.a.community.id
    recompute(community_id, "month", date(2026, 11, 15))
    recompute(None, "month", date(2026, 11, 1))
    db.session.commit()
    world.a.order(world.succeeded, world.liu, at(date(2026, 11, 19)))
    db.session.commit()
    recompute(community_id, "month", date(2026, 11, 1))
    recompute(None, "month", date(2026, 11, 1))
    db.session.commit()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(MetricRollup))
    assert rows == 2 * len(METRICS)  # one per figure, community and platform: updated, not added
    assert read(community_id, "month", [date(2026, 11, 1)])[date(2026, 11, 1)]["orders"].value == 4
    assert read(None, "month", [date(2026, 11, 1)])[date(2026, 11, 1)]["orders"].value == 5
    assert read(community_id, "month", [date(2026, 10, 1)]) == {date(2026, 10, 1): {}}  # never rolled up


def test_a_range_writes_every_period_it_touches(world):
    report = recompute_range(date(2026, 11, 30), date(2026, 11, 30))
    db.session.commit()
    assert report == {"communities": 2, "periods": 9, "rollups": 9 * len(METRICS)}
    stored = set(db.session.execute(sa.select(MetricRollup.period, MetricRollup.start).distinct()))
    assert stored == {("day", date(2026, 11, 30)), ("week", date(2026, 11, 30)), ("month", date(2026, 11, 1))}


def test_the_command_refuses_a_bad_date_without_a_traceback(app):
    runner = app.test_cli_runner()
    for args in (
        ["--from", "2026-13-01", "--to", "2026-11-30"],
        ["--from", "2026-11-01", "--to", "yesterday"],
        ["--from", "2026-11-30", "--to", "2026-11-01"],
    ):
        result = runner.invoke(args=["dashboard", "rollup", *args])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "not a date" in result.output or "before --from" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MetricRollup)) == 0


def test_the_sweeper_fills_todays_rollups(app, make):
    home = Builder(make)
    resident = home.member(1)
    home.order(home.buy(), resident, utcnow())
    db.session.commit()
    today = localtime.today()
    report = RollupSweeper(app, interval=3600).sweep_once()
    assert report == {"rollups": 2 * 2 * 3 * len(METRICS)}  # community + platform, 2 × day, week, month
    for community_id in (home.community.id, None):
        stored = read(community_id, "day", [today])[today]
        assert stored == compute(community_id, today, today + timedelta(days=1))
        assert stored["orders"].value == 1
        assert read(community_id, "week", [period_start("week", today)])[period_start("week", today)]
        assert read(community_id, "month", [today.replace(day=1)])[today.replace(day=1)]["orders"].value == 1


def _world_of(make, size: int) -> int:
    """A community with `size` residents, buys, collected orders, cases, views, events, answers."""
    place = Builder(make, buildings="1栋: " + ", ".join(f"{i}单元" for i in range(1, size + 1)))
    batch = place.batch()
    for i in range(size):
        resident = place.member(i % len(place.units))
        for day in (date(2026, 10, 3 + i % 20), date(2026, 11, 3 + i % 20)):
            buy = place.buy(closed=at(day - timedelta(days=1)), batch=batch)
            order = place.order(buy, resident, at(day), ready=at(day, 10), collected=at(day, 10 + i % 7))
        place.case(order, reported=at(date(2026, 11, 25)), resolved=at(date(2026, 11, 26)))
        place.review(order, 1 + i % 5, published=at(date(2026, 11, 27)))
        if i < 28:
            place.views(batch, date(2026, 11, 1 + i % 28), 3)
        event = place.event(at(date(2026, 11, 10 + i % 10)))
        place.signup(event, resident, checked_in=i % 2 == 0)
        place.help_need(resident, completed=at(date(2026, 11, 12)))
        place.post(resident, at(date(2026, 11, 13)))
        place.nps(resident, i % 11, at(date(2026, 11, 14)))
    db.session.commit()
    return place


def _statements(function, *args) -> int:
    with QueryCounter(db.engine) as counter:
        function(*args)
    return counter.count


def test_the_queries_of_compute_do_not_grow_with_the_data(make):
    small, large = _world_of(make, 6), _world_of(make, 30)
    counts = [_statements(compute, place.community.id, *NOVEMBER) for place in (small, large)]
    assert counts[0] == counts[1], counts
    assert counts[0] <= 15
    assert _statements(compute, None, *NOVEMBER) == counts[0]
    leader = [
        _statements(compute_leader, place.community.id, place.leader.user_id, *NOVEMBER)
        for place in (small, large)
    ]
    assert leader[0] == leader[1] <= 6


def test_a_range_backwards_or_an_unknown_period_is_refused(app):
    import pytest

    with pytest.raises(ValueError):
        recompute_range(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(ValueError):
        read(None, "year", [date(2026, 1, 1)])
    assert read(None, "day", []) == {}
