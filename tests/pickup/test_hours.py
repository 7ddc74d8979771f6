"""Opening hours read from a pickup point's text, as pickup time slots use them."""

from datetime import datetime

import pytest

from portal.pickup.hours import parse

TUESDAY, SATURDAY = datetime(2026, 12, 1), datetime(2026, 12, 5)


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def test_every_day_with_narrower_weekend_hours():
    hours = parse("每天 08:00–20:00\n周末 09:00–18:00")
    assert hours.covers(at(TUESDAY, 8), at(TUESDAY, 8, 30))
    assert hours.covers(at(TUESDAY, 19, 30), at(TUESDAY, 20))
    assert not hours.covers(at(TUESDAY, 7, 30), at(TUESDAY, 8))
    assert not hours.covers(at(TUESDAY, 0), at(TUESDAY, 0, 30))  # the reported 00:00–07:30
    assert not hours.covers(at(TUESDAY, 19, 30), at(TUESDAY, 20, 30))  # half of it after closing
    assert not hours.covers(at(SATURDAY, 8), at(SATURDAY, 8, 30))
    assert hours.covers(at(SATURDAY, 9), at(SATURDAY, 9, 30))


@pytest.mark.parametrize(
    "text, open_at, closed_at",
    [
        ("工作日 18:00–21:00", at(TUESDAY, 18), at(SATURDAY, 18)),
        ("周一至周五 8:00-20:00\n周六、日休息", at(TUESDAY, 8), at(SATURDAY, 10)),
        ("Mon–Fri 08:00–20:00; Sat 09:00-12:00", at(SATURDAY, 9), at(SATURDAY, 13)),
        ("每天 22:00–02:00", at(TUESDAY, 1), at(TUESDAY, 3)),  # past midnight
        ("全天 24 小时", at(TUESDAY, 3), None),
    ],
)
def test_the_ways_hours_are_written(text, open_at, closed_at):
    hours = parse(text)
    assert hours.covers(open_at, open_at.replace(minute=30))
    if closed_at is not None:
        assert not hours.covers(closed_at, closed_at.replace(minute=30))


def test_around_the_clock_covers_a_slot_across_midnight():
    assert parse("24 小时").covers(at(TUESDAY, 23, 30), at(datetime(2026, 12, 2), 0, 30))


@pytest.mark.parametrize("text", ["", "问团长", "Ask the leader"])
def test_a_text_without_times_restricts_nothing(text):
    assert parse(text) is None
