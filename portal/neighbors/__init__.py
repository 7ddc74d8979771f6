"""Neighbours 邻里: profiles with per-field privacy, the directory, suggestions, contacts, ambassadors."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import is_person
from portal.core.nav import register_tab, register_tile
from portal.notifications.services import register_messages

bp = Blueprint("neighbors", __name__)

register_tab("neighbors.directory", _l("Neighbours"), "🏘️", order=30, visible=is_person)
register_tile("neighbors.edit", _l("My profile"), "🪪", order=35, visible=is_person)

register_messages(
    {
        "contact_request": _l("%(name)s would like to get in touch with you."),
        "contact_accepted": _l("%(name)s accepted your contact request."),
        "ambassador_appointed": _l(
            "You are now a neighbourhood ambassador (邻里大使). Welcome the newcomers!"
        ),
        "newcomer_joined": _l("A new neighbour joined. Say hello on the newcomers board."),
        "newcomer_hello": _l("Welcome! Introduce yourself on the newcomers board if you like."),
    }
)

from portal.neighbors import listeners, privacy, sections, views  # noqa: E402,F401

listeners.connect()
privacy.register()
sections.register()
