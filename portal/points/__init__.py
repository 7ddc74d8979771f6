"""Points 积分: the ledger, campaigns, the catalogue of local services and coupons, badges."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tile
from portal.notifications.services import register_messages

bp = Blueprint("points", __name__)


def _is_admin(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.ADMIN)


def _is_person(membership) -> bool:
    from portal.neighbors.access import is_person

    return is_person(membership)


register_tile("points.index", _l("My points"), "🪙", order=40, visible=_is_person)
register_tile("points.admin_catalogue", _l("Points catalogue"), "🎁", order=94, visible=_is_admin)

register_messages(
    {
        "points_invite_reward": _l(
            "A neighbour you invited completed a first order: you earned %(points)s points."
        ),
        "points_received": _l("%(name)s thanked you with %(points)s points."),
        "badge_awarded": _l("You earned a badge. See your points page."),
    }
)

from portal.points import listeners, views  # noqa: E402,F401

listeners.connect()
