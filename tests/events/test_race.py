"""Capacity under real concurrency: a running server (gunicorn, 4 workers × 8 threads), 4 client
processes firing at once. Runs on SQLite, and on PostgreSQL with PORTAL_TEST_DATABASE_URL.

Capacity 20: 60 residents sign up at once, then 15 confirmed residents cancel at once while 8
latecomers sign up. A monitor polls the database throughout. Never more than 20 places are
confirmed; each freed place promotes exactly one waiting resident, the first 15 in waitlist
order, each once (one promotion notification each); latecomers stay behind them.
"""

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db
from tests.conftest import PG_URL, TEST_PASSWORD
from tests.events import race_client
from tests.events.helpers import make_event

CAPACITY = 20
SIGNUPS = 60
CANCELLATIONS = 15
LATECOMERS = 8
PROCESSES = 4


class Monitor(threading.Thread):
    """Polls confirmed places (signup rows and the counter) while the clients run."""

    def __init__(self, database_url: str, event_id: int):
        super().__init__(daemon=True)
        self.engine = sa.create_engine(database_url)
        self.event_id = event_id
        self.max_confirmed = 0
        self.max_counter = 0
        self.samples = 0
        self.stop = threading.Event()

    def run(self):
        query = sa.text(
            "SELECT (SELECT coalesce(sum(places), 0) FROM event_signups "
            "        WHERE event_id = :e AND status = 'confirmed'), "
            "       (SELECT places_taken FROM events WHERE id = :e)"
        )
        with self.engine.connect() as connection:
            while not self.stop.is_set():
                confirmed, counter = connection.execute(query, {"e": self.event_id}).one()
                connection.rollback()
                self.max_confirmed = max(self.max_confirmed, confirmed)
                self.max_counter = max(self.max_counter, counter)
                self.samples += 1
                time.sleep(0.003)
        self.engine.dispose()

    def finish(self):
        self.stop.set()
        self.join(timeout=10)


@dataclass
class Outcome:
    statuses: list = field(default_factory=list)
    max_confirmed: int = 0
    max_counter: int = 0
    samples: int = 0


def fire_at_once(url: str, actions: list[tuple[str, str]]) -> list:
    """Split the actions over PROCESSES spawned client processes that start together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    chunks = [actions[i::PROCESSES] for i in range(PROCESSES)]
    processes = [
        context.Process(target=race_client.run, args=(url, TEST_PASSWORD, chunk, barrier, results))
        for chunk in chunks
    ]
    for process in processes:
        process.start()
    collected = []
    deadline = time.monotonic() + 240
    while len(collected) < len(actions) and time.monotonic() < deadline:
        try:
            collected.append(results.get(timeout=1))
        except queue.Empty:
            if not any(process.is_alive() for process in processes):
                break
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0, "a client process failed"
    assert len(collected) == len(actions)
    return collected


def race(live_server, make, database_url, **server_config) -> tuple[Outcome, dict]:
    community = make.community("幸福里")
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    people = [make.member(community) for _ in range(SIGNUPS + LATECOMERS)]
    event = make_event(admin, capacity=CAPACITY, max_companions=0, title="并发测试：插花课")
    server = live_server(workers=4, **server_config)
    signup_path = f"/events/{event.id}/signup"
    cancel_path = f"/events/{event.id}/cancel"
    monitor = Monitor(database_url, event.id)
    monitor.start()
    outcome = Outcome()
    try:
        first_wave = [(m.user.phone, signup_path) for m in people[:SIGNUPS]]
        outcome.statuses += fire_at_once(server.url, first_wave)
        confirmed_before = _rows(event.id, "confirmed")
        waitlist_before = _rows(event.id, "waitlisted")
        leaving = confirmed_before[:CANCELLATIONS]
        second_wave = [(phone_of(user_id), cancel_path) for user_id, _id in leaving]
        second_wave += [(m.user.phone, signup_path) for m in people[SIGNUPS:]]
        outcome.statuses += fire_at_once(server.url, second_wave)
    finally:
        monitor.finish()
    db.session.rollback()  # read what the server committed, not an older snapshot
    outcome.max_confirmed, outcome.max_counter, outcome.samples = (
        monitor.max_confirmed, monitor.max_counter, monitor.samples
    )
    state = {
        "event_id": event.id,
        "confirmed_before": confirmed_before,
        "waitlist_before": waitlist_before,
        "leaving": {user_id for user_id, _id in leaving},
        "latecomers": {m.user_id for m in people[SIGNUPS:]},
    }
    return outcome, state


def phone_of(user_id: int) -> str:
    from portal.accounts.models import User

    return db.session.get(User, user_id).phone


def _rows(event_id: int, status: str) -> list[tuple[int, int]]:
    """(user id, signup id) of the event's signups in a state, in id order (fresh read)."""
    from portal.events.models import Signup

    db.session.rollback()
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Signup.user_id, Signup.id)
            .where(Signup.event_id == event_id, Signup.status == status)
            .order_by(Signup.id)
        )
    ]


def test_capacity_and_waitlist_order_hold_under_concurrency(live_server, make, database_url):
    from portal.events.models import Event, Signup
    from portal.notifications.models import Notification

    outcome, state = race(live_server, make, database_url)
    event_id = state["event_id"]
    assert all(status == 303 for _phone, _path, status in outcome.statuses), outcome.statuses
    assert outcome.samples > 10  # the monitor really watched
    # never more than the capacity confirmed, at any moment
    assert outcome.max_confirmed <= CAPACITY
    assert outcome.max_counter <= CAPACITY
    # after the first wave: full, the rest waiting
    assert len(state["confirmed_before"]) == CAPACITY
    assert len(state["waitlist_before"]) == SIGNUPS - CAPACITY
    # after the second wave: each freed place went to the next in line, in order, once
    expected_promoted = [user_id for user_id, _id in state["waitlist_before"][:CANCELLATIONS]]
    promoted = db.session.scalars(
        sa.select(Signup.user_id)
        .where(Signup.event_id == event_id, Signup.promoted_at.is_not(None))
        .order_by(Signup.id)
    ).all()
    assert promoted == expected_promoted
    confirmed = _rows(event_id, "confirmed")
    assert len(confirmed) == CAPACITY
    assert {u for u, _ in confirmed} == (
        {u for u, _ in state["confirmed_before"]} - state["leaving"]
    ) | set(expected_promoted)
    assert db.session.get(Event, event_id).places_taken == CAPACITY
    promotions = db.session.execute(
        sa.select(Notification.user_id, sa.func.count())
        .where(Notification.kind == "event_promoted")
        .group_by(Notification.user_id)
    ).all()
    assert sorted(promotions) == sorted((user_id, 1) for user_id in expected_promoted)
    # everyone still waiting: the rest of the first waitlist, then the latecomers, in that order
    waiting = [u for u, _ in _rows(event_id, "waitlisted")]
    assert waiting[: SIGNUPS - CAPACITY - CANCELLATIONS] == [
        u for u, _ in state["waitlist_before"][CANCELLATIONS:]
    ]
    assert set(waiting[SIGNUPS - CAPACITY - CANCELLATIONS :]) == state["latecomers"]
    assert len(_rows(event_id, "cancelled")) == CANCELLATIONS


@pytest.mark.postgres
@pytest.mark.skipif(
    not PG_URL,
    reason="control run needs PostgreSQL: SQLite's BEGIN IMMEDIATE serialises writers, so even "
    "the naive code cannot race there",
)
def test_control_naive_seats_do_overbook(live_server, make, database_url):
    """With the conditional UPDATE and the event lock turned off, the same load overbooks:
    the test above would catch a broken guard."""
    outcome, _state = race(live_server, make, database_url, EVENTS_SEAT_GUARD=False)
    assert outcome.max_confirmed > CAPACITY
