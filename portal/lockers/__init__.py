"""Smart lockers at pickup points (MQTT, contracts/locker-mqtt-v1.md) and the kiosk board.

`flask lockers ingest` runs the MQTT ingest as its own process (production); `flask serve`
runs it in-process with the embedded broker and simulated lockers (`make run`).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.core.nav import register_tile
from portal.lockers.temperatures import readings_while_inside
from portal.trace.sensors import register_readings

bp = Blueprint("lockers", __name__, cli_group="lockers")


register_tile("lockers.index", _l("Lockers"), "🗄️", order=94, visible=holds(Role.ADMIN))
register_tile("lockers.kiosks", _l("Kiosk screens"), "🖥️", order=95, visible=holds(Role.ADMIN))
register_tile("lockers.kiosk_home", _l("Pickup board"), "🖥️", order=1, visible=holds(Role.KIOSK))
register_readings(readings_while_inside)


from portal.lockers import cli, health, listeners, sections, views  # noqa: E402,F401

sections.register()
