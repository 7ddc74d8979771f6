"""The .ics files parse with the icalendar package and carry the right times and time zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.events.models import Audience, CalendarFeed
from tests.events.helpers import make_event

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def town(make):
    community = make.community("幸福里")
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    resident = make.member(community, building_index=0)
    return community, admin, resident


def next_year_at(month, day, hour, minute=0) -> datetime:
    """A wall-clock time in Shanghai next year, as aware UTC."""
    year = utcnow().year + 1
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.get_data())


def test_event_file_has_shanghai_times_and_a_reminder(auth, town):
    _community, admin, resident = town
    start = next_year_at(3, 14, 14, 30)  # 14:30 in Shanghai = 06:30 UTC
    event = make_event(admin, title="春季亲子插花", place="3栋自提点", starts_at=start,
                       ends_at=start + timedelta(hours=2))
    calendar = parse(auth.login(resident.user).get(f"/events/{event.id}.ics"))

    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    [vevent] = calendar.walk("VEVENT")
    dtstart, dtend = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (dtstart.hour, dtstart.minute) == (14, 30)
    assert dtstart.utcoffset() == timedelta(hours=8)
    assert dtstart == start and dtend == start + timedelta(hours=2)
    assert dtstart.astimezone(UTC).hour == 6
    assert str(vevent["SUMMARY"]) == "春季亲子插花"
    assert str(vevent["LOCATION"]) == "3栋自提点"
    assert str(vevent["UID"]).startswith(f"event-{event.id}@")
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert f"/events/{event.id}" in str(vevent["URL"])
    assert vevent.decoded("DTSTAMP").tzinfo is not None
    [alarm] = vevent.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Shanghai"
    assert "TZOFFSETTO:+0800" in calendar.to_ical().decode()


def test_cancelled_event_says_so_with_a_new_sequence(auth, town):
    from portal.events.services.organising import cancel_event

    _community, admin, resident = town
    event = make_event(admin)
    client = auth.login(resident.user)
    before = parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    cancel_event(event, utcnow())
    db.session.commit()
    after = parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert str(after["STATUS"]) == "CANCELLED"
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.walk("VALARM") == []


def test_feed_holds_my_audiences_events(auth, town, app):
    community, admin, resident = town
    mine = make_event(admin, title="全小区：邻里互助日", starts_at=next_year_at(5, 1, 9))
    other_building = make_event(
        admin, title="2栋楼道清洁", audience=Audience.BUILDING, building_id=community.buildings[1].id
    )
    auth.login(resident.user).post("/events/calendar/reset")
    token = db.session.scalar(sa.select(CalendarFeed.token).where(CalendarFeed.user_id == resident.user_id))
    calendar = parse(app.test_client().get(f"/events/feed/{token}.ics"))
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert community.name in str(calendar["X-WR-CALNAME"])
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {mine.title}
    assert other_building.title not in events
    start = events[mine.title].decoded("DTSTART")
    assert start.tzinfo is not None and (start.hour, start.utcoffset()) == (9, timedelta(hours=8))
    assert start == mine.starts_at
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
