from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tile

bp = Blueprint("notifications", __name__)
register_tile("notifications.index", _l("Messages"), "🔔", order=85)

from portal.notifications import views  # noqa: E402,F401
