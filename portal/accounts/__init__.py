from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tab

bp = Blueprint("accounts", __name__)
register_tab("accounts.me", _l("Me"), "👤", order=100, visible=lambda m: True)

from portal.accounts import views  # noqa: E402,F401
