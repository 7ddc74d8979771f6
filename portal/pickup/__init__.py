"""Pickup points (自提点): manned stations, locker banks, a leader's home, shops; their opening
hours and pickup time slots."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.core.nav import register_tile

bp = Blueprint("pickup", __name__)


register_tile("pickup.points", _l("Pickup points"), "📍", order=94, visible=holds(Role.ADMIN))

from portal.pickup import views  # noqa: E402,F401
