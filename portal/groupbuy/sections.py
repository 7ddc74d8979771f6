"""The community home's group-buy card (core/sections.py page "home.community"): the open buys
closing first, with their progress toward 成团, and the new ones of the week."""

from flask_login import current_user

from portal.community.models import Role
from portal.core.db import utcnow
from portal.core.sections import register_section
from portal.groupbuy.services.reading import CLOSING_SOON, home_buys

CARD_ROWS = 3


def buys_card(membership=None, **_):
    """What is happening: buys closing soon and new buys; an empty state that invites one."""
    closing, newest = home_buys(membership.community_id, current_user.id, CARD_ROWS)
    return {
        "community_id": membership.community_id,
        "closing": closing,
        "newest": newest,
        "now": utcnow(),
        "soon": CLOSING_SOON,
        "may_lead": membership.has(Role.LEADER),
    }


def register() -> None:
    register_section(
        "home.community",
        "groupbuy/_home_buys.html",
        buys_card,
        order=20,
        name="buys",
        live=("community", "order", "notification"),
    )
