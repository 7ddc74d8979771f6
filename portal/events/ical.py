"""iCalendar (.ics) for one event and for a member's community feed, made with `icalendar`.

Times are written in the community's time zone (DTSTART;TZID=Asia/Shanghai) with its
VTIMEZONE included, so a phone calendar shows them right wherever it is; DTSTAMP is UTC.
"""

from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from portal.core.localtime import zone
from portal.events.models import Event

PRODID = "-//Linli 邻里//Events//ZH"


def _calendar(name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
        calendar.add("x-wr-timezone", str(zone()))
        calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", timedelta(hours=6))
    return calendar


def _vevent(event: Event, url: str, host: str, now: datetime, reminder: bool) -> VEvent:
    tz = zone()
    item = VEvent()
    item.add("uid", f"event-{event.id}@{host}")
    item.add("dtstamp", now)
    item.add("dtstart", event.starts_at.astimezone(tz))
    item.add("dtend", event.ends_at.astimezone(tz))
    item.add("summary", event.title)
    item.add("location", event.place)
    item.add("description", f"{event.description}\n\n{url}".strip())
    item.add("url", url)
    item.add("sequence", event.sequence)
    item.add("last-modified", event.updated_at)
    item.add("created", event.created_at)
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    if reminder and not event.is_cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title)
        alarm.add("trigger", timedelta(days=-1))
        item.add_component(alarm)
    return item


def event_calendar(event: Event, url: str, host: str, now: datetime) -> bytes:
    """A calendar file holding one event (with a reminder the day before)."""
    calendar = _calendar()
    calendar.add_component(_vevent(event, url, host, now, reminder=True))
    _add_timezones(calendar, [event])
    return calendar.to_ical()


def feed_calendar(name: str, events: list[tuple[Event, str]], host: str, now: datetime) -> bytes:
    """A subscribable calendar of a community's events (event, its page URL)."""
    calendar = _calendar(name)
    for event, url in events:
        calendar.add_component(_vevent(event, url, host, now, reminder=False))
    _add_timezones(calendar, [event for event, _url in events])
    return calendar.to_ical()


def _add_timezones(calendar: Calendar, events: list[Event]) -> None:
    """The VTIMEZONE of every TZID used, covering the years the events fall in."""
    if not events:
        return
    first = min(e.starts_at for e in events).year - 1
    last = max(e.ends_at for e in events).year + 2
    calendar.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last, 1, 1))
