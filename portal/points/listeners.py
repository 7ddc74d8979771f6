"""Points earned from what other domains announce: invites (first completed order), attendance, reviews."""

import logging

import sqlalchemy as sa

from portal.core.db import db
from portal.core.signals import event_attended, order_completed, review_posted

log = logging.getLogger(__name__)


def _active_membership(user_id: int, community_id: int):
    from portal.community.models import Membership, MembershipStatus

    return db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user_id,
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


def reward_inviter(user_id: int, community_id: int) -> int | None:
    """The invitee completed an order: the inviter earns the invite points, once per invitee."""
    from portal.notifications.services import notify
    from portal.points.services import award, rule

    invitee = _active_membership(user_id, community_id)
    if invitee is None or not invitee.invited_by_id or invitee.invited_by_id == user_id:
        return None
    if _active_membership(invitee.invited_by_id, community_id) is None:
        return None
    amount = rule("invite")
    if amount <= 0:
        return None
    entry = award(
        invitee.invited_by_id,
        community_id,
        amount,
        "invite",
        ("membership", invitee.id),
        once_key=f"invite:{invitee.id}",
        campaign=True,
    )
    if entry is None:
        return None
    notify(
        invitee.invited_by_id,
        "points_invite_reward",
        community_id=community_id,
        link="/points",
        points=entry.amount,
    )
    return entry.amount


def on_order_completed(order, user_id=None, community_id=None, **_extra) -> None:
    from portal.points.services import GOLD_LEADER_AFTER, count_toward_badge

    if user_id and community_id:
        reward_inviter(user_id, community_id)
        leader_id = getattr(getattr(order, "buy", None), "leader_id", None)
        if leader_id:
            count_toward_badge(leader_id, community_id, "gold_leader", GOLD_LEADER_AFTER)


def on_event_attended(signup, user_id=None, community_id=None, **_extra) -> None:
    from portal.points.services import award, rule

    amount = rule("event_attended")
    if user_id and community_id and amount > 0:
        signup_id = getattr(signup, "id", None)
        award(
            user_id,
            community_id,
            amount,
            "event_attended",
            ("event_signup", signup_id),
            once_key=f"event_attended:{signup_id}" if signup_id is not None else None,
            campaign=True,
        )


def on_review_posted(review, user_id=None, community_id=None, **_extra) -> None:
    from portal.points.services import award, rule

    amount = rule("review")
    review_id = getattr(review, "id", None)
    if user_id and community_id and amount > 0:
        award(
            user_id,
            community_id,
            amount,
            "review",
            ("review", review_id),
            once_key=f"review:{review_id}" if review_id is not None else None,
            campaign=True,
        )


def connect() -> None:
    order_completed.connect(on_order_completed, weak=False)
    event_attended.connect(on_event_attended, weak=False)
    review_posted.connect(on_review_posted, weak=False)
