"""Pickup points a person hosts (a neighbour's doorway as a pickup point)."""

import sqlalchemy as sa

from portal.core.db import db
from portal.pickup.models import PickupPoint


def export(user, limit: int | None = None) -> list[dict]:
    points = db.session.scalars(sa.select(PickupPoint).where(PickupPoint.host_user_id == user.id))
    return [{"pickup_point": p.name, "address": p.address, "active": p.active} for p in points]


def erase(user) -> None:
    """The point stays the community's; it no longer names its host."""
    db.session.execute(
        sa.update(PickupPoint)
        .where(PickupPoint.host_user_id == user.id)
        .values(host_user_id=None)
        .execution_options(synchronize_session="fetch")
    )
