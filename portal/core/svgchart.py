"""Charts as server-rendered SVG that pass the portal's strict CSP.

Only presentation attributes and CSS classes: no `style` attribute, no <style> element, no script,
so `style-src 'self'` and `script-src 'self'` hold. Every point and bar carries a <title>, which
browsers show as its tooltip and screen readers read; the whole chart is a role="img" with a
title and a description. Put a table of the same numbers beside it for those who need one.

    chart = line_chart(
        [Series("C01", [(x, y), ...], titles=["14:00 · 4.5 °C", ...])],
        title="Temperatures", x_label=lambda x: ..., y_label=lambda y: f"{y:g} °C",
        bands=[Band(0, 8, "cold range")],
    )
    {{ chart }}   # Markup

x and y are numbers (a time as a POSIX timestamp). The classes (chart, chart-grid, chart-axis,
chart-tick, chart-band, chart-line, chart-point, chart-bar, series-<n>, and a point's or bar's
own extra class) may be styled in static/css/; the presentation attributes give a plain look
without any CSS, and CSS rules win over them.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count

from markupsafe import Markup, escape

PALETTE = ("#0e7490", "#7c3aed", "#4d7c0f", "#a16207", "#be123c", "#c2410c")
MARGIN = {"top": 12, "right": 12, "bottom": 28, "left": 40}
FONT_SIZE = 11
LEGEND_HEIGHT = 18
_ids = count(1)


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]
    titles: list[str] | None = None  # a tooltip per point; default "x label · y label"
    classes: list[str] | None = None  # an extra class per point (e.g. "is-out" for a reading out of range)


@dataclass
class Band:
    """A shaded horizontal range of y (the cold range 0–8 °C)."""

    low: float
    high: float
    label: str = ""
    css: str = "chart-band"


@dataclass
class Bar:
    label: str
    value: float | None  # None: nothing measured, drawn as a gap with its label and tooltip
    title: str = ""
    css: str = ""


@dataclass
class Frame:
    """The plot area inside the margins, and the mapping from values to SVG coordinates."""

    width: int
    height: int
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    margin: dict = field(default_factory=lambda: dict(MARGIN))

    @property
    def left(self) -> float:
        return self.margin["left"]

    @property
    def right(self) -> float:
        return self.width - self.margin["right"]

    @property
    def top(self) -> float:
        return self.margin["top"]

    @property
    def bottom(self) -> float:
        return self.height - self.margin["bottom"]

    def x(self, value: float) -> float:
        span = self.x_max - self.x_min or 1.0
        return round(self.left + (value - self.x_min) / span * (self.right - self.left), 1)

    def y(self, value: float) -> float:
        span = self.y_max - self.y_min or 1.0
        return round(self.bottom - (value - self.y_min) / span * (self.bottom - self.top), 1)


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if not math.isfinite(low) or not math.isfinite(high):
        raise ValueError("ticks of a range that is not finite")
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    raw = (high - low) / max(target - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def even_ticks(low: float, high: float, number: int = 4) -> list[float]:
    """`number` evenly spaced values from low to high (time axes, whose round steps vary)."""
    if number < 2 or high == low:
        return [low]
    return [low + (high - low) * i / (number - 1) for i in range(number)]


def thin(points: Sequence[tuple[float, float]], limit: int) -> list[tuple[float, float]]:
    """At most about `limit` points in x order, keeping each stretch's lowest and highest value,
    so that a short excursion still shows once a long series is drawn in few pixels."""
    points = sorted(points)
    if len(points) <= limit:
        return list(points)
    buckets = max(limit // 2, 1)
    size = len(points) / buckets
    kept: list[tuple[float, float]] = []
    for b in range(buckets):
        chunk = points[int(b * size) : int((b + 1) * size)]
        if not chunk:
            continue
        low = min(chunk, key=lambda p: p[1])
        high = max(chunk, key=lambda p: p[1])
        kept.extend(sorted({low, high}))
    return kept


def _attrs(**attributes) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None or value == "":
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"')
    return " ".join(parts)


def _number(value: float) -> str:
    return f"{value:g}"


def _head(width: int, height: int, title: str, description: str, css: str) -> tuple[list[str], str]:
    ident = f"chart-{next(_ids)}"
    svg = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        class_=css,
        role="img",
        aria_labelledby=f"{ident}-t {ident}-d",
        font_size=FONT_SIZE,
        font_family="system-ui, sans-serif",
    )
    parts = [
        f"<svg {svg}>",
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]
    return parts, ident


def _y_axis(frame: Frame, ticks: list[float], label: Callable[[float], str]) -> list[str]:
    parts = ['<g class="chart-grid">']
    for tick in ticks:
        y = frame.y(tick)
        parts.append(
            f"<line {_attrs(x1=frame.left, x2=frame.right, y1=y, y2=y, stroke='#e5e7eb', stroke_width=1)}/>"
        )
    parts.append("</g>")
    parts.append('<g class="chart-tick chart-tick-y">')
    for tick in ticks:
        attrs = _attrs(
            x=frame.left - 4, y=frame.y(tick), text_anchor="end", dominant_baseline="middle", fill="#6b7280"
        )
        parts.append(f"<text {attrs}>{escape(label(tick))}</text>")
    parts.append("</g>")
    return parts


def _x_axis(frame: Frame, ticks: list[float], label: Callable[[float], str]) -> list[str]:
    parts = [
        f'<line class="chart-axis" {_attrs(x1=frame.left, x2=frame.right, y1=frame.bottom, y2=frame.bottom)}'
        ' stroke="#9ca3af" stroke-width="1"/>',
        f'<line class="chart-axis" {_attrs(x1=frame.left, x2=frame.left, y1=frame.top, y2=frame.bottom)}'
        ' stroke="#9ca3af" stroke-width="1"/>',
        '<g class="chart-tick chart-tick-x">',
    ]
    for i, tick in enumerate(ticks):
        anchor = "middle"
        if len(ticks) > 1 and i in (0, len(ticks) - 1):
            anchor = "start" if i == 0 else "end"
        x = frame.x(tick)
        parts.append(f"<line {_attrs(x1=x, x2=x, y1=frame.bottom, y2=frame.bottom + 4, stroke='#9ca3af')}/>")
        attrs = _attrs(x=x, y=frame.bottom + 16, text_anchor=anchor, fill="#6b7280")
        parts.append(f"<text {attrs}>{escape(label(tick))}</text>")
    parts.append("</g>")
    return parts


def _bands(frame: Frame, bands: Sequence[Band]) -> list[str]:
    parts = []
    for band in bands:
        low, high = max(band.low, frame.y_min), min(band.high, frame.y_max)
        if high <= low:
            continue
        top, bottom = frame.y(high), frame.y(low)
        rect = _attrs(
            class_=band.css,
            x=frame.left,
            y=top,
            width=round(frame.right - frame.left, 1),
            height=round(bottom - top, 1),
            fill="#e0f2fe",
        )
        title = f"<title>{escape(band.label)}</title>" if band.label else ""
        parts.append(f"<rect {rect}>{title}</rect>")
        if band.label:
            attrs = _attrs(
                class_="chart-band-label", x=frame.left + 4, y=bottom - 4, text_anchor="start", fill="#0369a1"
            )
            parts.append(f"<text {attrs}>{escape(band.label)}</text>")
    return parts


def _text_width(text: str) -> float:
    """About how wide a label is drawn: CJK characters a full em, others about half."""
    return sum(FONT_SIZE if ord(c) > 0x2E80 else FONT_SIZE * 0.6 for c in text)


def _legend(frame: Frame, names: list[str]) -> list[str]:
    parts, x = ['<g class="chart-legend">'], frame.left
    y = frame.height - LEGEND_HEIGHT / 2 - 2
    for n, name in enumerate(names):
        colour = PALETTE[n % len(PALETTE)]
        line = _attrs(
            class_=f"chart-key series-{n}", x1=x, x2=x + 14, y1=y, y2=y, stroke=colour, stroke_width=3
        )
        parts.append(f"<line {line}/>")
        attrs = _attrs(x=x + 18, y=y, dominant_baseline="middle", fill="#374151")
        parts.append(f"<text {attrs}>{escape(name)}</text>")
        x += 18 + _text_width(name) + 14
    parts.append("</g>")
    return parts


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    x_label: Callable[[float], str] = _number,
    y_label: Callable[[float], str] = _number,
    x_ticks: list[float] | None = None,
    y_ticks: list[float] | None = None,
    y_range: tuple[float, float] | None = None,
    x_range: tuple[float, float] | None = None,
    bands: Sequence[Band] = (),
    width: int = 360,
    height: int = 220,
    css: str = "chart chart-line-chart",
    legend: bool | None = None,
) -> Markup:
    """A line per series with a dot per point (each with its tooltip), gridlines and tick labels;
    a legend under the axis when there are several series (or legend=True). `x_range` widens the
    x axis beyond the points (a series over 12 months that has values for the last 3 only)."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    if not xs:
        raise ValueError("a line chart needs at least one point")
    if x_range is not None:
        xs = [*xs, *x_range]
    x_min, x_max = min(xs), max(xs)
    if x_min == x_max:
        x_min, x_max = x_min - 1, x_max + 1
    low, high = (min(ys), max(ys)) if y_range is None else (min(y_range[0], *ys), max(y_range[1], *ys))
    y_ticks = y_ticks or nice_ticks(low, high)
    legend = len(series) > 1 if legend is None else legend
    if legend:
        height += LEGEND_HEIGHT
    frame = Frame(width, height, x_min, x_max, min(y_ticks[0], low), max(y_ticks[-1], high))
    if legend:
        frame.margin["bottom"] += LEGEND_HEIGHT
    if x_ticks is None:
        x_ticks = even_ticks(min(xs), max(xs))
    parts, _ident = _head(width, height, title, description or title, css)
    if legend:
        parts += _legend(frame, [one.name for one in series])
    parts += _bands(frame, bands)
    parts += _y_axis(frame, y_ticks, y_label)
    parts += _x_axis(frame, x_ticks, x_label)
    for n, one in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        ordered = sorted(range(len(one.points)), key=lambda i: one.points[i][0])
        if len(ordered) > 1:
            line = " ".join(f"{frame.x(one.points[i][0])},{frame.y(one.points[i][1])}" for i in ordered)
            attrs = _attrs(
                class_=f"chart-line series-{n}",
                points=line,
                fill="none",
                stroke=colour,
                stroke_width=2,
                stroke_linejoin="round",
            )
            parts.append(f"<polyline {attrs}><title>{escape(one.name)}</title></polyline>")
        parts.append(f'<g class="chart-points series-{n}">')
        for i in ordered:
            x, y = one.points[i]
            tip = one.titles[i] if one.titles else f"{x_label(x)} · {y_label(y)}"
            extra = one.classes[i] if one.classes else ""
            attrs = _attrs(
                class_=f"chart-point {extra}".strip(), cx=frame.x(x), cy=frame.y(y), r=2.5, fill=colour
            )
            parts.append(f"<circle {attrs}><title>{escape(tip)}</title></circle>")
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    y_label: Callable[[float], str] = _number,
    y_ticks: list[float] | None = None,
    width: int = 360,
    height: int = 220,
    css: str = "chart chart-bar-chart",
    label_every: int = 1,
) -> Markup:
    """A bar per item from zero, its label below and its tooltip on it; a bar without a value
    is a gap (a thin mark on the axis carries its tooltip). `label_every=2` writes every other
    label, counted from the last bar, when many bars share a narrow chart."""
    if not bars:
        raise ValueError("a bar chart needs at least one bar")
    values = [b.value for b in bars if b.value is not None] or [0.0]
    y_ticks = y_ticks or nice_ticks(min(0.0, *values), max(0.0, *values))
    frame = Frame(width, height, 0, len(bars), y_ticks[0], y_ticks[-1])
    parts, _ident = _head(width, height, title, description or title, css)
    parts += _y_axis(frame, y_ticks, y_label)
    parts.append(
        f'<line class="chart-axis" {_attrs(x1=frame.left, x2=frame.right, y1=frame.y(0), y2=frame.y(0))}'
        ' stroke="#9ca3af" stroke-width="1"/>'
    )
    slot = (frame.right - frame.left) / len(bars)
    parts.append('<g class="chart-bars">')
    for i, bar in enumerate(bars):
        if bar.value is None:
            top, bottom, css, fill = frame.y(0) - 2, frame.y(0), f"chart-bar is-empty {bar.css}", "#d1d5db"
        else:
            top, bottom = sorted((frame.y(bar.value), frame.y(0)))
            css, fill = f"chart-bar {bar.css}", PALETTE[0]
        attrs = _attrs(
            class_=css.strip(),
            x=round(frame.left + slot * i + slot * 0.15, 1),
            y=top,
            width=round(slot * 0.7, 1),
            height=round(max(bottom - top, 0.5), 1),
            fill=fill,
        )
        tip = bar.title or f"{bar.label} · {'—' if bar.value is None else y_label(bar.value)}"
        parts.append(f"<rect {attrs}><title>{escape(tip)}</title></rect>")
        if (len(bars) - 1 - i) % max(label_every, 1):
            continue
        label = _attrs(
            x=round(frame.left + slot * (i + 0.5), 1),
            y=frame.bottom + 16,
            text_anchor="middle",
            fill="#6b7280",
        )
        parts.append(f'<text class="chart-tick chart-tick-x" {label}>{escape(bar.label)}</text>')
    parts.append("</g></svg>")
    return Markup("".join(parts))
