"""Points 积分: the ledger, campaigns, the catalogue of local services and coupons, badges."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds, is_person
from portal.community.models import Role
from portal.core.nav import register_tile
from portal.core.sections import register_section
from portal.notifications.services import register_messages

bp = Blueprint("points", __name__)

register_tile("points.index", _l("My points"), "🪙", order=40, visible=is_person)
register_tile("points.admin_catalogue", _l("Points catalogue"), "🎁", order=94, visible=holds(Role.ADMIN))


def _badges_section(member) -> dict | None:
    """A neighbour's badges on their profile."""
    from portal.points.badges import BADGE_ICONS, BADGES, badges_of

    badges = badges_of(member.user_id, member.community_id)
    return {"badges": badges, "badge_names": BADGES, "badge_icons": BADGE_ICONS} if badges else None


register_section("neighbors.profile", "points/_badges.html", _badges_section)

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
