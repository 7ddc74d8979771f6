"""Events (活动): signups with capacity and waitlist, QR tickets and check-in, calendars, reminders."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tab, register_tile

bp = Blueprint("events", __name__)


def _is_admin(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.ADMIN)


def _is_person(membership) -> bool:
    from portal.events.services import is_person

    return is_person(membership)


register_tab("events.index", _l("Events"), "📅", order=40, visible=_is_person)
register_tile("events.index", _l("Events"), "📅", order=30, visible=_is_person)
register_tile("events.manage", _l("Run events"), "🗓️", order=95, visible=_is_admin)

from portal.events import admin_views, cli, live, views  # noqa: E402,F401
