"""What neighbours learn from other domains: a completed order may suggest experienced neighbours
(only for residents who asked for such suggestions; see services.note_purchase)."""

import logging

from portal.core.signals import member_joined, order_completed

log = logging.getLogger(__name__)


def order_text(order) -> str:
    """The words of an order that may hint at a need (the buy's title, description, category)."""
    parts = []
    for holder in (order, getattr(order, "buy", None)):
        for name in ("title", "description", "category"):
            value = getattr(holder, name, None) if holder is not None else None
            if isinstance(value, str):
                parts.append(value)
    return " ".join(parts)


def on_order_completed(order, user_id=None, community_id=None, **_extra) -> None:
    from portal.neighbors.services import note_purchase

    if user_id and community_id:
        note_purchase(user_id, community_id, order_text(order))


def on_member_joined(membership, **_extra) -> None:
    """A newcomer: the ambassadors hear of it, and the newcomer is pointed at the newcomers board."""
    from portal.community.models import Role
    from portal.neighbors.services import welcome_newcomer_notifications

    if not membership.roles & Role.KIOSK:
        welcome_newcomer_notifications(membership)


def connect() -> None:
    order_completed.connect(on_order_completed, weak=False)
    member_joined.connect(on_member_joined, weak=False)
