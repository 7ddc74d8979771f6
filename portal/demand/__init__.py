"""The demand pool (需求池): residents' wishes, +1s by household, and wishes turned into buys."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import is_person
from portal.core.nav import register_tile
from portal.notifications.services import register_messages

bp = Blueprint("demand", __name__)


register_tile("demand.index", _l("Wishes"), "🙋", order=14, visible=is_person)

register_messages(
    {
        "demand_converted": _l(
            "“%(title)s”, a wish you +1'd, is now a group buy. Join with %(qty)s in one tap."
        ),
    }
)

from portal.demand import listeners, views  # noqa: E402,F401

listeners.connect()
