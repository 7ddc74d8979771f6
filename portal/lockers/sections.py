"""The community home's "ready for you" card (core/sections.py page "home.community"): my
parcels ready for pickup — where (the pickup point, the locker compartment) and the pickup slot
I booked. Groupbuy owns the orders; the lockers know which compartment holds one."""

from flask_login import current_user

from portal.core.sections import register_section
from portal.lockers.services import ready_for_me

CARD_ROWS = 3


def ready_card(membership=None, **_):
    """Needs me now: parcels ready and where; hidden when nothing waits for me."""
    rows, more = ready_for_me(current_user.id, membership.community_id, CARD_ROWS)
    if not rows:
        return None
    return {"rows": rows, "more": more}


def register() -> None:
    register_section(
        "home.community",
        "lockers/_home_ready.html",
        ready_card,
        order=2,
        name="ready",
        live=("order", "notification"),
    )
