"""Each figure on the hand-built world of conftest.py, with the answers worked out by hand."""

from datetime import date, timedelta

import pytest

from portal.core.db import db
from portal.dashboard.metrics import LEADER_METRICS, METRICS, compute, compute_leader, nps, p90_rank
from tests.dashboard.helpers import NOVEMBER, Builder, at

EMPTY_RATES = (
    "buy_success_rate",
    "repurchase_rate",
    "pickup_hours",
    "aftersales_rate",
    "aftersales_resolution_hours",
    "trace_query_rate",
    "event_attendance",
    "nps",
)


def value(figures, key):
    return figures[key].value


def test_every_metric_has_a_label_an_explanation_and_a_unit(app):
    assert list(METRICS)[:4] == ["households_reached", "active_residents", "buy_success_rate", "orders"]
    for metric in [*METRICS.values(), *LEADER_METRICS.values()]:
        assert str(metric.label) and len(str(metric.explanation)) > 30
        assert metric.unit in ("percent", "count", "hours", "score", "stars", "ratio")


def test_the_month_of_community_a(world):
    figures = compute(world.a.community.id, *NOVEMBER)
    assert list(figures) == list(METRICS)
    # two residents of unit 0 are one household; the withdrawn and the void orders do not count
    assert figures["households_reached"].numerator == 2
    assert figures["households_reached"].denominator == 3
    assert value(figures, "households_reached") == pytest.approx(200 / 3)
    assert figures["orders"].value == 3
    # 6 of the 7 residents were active (新邻居 only signed up in October; the admin is no resident)
    assert (figures["active_residents"].numerator, figures["active_residents"].denominator) == (6, 7)
    # closed in November: arrived, failed, succeeded (the cancelled buy does not count)
    assert (figures["buy_success_rate"].numerator, figures["buy_success_rate"].denominator) == (2, 3)
    # 王阿姨 and 刘女士 ordered in October; 王阿姨 again in November (刘女士's order was void)
    assert (figures["repurchase_rate"].numerator, figures["repurchase_rate"].denominator) == (1, 2)
    assert value(figures, "repurchase_rate") == 50.0
    # waits of 2 h and 10 h
    pickup = figures["pickup_hours"]
    assert (pickup.value, pickup.p90, pickup.n) == (6.0, 10.0, 2)
    assert value(figures, "aftersales_rate") == 50.0  # one case reported, two orders collected
    resolution = figures["aftersales_resolution_hours"]  # resolved in November: 24 h and 12 h
    assert (resolution.value, resolution.n) == (pytest.approx(18.0), 2)
    trace = figures["trace_query_rate"]  # 7 views of the sold batch, 2 collected orders of its buy
    assert (trace.value, trace.numerator, trace.denominator) == (3.5, 7, 2)
    assert figures["help_completed"].value == 1
    assert figures["introductions"].value == 1
    attendance = figures["event_attendance"]  # 1 checked in of 3 standing sign-ups
    assert (attendance.numerator, attendance.denominator) == (1, 3)
    assert (figures["nps"].value, figures["nps"].n) == (0.0, 6)  # 10, 9, 8, 7, 6, 0


def test_the_platform_covers_every_community(world):
    figures = compute(None, *NOVEMBER)
    assert figures["orders"].value == 4
    assert (figures["households_reached"].numerator, figures["households_reached"].denominator) == (3, 6)
    assert (figures["buy_success_rate"].numerator, figures["buy_success_rate"].denominator) == (3, 4)
    assert compute(world.b.community.id, *NOVEMBER)["orders"].value == 1


def test_a_community_with_nothing_measures_nothing_without_error(make):
    empty = Builder(make, "空小区")
    db.session.commit()
    figures = compute(empty.community.id, *NOVEMBER)
    for key in EMPTY_RATES:
        assert figures[key].value is None, key
        assert figures[key].n == 0, key
    assert figures["pickup_hours"].p90 is None
    for key in ("orders", "help_completed", "introductions"):
        assert (figures[key].value, figures[key].n) == (0, 0)
    assert value(figures, "active_residents") == 0.0  # the leader is a resident, not active
    assert (value(figures, "households_reached"), figures["households_reached"].n) == (0.0, 3)  # 3 units
    assert compute_leader(empty.community.id, empty.leader.user_id, *NOVEMBER)["rating"].value is None


def test_one_month_only_has_no_repurchase_rate(make):
    only = Builder(make)
    resident = only.member(1)
    only.order(only.buy(), resident, at(date(2026, 11, 3)))
    db.session.commit()
    figures = compute(only.community.id, *NOVEMBER)
    assert figures["orders"].value == 1
    assert (figures["repurchase_rate"].value, figures["repurchase_rate"].n) == (None, 0)


def test_two_residents_of_one_unit_are_one_household(make):
    home = Builder(make, buildings="1栋: 1单元, 2单元")
    first, second = home.member(1), home.member(1)
    buy = home.buy()
    home.order(buy, first, at(date(2026, 11, 3)))
    home.order(buy, second, at(date(2026, 11, 4)))
    db.session.commit()
    figures = compute(home.community.id, *NOVEMBER)
    assert figures["orders"].value == 2
    assert (figures["households_reached"].numerator, figures["households_reached"].value) == (1, 50.0)


def test_repurchase_of_a_week_and_a_day(world):
    community_id = world.a.community.id
    # the week of Nov 23: the 4 weeks Nov 2–29 against Oct 5 – Nov 1
    week = compute(community_id, date(2026, 11, 23), date(2026, 11, 30))["repurchase_rate"]
    assert (week.numerator, week.denominator) == (1, 2)
    # a day: October against November up to that day's end
    assert compute(community_id, date(2026, 11, 10), date(2026, 11, 11))["repurchase_rate"].value == 50.0
    assert compute(community_id, date(2026, 11, 2), date(2026, 11, 3))["repurchase_rate"].value == 0.0


def test_the_days_are_the_communitys_local_days(world):
    community_id = world.a.community.id
    # o1 was placed at 09:00 local on Nov 3, i.e. 01:00 UTC
    assert compute(community_id, date(2026, 11, 3), date(2026, 11, 4))["orders"].value == 1
    assert compute(community_id, date(2026, 11, 2), date(2026, 11, 3))["orders"].value == 0


def test_pickup_time_average_and_90th_percentile(make):
    lockers = Builder(make)
    resident = lockers.member(1)
    buy = lockers.buy()
    for hours in range(1, 11):
        ready = at(date(2026, 11, 3), 8)
        lockers.order(
            buy,
            lockers.member(1) if hours > 1 else resident,
            ready,
            ready=ready,
            collected=ready + timedelta(hours=hours),
        )
    db.session.commit()
    pickup = compute(lockers.community.id, *NOVEMBER)["pickup_hours"]
    assert (pickup.value, pickup.p90, pickup.n) == (pytest.approx(5.5), pytest.approx(9.0), 10)
    assert [p90_rank(n) for n in (1, 2, 10, 11, 30, 70)] == [1, 2, 9, 10, 27, 63]


def test_the_leaders_figures(world, make):
    a = world.a
    other = a.member(2, roles=a.leader.roles)
    theirs = a.buy(closed=at(date(2026, 11, 12)), leader=other)
    order = a.order(
        theirs,
        world.liu,
        at(date(2026, 11, 11)),
        ready=at(date(2026, 11, 12)),
        collected=at(date(2026, 11, 13)),
    )
    a.review(order, 4, published=at(date(2026, 11, 14)))
    db.session.commit()

    mine = compute_leader(a.community.id, a.leader.user_id, *NOVEMBER)
    assert list(mine) == list(LEADER_METRICS)
    assert mine["orders"].value == 3
    assert (mine["buy_success_rate"].numerator, mine["buy_success_rate"].denominator) == (2, 3)
    assert (mine["aftersales_rate"].numerator, mine["aftersales_rate"].denominator) == (1, 2)
    # 5 stars shown; the hidden 2-star review and October's 1 star do not count
    assert (mine["rating"].value, mine["rating"].n) == (5.0, 1)

    theirs_figures = compute_leader(a.community.id, other.user_id, *NOVEMBER)
    assert theirs_figures["orders"].value == 1
    assert theirs_figures["buy_success_rate"].value == 100.0
    assert (theirs_figures["aftersales_rate"].value, theirs_figures["aftersales_rate"].n) == (0.0, 1)
    assert theirs_figures["rating"].value == 4.0
    # another community's view of the same leader: nothing
    assert compute_leader(world.b.community.id, other.user_id, *NOVEMBER)["orders"].value == 0


@pytest.mark.parametrize(
    ("scores", "expected", "answers"),
    [
        ([10, 9, 8, 7, 6, 0], 0.0, 6),
        ([10] * 5, 100.0, 5),
        ([0, 6, 3], -100.0, 3),
        ([9, 9, 7, 0], 25.0, 4),  # 50 % promoters − 25 % detractors
        ([8, 7], 0.0, 2),
        ([], None, 0),
    ],
)
def test_nps_arithmetic(scores, expected, answers):
    figure = nps(scores)
    assert figure.value == expected
    assert figure.n == answers == figure.denominator


def test_nps_refuses_a_score_outside_0_to_10():
    with pytest.raises(ValueError):
        nps([11])


def test_an_order_collected_through_the_services_counts(make, app):
    """The real path: a buy that closed, arrived (the pickup code issued) and was collected."""
    from portal.core import localtime
    from tests.aftersales.helpers import collected_order

    home = Builder(make)
    resident = home.member(1)
    with app.test_request_context():
        collected_order(home.leader, resident.user, home.point, quantity=2)
    today = localtime.today()
    figures = compute(home.community.id, today, today + timedelta(days=1))
    assert figures["orders"].value == 1
    assert figures["buy_success_rate"].value == 100.0
    assert figures["pickup_hours"].n == 1 and figures["pickup_hours"].value < 0.1
    assert figures["households_reached"].numerator == 1
    assert figures["active_residents"].numerator == 1


def test_labels_and_explanations_are_in_chinese(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    with app.test_request_context():
        assert str(METRICS["households_reached"].label) == "覆盖户数"
        assert "同一户的两位居民只算一户" in str(METRICS["households_reached"].explanation)
        assert str(LEADER_METRICS["rating"].label) == "我的评分"
