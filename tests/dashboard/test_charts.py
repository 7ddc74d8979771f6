"""core/svgchart.py as the dashboard draws with it: a bar without a value is a gap that keeps its
tooltip, labels thinned to every other bar, and a line whose x axis spans periods it has no
values for; none of it with a style attribute or a script."""

from portal.core.svgchart import Bar, Series, bar_chart, line_chart


def test_a_bar_without_a_value_is_a_gap_with_its_tooltip():
    svg = bar_chart(
        [Bar("Oct", 3, title="Oct · 3"), Bar("Nov", None, title="Nov · —"), Bar("Dec", 5)],
        title="Orders",
        label_every=2,
    )
    assert svg.count('class="chart-bar"') == 2 and svg.count('class="chart-bar is-empty"') == 1
    assert "<title>Nov · —</title>" in svg and "<title>Dec · 5</title>" in svg
    assert ">Dec<" in svg and ">Oct<" in svg and ">Nov<" not in svg  # every other label, from the last
    assert "style" not in svg and "<script" not in svg


def test_a_bar_chart_of_nothing_measured_still_draws_its_axis():
    svg = bar_chart([Bar("Nov", None), Bar("Dec", None)], title="Orders")
    assert svg.count("is-empty") == 2 and "<title>Dec · —</title>" in svg


def test_the_x_range_widens_a_line_past_its_points():
    narrow = line_chart([Series("s", [(9.0, 1.0), (11.0, 2.0)])], title="t", x_ticks=[9.0, 11.0])
    wide = line_chart(
        [Series("s", [(9.0, 1.0), (11.0, 2.0)])], title="t", x_ticks=[0.0, 11.0], x_range=(0.0, 11.0)
    )
    first_x = lambda svg: float(svg.split("<circle")[1].split('cx="')[1].split('"')[0])  # noqa: E731
    assert first_x(wide) > first_x(narrow)  # x=9 sits far right once the axis starts at 0
