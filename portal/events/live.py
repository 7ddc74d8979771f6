"""Live attendance: after a signup, cancellation or check-in commits, the event's room hears
`{"type": "event-counts", "event": id}` and the counts fragment on the admin and door pages
refetches itself (hx-trigger="portal:event-counts from:body")."""

from portal.community.services import active_membership_of
from portal.core.db import db
from portal.realtime import push_after_commit, register_room


def event_room(event_id: int) -> str:
    return f"event:{event_id}"


def push_counts(event) -> None:
    """Tell whoever watches the event's counts that they changed (emitted after commit)."""
    push_after_commit(db.session(), event_room(event.id), {"type": "event-counts", "event": event.id})


def may_watch_event(user, event_id: int) -> bool:
    """Admins and volunteers of the event's community may watch its room."""
    from portal.events.models import Event
    from portal.events.services.audience import is_staff

    event = db.session.get(Event, event_id)
    if event is None:
        return False
    return is_staff(active_membership_of(user, event.community_id))


register_room("event", may_watch_event)
