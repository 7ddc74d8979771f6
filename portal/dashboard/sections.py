"""The dashboard's section on a lower domain's page: the leader's own figures (团长人效) on the
group-buy workbench, this month so far against last month."""

from datetime import timedelta

from portal.core.localtime import today
from portal.dashboard import metrics
from portal.dashboard.display import card


def leader_metric(key: str):
    """The words of a leader's figure (metrics.LEADER_METRICS)."""
    return metrics.LEADER_METRICS.get(key)


def workbench_section(leader_id: int, community_id: int, **_):
    """compute_leader over this month so far and over last month: one leader, a few queries."""
    day = today()
    this_month = day.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    current = metrics.compute_leader(community_id, leader_id, this_month, day + timedelta(days=1))
    previous = metrics.compute_leader(community_id, leader_id, last_month, this_month)
    cards = [
        card(metric, figure, previous.get(key))
        for key, figure in current.items()
        if (metric := leader_metric(key)) is not None
    ]
    return {"cards": cards, "month": this_month}
