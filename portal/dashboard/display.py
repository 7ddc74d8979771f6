"""What the dashboard pages show of the figures: a value in its unit, the change against the
previous period (and whether it is good), the small-sample mark, period labels on the
community's calendar, a chart per figure with the table of its numbers, and its CSV rows.

The figures themselves come from portal.dashboard.rollups (read, periods) and their words from
portal.dashboard.metrics (METRICS); nothing here queries.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.svgchart import Bar, Series, bar_chart, line_chart
from portal.dashboard.metrics import METRICS, SMALL_SAMPLE, Figure, Metric
from portal.dashboard.rollups import period_end

PERIODS = ("week", "month")
DEFAULT_PERIOD = "month"
CHART_PERIODS = 12  # the last 12 weeks or 12 months
# figures whose charts are bars (things counted); the others are rates and times, drawn as lines
BAR_UNITS = ("count",)


def _locale() -> str:
    return str(get_locale() or "zh")


# --- values -----------------------------------------------------------------------------


def _trim(number: float, places: int = 1) -> str:
    text = f"{number:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(unit: str, value: float | None) -> str:
    """42.5% · 3.5 h · 1,234 · +32 · 4.6 ★ · 0.42; "—" when there is nothing to measure."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{_trim(value)}%"
    if unit == "hours":
        return _("%(h)s h", h=_trim(value))
    if unit == "count":
        return _trim(value, 0) if float(value).is_integer() else _trim(value)
    if unit == "score":
        return f"{value:+.0f}" if round(value) else "0"
    if unit == "stars":
        return f"{value:.1f} ★"
    return _trim(value, 2)


@dataclass(frozen=True)
class Change:
    arrow: str  # ▲ ▼ or =
    text: str  # "+3.2 pt", "−0.5 h"
    good: bool | None  # None: no change, or nothing to compare
    css: str


def change_of(metric: Metric, current: Figure | None, previous: Figure | None) -> Change | None:
    """The change from the previous period's value to this one's; None when either is missing."""
    if current is None or previous is None or current.value is None or previous.value is None:
        return None
    delta = current.value - previous.value
    if metric.unit == "percent":
        size = _("%(n)s pt", n=_trim(abs(delta)))
    elif metric.unit == "score":
        size = _trim(abs(delta))
    else:
        size = format_value(metric.unit, abs(delta)).lstrip("+").removesuffix(" ★")
    if abs(delta) < 1e-9:
        return Change("=", _("no change"), None, "is-flat")
    up = delta > 0
    good = up != metric.lower_is_better
    sign = "+" if up else "−"
    return Change("▲" if up else "▼", f"{sign}{size}", good, "is-good" if good else "is-bad")


# --- periods ----------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _date_label(day: date, skeleton: str, locale: str) -> str:
    return format_skeleton(skeleton, day, locale=locale)


def period_label(period: str, start: date) -> str:
    """2026年11月 / Nov 2026; a week by its Monday: 11月23日起 / week of Nov 23."""
    if period == "month":
        return _date_label(start, "yMMM", _locale())
    return _("week of %(day)s", day=_date_label(start, "MMMd", _locale()))


def table_label(period: str, start: date) -> str:
    """A column of a chart's table: 2026年11月 / Nov 2026; a week by its Monday, 11月23日 / Nov 23."""
    return _date_label(start, "yMMM" if period == "month" else "MMMd", _locale())


def axis_label(period: str, start: date) -> str:
    """A short label under a chart's bar or point: 11月 / Nov; 11/23."""
    return _date_label(start, "MMM" if period == "month" else "Md", _locale())


# --- the headline -----------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    metric: Metric
    figure: Figure | None
    value: str
    change: Change | None
    previous: str
    small: bool  # n < SMALL_SAMPLE
    p90: str | None


def card(metric: Metric, figure: Figure | None, previous: Figure | None) -> Card:
    """One headline figure with its change against the previous period."""
    p90 = None
    if figure is not None and figure.p90 is not None:
        p90 = format_value(metric.unit, figure.p90)
    return Card(
        metric=metric,
        figure=figure,
        value=format_value(metric.unit, figure.value if figure else None),
        change=change_of(metric, figure, previous),
        previous=format_value(metric.unit, previous.value if previous else None),
        small=figure is None or figure.n < SMALL_SAMPLE,
        p90=p90,
    )


def headline(by_start: dict[date, dict[str, Figure]], starts: list[date], metrics=None) -> list[Card]:
    """A card per metric: the last period (so far) against the one before it."""
    current, previous = by_start.get(starts[-1], {}), by_start.get(starts[-2], {}) if len(starts) > 1 else {}
    return [card(m, current.get(m.key), previous.get(m.key)) for m in (metrics or METRICS).values()]


# --- charts and their tables ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    start: date
    label: str
    value: str
    figure: Figure | None
    small: bool


@dataclass(frozen=True)
class Chart:
    metric: Metric
    svg: object  # Markup, or None when there is nothing to draw
    rows: list[Row]


def _tip(metric: Metric, period: str, start: date, figure: Figure | None) -> str:
    text = f"{period_label(period, start)} · {format_value(metric.unit, figure.value if figure else None)}"
    if figure is not None and figure.value is not None:
        text += " · " + _("n = %(n)s", n=figure.n)
    return text


def chart(metric: Metric, period: str, starts: list[date], by_start: dict[date, dict[str, Figure]]) -> Chart:
    """The metric over the periods as SVG (bars for counts, a line for the rest) and its table."""
    figures = [by_start.get(start, {}).get(metric.key) for start in starts]
    rows = [
        Row(
            start,
            table_label(period, start),
            format_value(metric.unit, f.value if f else None),
            f,
            f is None or f.n < SMALL_SAMPLE,
        )
        for start, f in zip(starts, figures, strict=True)
    ]
    title = f"{metric.label} · " + (_("last 12 weeks") if period == "week" else _("last 12 months"))
    measured = [(i, f) for i, f in enumerate(figures) if f is not None and f.value is not None]
    if not measured:
        return Chart(metric, None, rows)

    def y_label(y: float) -> str:  # compact: the axis has 40 px
        return f"{_trim(y)}h" if metric.unit == "hours" else format_value(metric.unit, y)

    if metric.unit in BAR_UNITS:
        bars = [
            Bar(
                axis_label(period, start),
                None if f is None or f.value is None else f.value,
                title=_tip(metric, period, start, f),
                css="is-small" if f is None or f.n < SMALL_SAMPLE else "",
            )
            for start, f in zip(starts, figures, strict=True)
        ]
        svg = bar_chart(bars, title=title, y_label=y_label, width=480, height=200, label_every=2)
    else:
        series = Series(
            str(metric.label),
            [(float(i), f.value) for i, f in measured],
            titles=[_tip(metric, period, starts[i], f) for i, f in measured],
            classes=["is-small" if f.n < SMALL_SAMPLE else "" for _i, f in measured],
        )
        low = 0.0 if metric.unit != "score" else -100.0
        high = {"percent": 100.0, "score": 100.0, "stars": 5.0}.get(metric.unit)
        svg = line_chart(
            [series],
            title=title,
            x_label=lambda x: axis_label(period, starts[int(round(x))]),
            x_ticks=[float(i) for i in range(0, len(starts), 3)] + [float(len(starts) - 1)],
            x_range=(0.0, float(len(starts) - 1)),
            y_label=y_label,
            y_range=(low, low if high is None else high),
            width=480,
            height=200,
        )
    return Chart(metric, svg, rows)


def csv_rows(metric: Metric, period: str, starts: list[date], by_start) -> tuple[list, list[list]]:
    """The chart's numbers for a spreadsheet: the period's first and last local day, the value in
    its unit (a percent as 0–100, as the metrics measure it), and what it was computed from."""
    unit = {"percent": "%", "hours": "h"}.get(metric.unit, "")
    header = [
        _("From"),
        _("To"),
        f"{metric.label} ({unit})" if unit else str(metric.label),
        _("Numerator"),
        _("Denominator"),
        _("Sample"),
        _("p90"),
        _("Small sample"),
    ]
    rows = []
    for start in starts:
        f = by_start.get(start, {}).get(metric.key)
        value = None if f is None or f.value is None else round(f.value, 4)
        rows.append(
            [
                start.isoformat(),
                (period_end(period, start) - timedelta(days=1)).isoformat(),
                "" if value is None else f"{value:g}",
                "" if f is None else f"{f.numerator:g}",
                "" if f is None else f"{f.denominator:g}",
                0 if f is None else f.n,
                "" if f is None or f.p90 is None else f"{round(f.p90, 4):g}",
                _("yes") if f is None or f.n < SMALL_SAMPLE else "",
            ]
        )
    return header, rows
