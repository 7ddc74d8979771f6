"""Points and badges earned from what other domains announce: invites (the invitee's first
completed order), event attendance, help given (热心邻居), orders handed out (金牌团长), reviews of
collected orders (points, and 社区好物推荐官)."""

import logging

import sqlalchemy as sa

from portal.core.db import db
from portal.core.signals import (
    event_attended,
    help_completed,
    order_completed,
    review_posted,
    skill_exchange_completed,
)

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
    from portal.points.badges import GOLD_LEADER_AFTER, count_toward_badge

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


def on_helped(_item, community_id=None, helper_id=None, **_extra) -> None:
    """A completed help-day need or skill exchange: one more toward the helper's 热心邻居."""
    from portal.points.badges import WARM_NEIGHBOUR_AFTER, count_toward_badge

    if community_id and helper_id:
        count_toward_badge(helper_id, community_id, "warm_neighbour", WARM_NEIGHBOUR_AFTER)


def on_review_posted(review, user_id=None, community_id=None, **_extra) -> None:
    """A review neighbours now see: its points once, and one more toward 社区好物推荐官."""
    from portal.points.badges import GOOD_FINDS_AFTER, count_toward_badge
    from portal.points.services import award, rule

    review_id = getattr(review, "id", None)
    if not (user_id and community_id and review_id is not None):
        return
    amount = rule("review")
    if amount > 0:
        award(
            user_id,
            community_id,
            amount,
            "review",
            ("review", review_id),
            once_key=f"review:{review_id}",
            campaign=True,
        )
    count_toward_badge(user_id, community_id, "good_finds", GOOD_FINDS_AFTER)


def connect() -> None:
    order_completed.connect(on_order_completed, weak=False)
    event_attended.connect(on_event_attended, weak=False)
    help_completed.connect(on_helped, weak=False)
    skill_exchange_completed.connect(on_helped, weak=False)
    review_posted.connect(on_review_posted, weak=False)
