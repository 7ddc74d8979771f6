"""A pickup point's opening hours, read from the text the admin typed ("每天 08:00–20:00",
"周末 09:00–18:00", "工作日 18:00–21:00", "全天 24 小时", "Mon–Fri 08:00–20:00", "周日休息"),
so that pickup time slots are offered only while the point is open.

Each line (or part between semicolons) names days (none: every day) and time ranges, or says
the point is closed those days. A line about fewer days wins over a broader one for the days it
names: "每天 08:00–20:00" then "周末 09:00–18:00" opens 09:00–18:00 on Saturdays and Sundays.
A range that ends before it starts runs past midnight. A text with no time in it is not
understood (`parse` answers None), and then the hours restrict nothing.

Times here are on the community's wall clock (portal.core.localtime).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})

_DASH = r"\s*(?:-|–|—|~|～|至|到|to)\s*"
_RANGE = re.compile(r"(\d{1,2})[:：](\d{2})" + _DASH + r"(\d{1,2})[:：](\d{2})")
_ALL_DAY = re.compile(r"24\s*(?:小时|h\b|hours?)|全天|around the clock", re.IGNORECASE)
_CLOSED = re.compile(r"休息|不营业|闭店|关闭|closed", re.IGNORECASE)
_ZH_DAY = "一二三四五六日天"
_EN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZH_WEEK = r"(?:周|星期|礼拜)"
_ZH_SPAN = re.compile(_ZH_WEEK + r"([一二三四五六日天])" + _DASH + _ZH_WEEK + r"?([一二三四五六日天])")
_ZH_ONE = re.compile(_ZH_WEEK + r"([一二三四五六日天])|、([一二三四五六日天])")
_EN_DAY = r"(mon|tue|wed|thu|fri|sat|sun)(?:days?|s|sdays?|nesdays?|rsdays?|urdays?)?\b\.?"
_EN_SPAN = re.compile(_EN_DAY + _DASH + _EN_DAY, re.IGNORECASE)
_EN_ONE = re.compile(r"\b" + _EN_DAY, re.IGNORECASE)


def _zh(char: str) -> int:
    return min(_ZH_DAY.index(char), 6)  # 日 and 天 are both Sunday


def _span(first: int, last: int) -> set[int]:
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}


def _days(line: str) -> frozenset[int]:
    """The weekdays (Monday 0) a line is about; every day when it names none."""
    lowered = line.lower()
    if "工作日" in line or "weekday" in lowered:
        return WEEKDAYS
    if "周末" in line or "双休" in line or "weekend" in lowered:
        return WEEKEND
    days: set[int] = set()
    for first, last in _ZH_SPAN.findall(line):
        days |= _span(_zh(first), _zh(last))
    rest = _ZH_SPAN.sub(" ", line)
    for one, listed in _ZH_ONE.findall(rest):
        days.add(_zh(one or listed))
    for first, last in _EN_SPAN.findall(rest):
        days |= _span(_EN_DAYS.index(first.lower()), _EN_DAYS.index(last.lower()))
    for one in _EN_ONE.findall(_EN_SPAN.sub(" ", rest)):
        days.add(_EN_DAYS.index(one.lower()))
    return frozenset(days) or ALL_DAYS


def _minutes(hours: str, minutes: str) -> int | None:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


def _ranges(line: str) -> list[tuple[int, int]] | None:
    """Open (from, until) in minutes after midnight; `until` past 1440 runs into the next day.
    [] when the line says closed, None when it says nothing about hours."""
    found = []
    for h1, m1, h2, m2 in _RANGE.findall(line):
        start, end = _minutes(h1, m1), _minutes(h2, m2)
        if start is None or end is None or start == end or start == 24 * 60:
            continue
        found.append((start, end if end > start else end + 24 * 60))
    if found:
        return found
    if _ALL_DAY.search(line):
        return [(0, 24 * 60)]
    if _CLOSED.search(line):
        return []
    return None


@dataclass(frozen=True)
class OpeningHours:
    """Open ranges per weekday (Monday 0), in minutes after midnight."""

    week: tuple[tuple[tuple[int, int], ...], ...]

    def _open_around(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of the day before, the day and the day after, merged where they
        touch (so a slot across midnight at a point open around the clock is inside)."""
        intervals = []
        for offset in (-1, 0, 1):
            current = day + timedelta(days=offset)
            midnight = datetime.combine(current, time())
            for start, end in self.week[current.weekday()]:
                intervals.append((midnight + timedelta(minutes=start), midnight + timedelta(minutes=end)))
        merged: list[tuple[datetime, datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether the point is open from `start` to `end` (wall-clock times of one zone)."""
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        return any(low <= start and end <= high for low, high in self._open_around(start.date()))


def parse(text: str | None) -> OpeningHours | None:
    """The opening hours a text describes, or None when it gives no time to go by."""
    lines = [part.strip() for part in re.split(r"[\n;；]+", text or "") if part.strip()]
    said = [(_days(line), ranges) for line in lines if (ranges := _ranges(line)) is not None]
    if not said:
        return None
    week = []
    for weekday in range(7):
        about = [(len(days), ranges) for days, ranges in said if weekday in days]
        narrowest = min((size for size, _r in about), default=None)
        week.append(tuple(r for size, ranges in about if size == narrowest for r in ranges))
    return OpeningHours(tuple(week))
