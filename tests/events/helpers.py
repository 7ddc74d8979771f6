"""Building events for tests."""

from datetime import timedelta

from portal.core.db import db, utcnow
from portal.events.services.organising import EventData, create_event


def event_data(**fields) -> EventData:
    start = fields.pop("starts_at", utcnow() + timedelta(days=3))
    values = {
        "title": "春季亲子插花",
        "description": "王叔的店里,带上孩子一起插花。",
        "place": "3栋自提点",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "signup_deadline": None,
        "capacity": 20,
        "max_companions": 2,
    }
    values.update(fields)
    return EventData(**values)


def make_event(admin_membership, **fields):
    """A committed event in the admin's community."""
    event = create_event(admin_membership, event_data(**fields), utcnow() - timedelta(seconds=1))
    db.session.commit()
    return event
