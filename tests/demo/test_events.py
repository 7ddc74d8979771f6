"""The demo community has events to show: past ones with attendance, upcoming ones, a full
one with a waitlist, a help day; seeding twice changes nothing."""

from datetime import timedelta

import sqlalchemy as sa

from portal.community.models import Community
from portal.core.db import db, utcnow
from portal.demo import DEMO_COMMUNITY, seed_demo
from portal.events.models import Event, Signup
from portal.events.services.reading import counts
from portal.events.services.reminders import send_due_reminders


def test_demo_events(app):
    seed_demo()
    seed_demo()
    community_id = db.session.scalar(sa.select(Community.id).where(Community.name == DEMO_COMMUNITY))
    events = db.session.scalars(sa.select(Event).where(Event.community_id == community_id)).all()
    now = utcnow()
    past = [e for e in events if e.is_past(now)]
    upcoming = [e for e in events if not e.is_past(now)]
    assert len(past) >= 2 and len(upcoming) >= 4
    assert all(counts(e).checked_in_people > 0 for e in past)
    full = [e for e in upcoming if e.places_left == 0 and counts(e).waitlisted_signups > 0]
    assert full, "a full event with a waitlist"
    assert any(e.is_help_day for e in upcoming)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) > 10
    # the event tomorrow is reminded once the day before
    with app.test_request_context():
        signed = [e for e in upcoming if e.places_taken and not e.is_help_day]
        tomorrow = min(signed, key=lambda e: e.starts_at)
        assert send_due_reminders(tomorrow.starts_at - timedelta(hours=12)) >= 1
