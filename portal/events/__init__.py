"""Events (活动): signups with capacity and waitlist, QR tickets and check-in, calendars, reminders."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds, is_person
from portal.community.models import Role
from portal.core.nav import register_tab, register_tile
from portal.notifications.services import register_messages
from portal.points.services import register_reasons

bp = Blueprint("events", __name__)

register_messages(
    {
        "event_promoted": _l("A place freed up: you are now signed up for “%(title)s” on %(when)s."),
        "event_cancelled": _l("“%(title)s” on %(when)s was cancelled."),
        "event_cancelled_refund": _l(
            "“%(title)s” on %(when)s was cancelled; your %(points)s points were refunded."
        ),
        "event_changed": _l("“%(title)s” changed: now %(when)s at %(place)s."),
        "event_reminder": _l("Reminder: “%(title)s” starts %(when)s at %(place)s. Bring your ticket."),
        "event_waitlist_expired": _l("“%(title)s” has begun and no place freed up for you."),
        "event_waitlist_expired_refund": _l(
            "“%(title)s” has begun and no place freed up for you; your %(points)s points were refunded."
        ),
    }
)

register_reasons(
    {
        "event_signup": _l("Signed up for an event"),
        "event_refund": _l("Event points refunded"),
    }
)


register_tab("events.index", _l("Events"), "📅", order=40, visible=is_person)
register_tile("events.index", _l("Events"), "📅", order=30, visible=is_person)
register_tile("events.manage", _l("Run events"), "🗓️", order=95, visible=holds(Role.ADMIN))

from portal.events import admin_views, cli, live, sections, views  # noqa: E402,F401

sections.register()
