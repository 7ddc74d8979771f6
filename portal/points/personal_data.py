"""A person's points: the ledger, balances, redemptions and badges. Ledger rows, balances and
redemptions stay after a deletion (they are the community's accounts); badges go."""

import sqlalchemy as sa

from portal.community.models import Community
from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.points.badges import BADGES
from portal.points.models import (
    BadgeAward,
    BadgeProgress,
    CatalogueItem,
    PointsBalance,
    PointsEntry,
    Redemption,
)
from portal.points.services import reason_label


def export(user, limit: int | None = None) -> dict:
    entries = db.session.execute(
        latest(
            sa.select(PointsEntry, Community.name)
            .join(Community, Community.id == PointsEntry.community_id)
            .where(PointsEntry.user_id == user.id),
            PointsEntry.id,
            limit,
        )
    )
    balances = db.session.execute(
        sa.select(PointsBalance, Community.name)
        .join(Community, Community.id == PointsBalance.community_id)
        .where(PointsBalance.user_id == user.id)
        .order_by(Community.name)
    )
    redemptions = db.session.execute(
        latest(
            sa.select(Redemption, CatalogueItem.title)
            .join(CatalogueItem, CatalogueItem.id == Redemption.item_id)
            .where(Redemption.user_id == user.id),
            Redemption.id,
            limit,
        )
    )
    badges = db.session.execute(
        sa.select(BadgeAward, Community.name)
        .join(Community, Community.id == BadgeAward.community_id)
        .where(BadgeAward.user_id == user.id)
        .order_by(BadgeAward.id)
    )
    return {
        "ledger": [
            {
                "community": name,
                **columns(e, "amount", "reason", "note", "created_at"),
                "reason_label": reason_label(e.reason),
            }
            for e, name in entries
        ],
        "balances": [{"community": name, "balance": b.balance} for b, name in balances],
        "redemptions": [
            {"item": title, **columns(r, "code", "cost", "created_at", "used_at")} for r, title in redemptions
        ],
        "badges": [
            {"community": name, "badge": str(BADGES.get(a.badge, a.badge)), **columns(a, "awarded_at")}
            for a, name in badges
        ],
    }


def erase(user) -> None:
    """Badges and their progress go (badge holders' lists no longer name the person)."""
    db.session.execute(sa.delete(BadgeAward).where(BadgeAward.user_id == user.id))
    db.session.execute(sa.delete(BadgeProgress).where(BadgeProgress.user_id == user.id))
