"""The attendee list staff download as CSV: who is coming and who waits, as event staff may see
them (portal.neighbors.privacy's STAFF_POLICY: the name neighbours see or masked, the home, no
phone number)."""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import pgettext

from portal.community.models import Membership
from portal.core.db import db
from portal.core.people import Duty, staff_views
from portal.events.models import Event, Signup, SignupStatus

ATTENDEES_CSV_LIMIT = 5000  # rows at most; an event's capacity is far below


def attendees_csv(event: Event, viewer: Membership) -> tuple[list[str], list[list]]:
    """The header and rows of the event's confirmed signups, then its waitlist in the order it
    is served; two queries whatever the number of people."""
    header = [
        pgettext("person", "Name"),
        _("Building and unit"),
        _("Places"),
        _("Status"),
        _("Signed up"),
        _("Checked in"),
    ]
    waiting_last = sa.case((Signup.status == SignupStatus.WAITLISTED, 1), else_=0)
    signups = list(
        db.session.scalars(
            sa.select(Signup)
            .where(
                Signup.event_id == event.id,
                Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
            )
            .order_by(waiting_last, Signup.id)
            .limit(ATTENDEES_CSV_LIMIT)
        )
    )
    people = staff_views(Duty.EVENT_STAFF, viewer, [s.user_id for s in signups])
    labels = {SignupStatus.CONFIRMED: _("Signed up"), SignupStatus.WAITLISTED: _("Waitlist")}
    rows = [
        [
            people[s.user_id].name,
            people[s.user_id].home or "",
            s.places,
            labels[SignupStatus(s.status)],
            s.created_at,
            s.checked_in_at,
        ]
        for s in signups
    ]
    return header, rows
