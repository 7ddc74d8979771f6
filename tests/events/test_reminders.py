"""Day-before reminders: `flask events remind`, the background sweeper, and several at once."""

import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.events.models import Signup
from portal.events.scheduler import EventsSweeper
from portal.events.services.signups import sign_up
from portal.notifications.models import Notification
from tests.events.helpers import make_event
from tests.live import BIN, ROOT, server_env


@pytest.fixture
def tomorrow(make):
    """An event starting in 20 hours with 5 confirmed residents, and one in 3 days with 1."""
    community = make.community("幸福里")
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    soon = make_event(admin, starts_at=utcnow() + timedelta(hours=20), title="春季亲子插花")
    later = make_event(admin, starts_at=utcnow() + timedelta(days=3))
    people = [make.member(community) for _ in range(5)]
    for member in people:
        sign_up(soon, member, 0, utcnow())
    sign_up(later, people[0], 0, utcnow())
    db.session.commit()
    return soon, people


def reminders() -> list[int]:
    db.session.rollback()
    return sorted(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "event_reminder"))
    )


def test_flask_events_remind_sends_each_reminder_once(app, tomorrow):
    _soon, people = tomorrow
    runner = app.test_cli_runner()
    first = runner.invoke(args=["events", "remind", "--no-pushes"])
    assert first.exit_code == 0, first.output
    assert "5 reminded" in first.output
    second = runner.invoke(args=["events", "remind", "--no-pushes"])
    assert "0 reminded" in second.output
    assert reminders() == sorted(m.user_id for m in people)
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Signup).where(Signup.reminded_at.is_not(None))
    ) == 5


def test_sweeper_thread_runs_the_job(app, tomorrow):
    sweeper = EventsSweeper(app, interval=60)
    report = sweeper.sweep_once()
    assert report == {"reminded": 5, "expired": 0}
    assert sweeper.sweep_once() == {"reminded": 0, "expired": 0}


def test_parallel_runs_remind_once(database_url, tomorrow):
    """Three `flask events remind` processes at once (cron overlapping a slow run): one reminder each."""
    _soon, people = tomorrow
    env = server_env(database_url)
    command = [str(BIN / "flask"), "--app", "wsgi", "events", "remind", "--no-pushes"]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert sum(int(o.split(" reminded")[0].rsplit(" ", 1)[-1]) for o in outputs) == 5, outputs
    assert reminders() == sorted(m.user_id for m in people)
