"""Moderation: reports, the volunteers' queue, first-post approval, the audit log."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.core.nav import register_tile
from portal.notifications.services import register_messages

bp = Blueprint("moderation", __name__)


register_tile("moderation.queue", _l("Moderation"), "🛡️", order=89, visible=holds(Role.VOLUNTEER, Role.ADMIN))

register_messages(
    {
        "mod_pending": _l("A new neighbour's post waits for approval."),
        "mod_queue": _l("A post was hidden after reports and waits for review."),
        "mod_hidden": _l("One of your posts was hidden while moderators review it."),
        "mod_approved": _l("Your post was approved and is now visible to neighbours."),
        "mod_deleted": _l("One of your posts was removed by the moderators."),
        "mod_warned": _l("A moderator reminded you of the community rules: %(note)s"),
    }
)

from portal.moderation import listeners, views  # noqa: E402,F401

listeners.connect()
