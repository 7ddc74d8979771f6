"""Badges: 金牌团长, 社区好物推荐官, 热心邻居 — given by admins, or earned by counting deeds."""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.points.models import BadgeAward, BadgeProgress

WARM_NEIGHBOUR_AFTER = 3  # completed helps and skill exchanges that earn 热心邻居
GOLD_LEADER_AFTER = 100  # orders collected from a leader's group buys that earn 金牌团长
# reviews published (of orders the reviewer collected, shown to neighbours) that earn 社区好物推荐官
GOOD_FINDS_AFTER = 5

BADGES = {
    "warm_neighbour": _l("Warm-hearted neighbour"),  # 热心邻居
    "gold_leader": _l("Gold group leader"),  # 金牌团长
    "good_finds": _l("Community good-finds scout"),  # 社区好物推荐官
}
BADGE_ICONS = {"warm_neighbour": "🤝", "gold_leader": "🥇", "good_finds": "🔎"}


def grant_badge(
    user_id: int, community_id: int, badge: str, by_user_id: int | None = None
) -> BadgeAward | None:
    """Give a badge; None when the person has it already."""
    if badge not in BADGES:
        raise DomainError(_l("Unknown badge."), "badge")
    existing = db.session.scalar(
        sa.select(BadgeAward).where(
            BadgeAward.user_id == user_id, BadgeAward.community_id == community_id, BadgeAward.badge == badge
        )
    )
    if existing:
        return None
    try:
        with db.session.begin_nested():
            award_row = BadgeAward(
                user_id=user_id, community_id=community_id, badge=badge, awarded_by_id=by_user_id
            )
            db.session.add(award_row)
            db.session.flush()
    except IntegrityError:
        return None
    from portal.notifications.services import notify

    notify(user_id, "badge_awarded", community_id=community_id, link="/points", badge=badge)
    return award_row


def revoke_badge(user_id: int, community_id: int, badge: str) -> bool:
    result = db.session.execute(
        sa.delete(BadgeAward).where(
            BadgeAward.user_id == user_id, BadgeAward.community_id == community_id, BadgeAward.badge == badge
        )
    )
    return result.rowcount > 0


def badges_of(user_id: int, community_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(BadgeAward.badge)
            .where(BadgeAward.user_id == user_id, BadgeAward.community_id == community_id)
            .order_by(BadgeAward.awarded_at)
        )
    )


HOLDERS_PAGE = 50


def badge_holders(community_id: int, page: int = 1) -> Page:
    """A page of (award, person) of the community's badges, by badge, earliest first."""
    from portal.accounts.models import User

    return page_of(
        sa.select(BadgeAward, User)
        .join(User, User.id == BadgeAward.user_id)
        .where(BadgeAward.community_id == community_id)
        .order_by(BadgeAward.badge, BadgeAward.id),
        page,
        HOLDERS_PAGE,
        rows=True,
    )


def badges_by_user(community_id: int, user_ids) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    ids = list(set(user_ids))
    if not ids:
        return result
    for user_id, badge in db.session.execute(
        sa.select(BadgeAward.user_id, BadgeAward.badge).where(
            BadgeAward.community_id == community_id, BadgeAward.user_id.in_(ids)
        )
    ):
        result.setdefault(user_id, []).append(badge)
    return result


def count_toward_badge(user_id: int, community_id: int, badge: str, threshold: int) -> int:
    """One more step toward an automatic badge; the badge comes at `threshold`. Returns the count."""
    key = (
        BadgeProgress.user_id == user_id,
        BadgeProgress.community_id == community_id,
        BadgeProgress.badge == badge,
    )
    moved = db.session.execute(
        sa.update(BadgeProgress)
        .where(*key)
        .values(count=BadgeProgress.count + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(
                    BadgeProgress(user_id=user_id, community_id=community_id, badge=badge, count=1)
                )
                db.session.flush()
        except IntegrityError:  # a concurrent first step
            db.session.execute(
                sa.update(BadgeProgress)
                .where(*key)
                .values(count=BadgeProgress.count + 1)
                .execution_options(synchronize_session=False)
            )
    count = db.session.scalar(sa.select(BadgeProgress.count).where(*key))
    if count >= threshold:
        grant_badge(user_id, community_id, badge)
    return count
