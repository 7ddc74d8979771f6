"""What moderation holds about a person: the reports they made, actions about their content,
and whether their posts skip first-post review. Moderators are not named."""

import sqlalchemy as sa

from portal.community.models import Community
from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.moderation.models import AuditEntry, Report, Trust


def export(user, limit: int | None = None) -> dict:
    reports = db.session.scalars(
        latest(sa.select(Report).where(Report.reporter_id == user.id), Report.id, limit)
    )
    about_me = db.session.scalars(
        latest(sa.select(AuditEntry).where(AuditEntry.target_user_id == user.id), AuditEntry.id, limit)
    )
    trust = db.session.execute(
        sa.select(Trust, Community.name)
        .join(Community, Community.id == Trust.community_id)
        .where(Trust.user_id == user.id)
    )
    return {
        "reports_made": [
            columns(r, "kind", "item_id", "reason", "note", "created_at", "resolved_at") for r in reports
        ],
        "moderation_of_my_content": [columns(a, "action", "kind", "item_id", "created_at") for a in about_me],
        "trusted_poster": [{"community": name, **columns(t, "approved_at")} for t, name in trust],
    }


def erase(user) -> None:
    """The trust row goes; reports stay (they count toward hiding an item), unnamed."""
    db.session.execute(sa.delete(Trust).where(Trust.user_id == user.id))
