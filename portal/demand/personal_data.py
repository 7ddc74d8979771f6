"""What a person wished for and +1'd in the demand pool.

Deleting the account keeps their wishes (the author reads "Former resident", the privacy rule's
label for a deleted account) and takes their +1s back: each row removed, and its wish's counters
lowered by a conditional UPDATE in the same transaction.
"""

import sqlalchemy as sa

from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.demand.models import Wish, WishVote


def export(user, limit: int | None = None) -> dict:
    wishes = db.session.scalars(latest(sa.select(Wish).where(Wish.author_id == user.id), Wish.id, limit))
    votes = db.session.execute(
        latest(
            sa.select(WishVote, Wish.title)
            .join(Wish, Wish.id == WishVote.wish_id)
            .where(WishVote.user_id == user.id),
            WishVote.id,
            limit,
        )
    )
    return {
        "wishes": [
            {
                **columns(
                    w,
                    "id",
                    "title",
                    "category",
                    "price_cents",
                    "unit",
                    "link",
                    "note",
                    "state",
                    "status",
                    "expires_on",
                    "created_at",
                ),
                "has_photo": bool(w.photo),
            }
            for w in wishes
        ],
        "plus_ones": [{"wish": title, **columns(v, "quantity", "created_at")} for v, title in votes],
    }


def erase(user) -> None:
    """My +1s go, each lowering its wish's counters once; my wishes stay."""
    votes = db.session.execute(
        sa.select(WishVote.id, WishVote.wish_id, WishVote.quantity).where(WishVote.user_id == user.id)
    ).all()
    for vote_id, wish_id, quantity in votes:
        removed = db.session.execute(
            sa.delete(WishVote)
            .where(WishVote.id == vote_id, WishVote.quantity == quantity)
            .execution_options(synchronize_session=False)
        )
        if removed.rowcount == 1:
            db.session.execute(
                sa.update(Wish)
                .where(Wish.id == wish_id, Wish.household_count > 0)
                .values(
                    household_count=Wish.household_count - 1,
                    quantity_total=Wish.quantity_total - quantity,
                )
                .execution_options(synchronize_session=False)
            )
