"""The pages a resident, a leader, an admin and a kiosk screen open, and what one request costs.

`PAGES` names each page, who opens it and its URL (filled from a bench.world World's ids).
`Visitor` logs the world's people in through the real login form, one test client each, and
`measure()` requests each page in-process through the Flask test client (outside any app
context, as a real request) on several worlds in turn and reports its status, the SQL
statements it ran (counted by a `before_cursor_execute` listener on the engine), its size and
its time (median of `repeat`).
Used by bench/bench_growth.py and tests/test_query_budget.py.
"""

import statistics
import time
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Page:
    name: str
    persona: str  # resident, leader, volunteer, admin, kiosk (bench.world personas)
    url: str  # str.format with the world's ids
    status: int = 200
    export: bool = False  # a download of every row it is about (its queries are flat, not its size)


PAGES = [
    # a resident
    Page("home", "resident", "/"),
    Page("buys: open", "resident", "/groupbuy"),
    Page("buys: closing soon", "resident", "/groupbuy?view=closing"),
    Page("buys: mine", "resident", "/groupbuy?view=mine"),
    Page("buys: ended", "resident", "/groupbuy?view=ended"),
    Page("a buy (big)", "resident", "/groupbuy/{big_buy}"),
    Page("a buy's progress (big)", "resident", "/groupbuy/{big_buy}/progress"),
    Page("my orders", "resident", "/groupbuy/orders"),
    Page("an order", "resident", "/groupbuy/orders/{order}"),
    Page("neighbours directory", "resident", "/neighbors"),
    Page("a neighbour's profile", "resident", "/neighbors/{profile}"),
    Page("contacts", "resident", "/neighbors/contacts"),
    Page("boards hub", "resident", "/boards"),
    Page("chat", "resident", "/boards/chat"),
    Page("newcomers", "resident", "/boards/newcomers"),
    Page("skills", "resident", "/boards/skills"),
    Page("help needs", "resident", "/boards/help"),
    Page("groups", "resident", "/boards/groups"),
    Page("a group (big)", "resident", "/boards/groups/{group}"),
    Page("a post", "resident", "/boards/posts/{post}"),
    Page("events", "resident", "/events"),
    Page("an event (big)", "resident", "/events/{big_event}"),
    Page("points", "resident", "/points"),
    Page("catalogue", "resident", "/points/catalogue"),
    Page("redemptions", "resident", "/points/redemptions"),
    Page("notifications", "resident", "/notifications"),
    Page("my account", "resident", "/me"),
    Page("pickup points", "resident", "/pickup/points"),
    # a leader
    Page("workbench", "leader", "/groupbuy/workbench"),
    Page("a buy's orders (big)", "leader", "/groupbuy/{big_buy}/orders"),
    Page("pick list: all buys", "leader", "/groupbuy/workbench/picklist"),
    Page("pick list: one point", "leader", "/groupbuy/workbench/picklist?point={points_station}"),
    Page("pick list: per building", "leader", "/groupbuy/workbench/picklist?by=building"),
    Page("pick list: one building", "leader", "/groupbuy/workbench/picklist?building={first_building}"),
    Page("orders CSV (big)", "leader", "/groupbuy/{big_buy}/orders.csv", export=True),
    Page("verify a pickup", "leader", "/pickup/verify"),
    # an admin
    Page("events manage", "admin", "/events/manage"),
    Page("an event's admin (big)", "admin", "/events/{big_event}/admin"),
    Page("door list (big)", "admin", "/events/{big_event}/door?q={door_q}"),
    Page("members", "admin", "/admin/members"),
    Page("ambassadors", "admin", "/neighbors/ambassadors"),
    Page("applications", "admin", "/admin/applications"),
    Page("invitations", "admin", "/admin/invitations"),
    Page("moderation queue", "admin", "/moderation"),
    Page("moderation log", "admin", "/moderation/log"),
    Page("lockers", "admin", "/admin/lockers"),
    Page("a locker", "admin", "/admin/lockers/{locker}"),
    Page("kiosk screens", "admin", "/admin/kiosks"),
    Page("points: badges", "admin", "/points/admin/badges"),
    Page("points: invitations", "admin", "/points/admin/invitations"),
    Page("dashboard", "admin", "/admin/dashboard"),
    Page("dashboard: by week", "admin", "/admin/dashboard?period=week"),
    Page("dashboard: a chart's CSV", "admin", "/admin/dashboard/orders.csv?period=month"),
    Page("dashboard: NPS comments", "admin", "/admin/dashboard/comments"),
    # a volunteer
    Page("newcomers (ambassador)", "volunteer", "/boards/newcomers"),
    Page("moderation queue: pending", "volunteer", "/moderation?tab=pending"),
    # a kiosk screen
    Page("kiosk board", "kiosk", "/kiosk/points/{locker_point}"),
]


@dataclass
class Result:
    page: Page
    status: int
    queries: int
    seconds: float  # median over the repeats
    size: int  # bytes of the body


class QueryCounter:
    """Counts the SQL statements the engine sends while it is attached."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []
        self.keep = False

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_):
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        self.count += 1
        if self.keep:
            self.statements.append(statement)


class Visitor:
    """The world's people, each logged in with their own test client."""

    def __init__(self, app, world):
        self.app = app
        self.world = world
        self.clients = {}

    def client(self, persona: str):
        if persona not in self.clients:
            client = self.app.test_client()
            response = client.post(
                "/login", data={"phone": self.world.phones[persona], "password": self.world.password}
            )
            if response.status_code != 303:
                raise RuntimeError(f"{persona} could not log in: {response.status_code}")
            self.clients[persona] = client
        return self.clients[persona]

    def url(self, page: Page) -> str:
        return page.url.format(**self.world.ids)

    def get(self, page: Page):
        return self.client(page.persona).get(self.url(page))


def measure(targets, pages=PAGES, repeat: int = 5, warm: int = 1) -> list[list[Result]]:
    """Each page on each target (an (app, world) pair: SMALL and LARGE): `warm` requests
    unmeasured, then `repeat` rounds of one request per target in turn, so that whatever else
    the machine does slows them alike. Per target, per page: status, queries (the most of a
    round), median time, size."""
    from portal.core.db import db

    visitors, counters = [], []
    for app, world in targets:
        with app.app_context():
            counters.append(QueryCounter(db.engine))
        visitors.append(Visitor(app, world))
    results: list[list[Result]] = [[] for _ in targets]
    for counter in counters:
        counter.__enter__()
    try:
        for page in pages:
            for visitor in visitors:
                for _ in range(warm):
                    visitor.get(page)
            times: list[list[float]] = [[] for _ in targets]
            counts: list[list[int]] = [[] for _ in targets]
            last = [None] * len(targets)
            for _ in range(repeat):
                for i, (visitor, counter) in enumerate(zip(visitors, counters, strict=True)):
                    counter.count = 0
                    started = time.perf_counter()
                    last[i] = visitor.get(page)
                    times[i].append(time.perf_counter() - started)
                    counts[i].append(counter.count)
            for i, response in enumerate(last):
                results[i].append(
                    Result(
                        page,
                        response.status_code,
                        max(counts[i]),
                        statistics.median(times[i]),
                        len(response.data),
                    )
                )
    finally:
        for counter in counters:
            counter.__exit__()
    return results


def statements(app, world, page: Page) -> list[str]:
    """The SQL statements one request of `page` runs (to see where a count comes from)."""
    from portal.core.db import db

    with app.app_context():
        engine = db.engine
    visitor = Visitor(app, world)
    visitor.get(page)
    with QueryCounter(engine) as counter:
        counter.keep = True
        visitor.get(page)
    return counter.statements
