"""Smart lockers at pickup points (MQTT, contracts/locker-mqtt-v1.md) and the kiosk board.

`flask lockers ingest` runs the MQTT ingest as its own process (production); `flask serve`
runs it in-process with the embedded broker and simulated lockers (`make run`).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tile

bp = Blueprint("lockers", __name__, cli_group="lockers")


def _is_admin(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.ADMIN)


def _is_kiosk(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.KIOSK)


register_tile("lockers.index", _l("Lockers"), "🗄️", order=94, visible=_is_admin)
register_tile("lockers.kiosks", _l("Kiosk screens"), "🖥️", order=95, visible=_is_admin)
register_tile("lockers.kiosk_home", _l("Pickup board"), "🖥️", order=1, visible=_is_kiosk)


from portal.lockers import cli, listeners, views  # noqa: E402,F401
