"""What the dashboard reads of the answers (the interface agreed in issue #17).

NPS arithmetic lives here too, once: promoters answer 9–10, passives 7–8, detractors 0–6;
NPS = % promoters − % detractors.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.core.db import one_of
from portal.core.paging import PER_PAGE, Page, page_of
from portal.surveys.models import NpsOffer

PROMOTER = 9  # 9–10
PASSIVE = 7  # 7–8; below is a detractor


def responses(community_ids: list[int] | None, start: datetime, end: datetime) -> sa.Select:
    """A select of (score, answered_at) of the answers given in [start, end), in the communities
    named (None: all of them)."""
    query = sa.select(NpsOffer.score, NpsOffer.answered_at).where(
        NpsOffer.answered_at.is_not(None), NpsOffer.answered_at >= start, NpsOffer.answered_at < end
    )
    if community_ids is not None:
        query = query.where(one_of(NpsOffer.community_id, list(community_ids)))
    return query


def comments(community_id: int, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The community's answers that carry a comment, newest first: rows of (score, comment,
    answered_at, user_id) — user_id None for a deleted account; name them through the staff policy."""
    query = (
        sa.select(NpsOffer.score, NpsOffer.comment, NpsOffer.answered_at, NpsOffer.user_id)
        .where(
            NpsOffer.community_id == community_id,
            NpsOffer.answered_at.is_not(None),
            NpsOffer.comment.is_not(None),
        )
        .order_by(NpsOffer.answered_at.desc(), NpsOffer.id.desc())
    )
    return page_of(query, page, per_page, rows=True)


@dataclass(frozen=True)
class Nps:
    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """% promoters − % detractors, from −100 to 100; None without answers."""
        if not self.n:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.n


def category(score: int) -> str:
    return "promoter" if score >= PROMOTER else "passive" if score >= PASSIVE else "detractor"


def nps_of(scores) -> Nps:
    """The NPS of some 0–10 scores."""
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in scores:
        counts[category(score)] += 1
    return Nps(counts["promoter"], counts["passive"], counts["detractor"])
