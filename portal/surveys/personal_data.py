"""A person's answers to the NPS survey. Deleting the account keeps each answer's score and
comment, anonymous (user_id set to null), as reviews stay by "Former resident": the community's
NPS does not change in the past. Offers never answered carry nothing of theirs and go."""

import sqlalchemy as sa

from portal.community.models import Community
from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.surveys.models import NpsOffer


def export(user, limit: int | None = None) -> dict:
    offers = db.session.execute(
        latest(
            sa.select(NpsOffer, Community.name)
            .join(Community, Community.id == NpsOffer.community_id)
            .where(NpsOffer.user_id == user.id),
            NpsOffer.id,
            limit,
        )
    )
    return {
        "survey_offers": [
            {
                "community": name,
                **columns(o, "trigger", "offered_at", "answered_at", "dismissed_at", "score", "comment"),
            }
            for o, name in offers
        ]
    }


def erase(user) -> None:
    """Answers stay without a name; the other offers go."""
    db.session.execute(
        sa.delete(NpsOffer)
        .where(NpsOffer.user_id == user.id, NpsOffer.answered_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(NpsOffer)
        .where(NpsOffer.user_id == user.id)
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
