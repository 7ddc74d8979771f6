"""The community's local time: stored in UTC, typed and shown on the community's wall clock.

Every conversion between the two, and every template filter that shows a time, lives here.
One installation serves communities of one zone (BABEL_DEFAULT_TIMEZONE, as Flask-Babel's own
`datetimeformat` filters use); `zone()` is the one place that would learn a community's own.
"""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, match_skeleton
from flask import current_app, g, has_request_context
from flask_babel import get_locale


def zone() -> ZoneInfo:
    """The time zone the community lives in."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local(moment: datetime | None) -> datetime | None:
    """An aware time on the community's wall clock."""
    return None if moment is None else moment.astimezone(zone())


def local_date(moment: datetime) -> date:
    """The community's calendar day of a moment."""
    return moment.astimezone(zone()).date()


def today() -> date:
    """Today on the community's calendar."""
    return datetime.now(zone()).date()


def from_wall_clock(value: datetime | None) -> datetime | None:
    """A time typed on the community's wall clock (a naive datetime-local value), as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=zone()).astimezone(UTC)


def to_wall_clock(moment: datetime | None) -> datetime | None:
    """An aware time as the naive wall-clock minute a datetime-local input shows."""
    if moment is None:
        return None
    return moment.astimezone(zone()).replace(tzinfo=None, second=0, microsecond=0)


def plain(moment: datetime) -> str:
    """"2026-12-01 14:00": language neutral, for notification texts and exports."""
    return moment.astimezone(zone()).strftime("%Y-%m-%d %H:%M")


# --- template filters --------------------------------------------------------------------


def _locale() -> str:
    return str(get_locale() or "zh") if has_request_context() else "zh"


class ShortTime:
    """Formats times as 11月23日 20:00 / Nov 23 20:00 on the community's wall clock.

    A listing formats 50 of them per request: the locale and zone are looked up once, and
    the date part (a babel pattern) is cached per day, so each call is a dict lookup and an
    f-string.
    """

    _dates: dict[tuple[str, date], str] = {}

    def __init__(self, locale: str, tz: ZoneInfo):
        self.locale = locale
        self.zone = tz
        self.pattern = Locale.parse(locale).datetime_skeletons["MMMd"].pattern

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        moment = value.astimezone(self.zone)
        key = (self.locale, moment.date())
        day = self._dates.get(key)
        if day is None:
            day = self._dates[key] = format_datetime(moment, self.pattern, locale=self.locale)
            if len(self._dates) > 5000:
                self._dates.clear()
        return f"{day} {moment.hour:02d}:{moment.minute:02d}"


def short_time() -> ShortTime:
    """The `when` formatter of this request (cached on g)."""
    if not has_request_context():
        return ShortTime(_locale(), zone())
    if "short_time" not in g:
        g.short_time = ShortTime(_locale(), zone())
    return g.short_time


def when(value: datetime | None) -> str:
    """11月23日 20:00 / Nov 23 20:00."""
    return short_time()(value)


@lru_cache(maxsize=256)
def _skeleton_pattern(skeleton: str, locale: str):
    """The locale's pattern for a skeleton: babel's format_skeleton matches a skeleton the locale
    lacks ("MMM", "EEE") anew on every call, ~1 ms each, so a list of 20 events took 20 ms."""
    patterns = Locale.parse(locale).datetime_skeletons
    return patterns[skeleton if skeleton in patterns else match_skeleton(skeleton, patterns)]


def _by_skeleton(skeleton: str, shown: datetime, locale: str) -> str:
    return format_datetime(shown, _skeleton_pattern(skeleton, locale), locale=locale)


def moment(value: datetime | None, skeleton: str = "MMMEd") -> str:
    """A time by a babel skeleton: the default is "12月1日周二 14:00" / "Tue, Dec 1 14:00"."""
    if value is None:
        return ""
    shown, locale = value.astimezone(zone()), _locale()
    if skeleton != "MMMEd":
        return _by_skeleton(skeleton, shown, locale)
    return f"{_by_skeleton('MMMEd', shown, locale)} {_by_skeleton('Hm', shown, locale)}"


def time_range(start: datetime, end: datetime) -> str:
    """"12月1日周二 14:00–16:00"; the end's date only when it differs."""
    first, last = start.astimezone(zone()), end.astimezone(zone())
    if first.date() == last.date():
        return f"{moment(first)}–{_by_skeleton('Hm', last, _locale())}"
    return f"{moment(first)} – {moment(last)}"


def clock(value: datetime) -> str:
    """14:05:09 (the kiosk's clock)."""
    return value.astimezone(zone()).strftime("%H:%M:%S")


def long_date(value: datetime) -> str:
    """2026年12月1日星期二 / Tuesday, December 1, 2026."""
    return format_date(value.astimezone(zone()).date(), format="full", locale=_locale())


def day(value: date | None) -> str:
    """A calendar day without a time: 2026年12月1日 / Dec 1, 2026 (a batch's best-before)."""
    return "" if value is None else format_date(value, format="medium", locale=_locale())


def stamp(value: datetime | None) -> str:
    """12-01 14:05:09: compact, to the second (admin tables of locker events)."""
    return "" if value is None else value.astimezone(zone()).strftime("%m-%d %H:%M:%S")


FILTERS = {
    "local": local,
    "when": when,
    "moment": moment,
    "time_range": time_range,
    "clock": clock,
    "long_date": long_date,
    "day": day,
    "stamp": stamp,
}


def register_filters(app) -> None:
    app.jinja_env.filters.update(FILTERS)
