"""Closing at the deadline happens exactly once: two closers at the same instant (threads, and
two real `flask groupbuy sweep` processes) give one outcome and one set of notifications; the
background sweeper closes due buys by itself, including deadlines passed while it was down."""

import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.core.db import begin_write, db
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.joining import join_buy
from portal.notifications.models import Notification
from tests.groupbuy.helpers import make_buy, pass_deadline, state
from tests.iot.mqtt import wait_for
from tests.live import server_env

ROOT = Path(__file__).resolve().parents[2]


def _due_buys(world, count: int):
    """`count` buys past their deadline; even ones reach their minimum, odd ones do not."""
    buys = []
    for i in range(count):
        buy = make_buy(world.leader, [world.point], title=f"团{i}", min_quantity=2)
        for m in world.residents[: 2 if i % 2 == 0 else 1]:
            join_buy(m.user, buy, 1)
        db.session.commit()
        pass_deadline(buy)
        buys.append(buy.id)
    return buys


def _outcome_notifications():
    kinds = ("gb_succeeded", "gb_failed", "gb_leader_succeeded", "gb_leader_failed")
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.kind, Notification.params).where(
            Notification.kind.in_(kinds)
        )
    ).all()
    return Counter((user_id, kind, params["title"]) for user_id, kind, params in rows)


def _check_closed_once(world, buy_ids):
    notes = _outcome_notifications()
    assert notes and max(notes.values()) == 1, notes  # nobody told twice
    for index, buy_id in enumerate(buy_ids):
        buy = state(buy_id)
        expected = BuyStatus.SUCCEEDED if index % 2 == 0 else BuyStatus.FAILED
        assert buy.status == expected
        orders = db.session.scalars(sa.select(Order).where(Order.buy_id == buy_id)).all()
        assert {o.status for o in orders} == {OrderStatus.CONFIRMED if index % 2 == 0 else OrderStatus.VOID}
        told = [key for key in notes if key[2] == buy.title]
        assert len(told) == len(orders) + 1  # each participant once, the leader once


def test_two_closers_at_the_same_instant(app, world):
    buy_ids = _due_buys(world, 6)
    results: dict = {}
    barrier = threading.Barrier(2)

    def closer(name):
        with app.app_context():
            outcomes = []
            for buy_id in buy_ids:
                barrier.wait(timeout=30)
                begin_write()
                outcomes.append(close_buy(buy_id))
                db.session.commit()
            results[name] = outcomes
            db.session.remove()

    threads = [threading.Thread(target=closer, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for first, second in zip(results["a"], results["b"], strict=True):
        assert (first is None) != (second is None)  # exactly one of them closed each buy
    _check_closed_once(world, buy_ids)


def test_two_sweep_processes_at_once(app, world, database_url):
    buy_ids = _due_buys(world, 10)
    db.session.commit()
    env = server_env(database_url)
    command = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "groupbuy", "sweep"]
    command.append("--no-pushes")  # (these pushes go nowhere: no Redis, no page open)
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["succeeded"] for r in reports) == 5 and sum(r["failed"] for r in reports) == 5, reports
    _check_closed_once(world, buy_ids)


def test_background_sweeper_closes_due_buys_by_itself(app, world):
    from portal.groupbuy.scheduler import start_sweeper

    missed = _due_buys(world, 1)[0]  # passed while "the portal was down"
    soon = make_buy(world.leader, [world.point], title="马上截单", min_quantity=1)
    join_buy(world.residents[0].user, soon, 1)
    db.session.commit()
    sweeper = start_sweeper(app, interval=0.2)
    try:
        wait_for(lambda: state(missed).status != BuyStatus.OPEN)
        assert state(missed).status == BuyStatus.SUCCEEDED  # the sweep at start-up
        begin_write()  # the sweeper writes every 0.2 s: a read that then writes would lose to it
        pass_deadline(db.session.get(GroupBuy, soon.id))
        wait_for(lambda: state(soon.id).status != BuyStatus.OPEN)
        assert state(soon.id).status == BuyStatus.SUCCEEDED
    finally:
        sweeper.stop()
        sweeper.join(timeout=5)
    assert sweeper.runs >= 2


def test_create_app_starts_no_sweeper(app):
    from portal import create_app

    create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert not [t for t in threading.enumerate() if t.name == "groupbuy-sweeper"]


@pytest.mark.parametrize("count", [0])
def test_sweep_with_nothing_due_changes_nothing(app, world, count):
    from portal.groupbuy.services.closing import sweep

    make_buy(world.leader, [world.point])
    assert sweep() == {"succeeded": 0, "failed": 0, "reminded": 0, "overdue": 0, "expired": count}
    assert db.session.scalar(sa.select(GroupBuy.status)) == BuyStatus.OPEN
