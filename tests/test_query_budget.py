"""A page's queries do not depend on how much data there is.

Two communities are built in the test's database with bench/world.py: one of SMALL size (50
residents, 50 buys, 500 orders…) and one four times larger. Every page of bench/pages.py — what
a resident, a leader, a volunteer, an admin and a kiosk screen open — is requested by the same
people of each community; each page must answer and run as many SQL statements in the larger
community as in the smaller one (a query per row, or a list that is not paged, shows up as a
difference). bench/bench_growth.py measures the same pages on SMALL and LARGE for time.
"""

from collections import Counter

import pytest

from bench.pages import PAGES, measure, statements
from bench.world import SMALL, fill


@pytest.fixture
def worlds(app):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # the people of both worlds log in
    return fill(SMALL, seed=1), fill(SMALL.times(4), seed=1)


def test_every_page_runs_the_same_queries_with_four_times_the_data(app, worlds):
    small, large = measure([(app, worlds[0]), (app, worlds[1])], repeat=1)
    problems = []
    for in_small, in_large in zip(small, large, strict=True):
        page = in_small.page
        for result in (in_small, in_large):
            if result.status != page.status:
                problems.append(f"{page.name} ({page.url}): HTTP {result.status}")
        if in_small.queries != in_large.queries:
            problems.append(
                f"{page.name} ({page.url}): {in_small.queries} queries, {in_large.queries} with 4× the data"
                + _difference(app, worlds, page)
            )
    assert not problems, "\n".join(problems)
    assert len(PAGES) >= 25


def _difference(app, worlds, page) -> str:
    """The statements one world runs more often than the other (the start of each)."""
    small, large = (Counter(sql[:120] for sql in statements(app, world, page)) for world in worlds)
    more = [f"\n    +{n} with more data: {sql}" for sql, n in (large - small).items()]
    fewer = [f"\n    -{n} with more data: {sql}" for sql, n in (small - large).items()]
    return "".join(more + fewer)
