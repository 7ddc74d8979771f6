"""A person's notifications, as they read them."""

import sqlalchemy as sa

from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.notifications.models import Notification
from portal.notifications.services import message_for


def export(user, limit: int | None = None) -> list[dict]:
    rows = db.session.scalars(
        latest(sa.select(Notification).where(Notification.user_id == user.id), Notification.id, limit)
    )
    return [{**columns(n, "kind", "created_at", "read_at", "link"), "text": message_for(n)} for n in rows]


def erase(user) -> None:
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
