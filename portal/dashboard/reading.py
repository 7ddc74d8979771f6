"""The pages' reading beyond rollups.read: the platform's table of communities, each with a few
headline figures, in two queries for a page of communities (rollups.read asks for one
community at a time, which would be a query per row)."""

from datetime import date

import sqlalchemy as sa

from portal.community.models import Community
from portal.core.db import db
from portal.core.paging import Page, page_of
from portal.dashboard.metrics import Figure
from portal.dashboard.models import MetricRollup

PLATFORM_PAGE = 20
# the platform table's columns, where the metrics define them
TABLE_KEYS = ("households_reached", "orders", "buy_success_rate", "repurchase_rate", "aftersales_rate", "nps")


def communities_page(number: int) -> Page:
    """A page of the communities, by name."""
    return page_of(sa.select(Community).order_by(Community.name, Community.id), number, PLATFORM_PAGE)


def figures_of(community_ids: list[int], period: str, starts: list[date], keys) -> dict:
    """{community id: {start: {key: Figure}}} from the rollups, in one query."""
    found: dict = {cid: {start: {} for start in starts} for cid in community_ids}
    if not community_ids:
        return found
    rows = db.session.scalars(
        sa.select(MetricRollup).where(
            MetricRollup.community_id.in_(community_ids),
            MetricRollup.period == period,
            MetricRollup.start.in_(starts),
            MetricRollup.key.in_(list(keys)),
        )
    )
    for r in rows:
        found[r.community_id][r.start][r.key] = Figure(r.key, r.value, r.numerator, r.denominator, r.n, r.p90)
    return found
