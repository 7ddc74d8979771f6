"""Pickup points, pickup codes, 核销 (verifying a pickup) and pickup time slots."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tile
from portal.notifications.services import register_messages

bp = Blueprint("pickup", __name__)


def _hands_out(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and (membership.has(Role.LEADER) or membership.has(Role.ADMIN))


def _is_admin(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.ADMIN)


register_tile("pickup.verify", _l("Verify a pickup"), "✅", order=13, visible=_hands_out)
register_tile("pickup.points", _l("Pickup points"), "📍", order=94, visible=_is_admin)

register_messages(
    {
        "pickup_ready": _l(
            "Your order %(ref)s (%(title)s) is ready at %(point)s. Open it to see your pickup code."
        ),
        "pickup_ready_delegate": _l(
            "%(name)s's order %(ref)s (%(title)s) is ready at %(point)s; you are collecting it for them."
        ),
        "pickup_collected": _l("Order %(ref)s (%(title)s) was collected. Enjoy!"),
        "pickup_reminder": _l("Reminder: order %(ref)s (%(title)s) is waiting for you at %(point)s."),
        "pickup_overdue": _l(
            "Order %(ref)s (%(title)s) was not collected in the pickup window at %(point)s. "
            "Please contact your group leader."
        ),
        "pickup_overdue_leader": _l(
            "%(count)s orders of “%(title)s” were not collected in the pickup window."
        ),
    }
)

from portal.pickup import views  # noqa: E402,F401
