"""After-sales sections on lower domains' pages: the resident's order page (which is also what a
locker pickup shows), the 核销 confirmation, the leader's workbench, a supplier's page."""

from flask_login import current_user

from portal.aftersales.reading import (
    answered_cases_of_resident,
    balance_of_supplier,
    cases_of_order,
    open_count,
    queue_of_leader,
)
from portal.aftersales.services import may_report, reported_quantity, window_ends
from portal.community.access import current_membership
from portal.community.models import Role
from portal.core.db import utcnow

WORKBENCH_ROWS = 5
HOME_ROWS = 3


def home_section(membership=None, **_):
    """The community home, needs me now: a leader's offer on my case waits for my answer."""
    page = answered_cases_of_resident(current_user.id, membership.community_id, HOME_ROWS)
    return {"cases": page.items, "more": page.more} if page.items else None


def order_section(order=None, **_):
    """On my order: its cases, and "report a problem" while the window is open."""
    if order is None or order.user_id != current_user.id or order.status != "collected":
        return None
    return {
        "order": order,
        "cases": cases_of_order(order.id),
        "can_report": may_report(order),
        "window_ends": window_ends(order),
        "reported": reported_quantity(order.id),
    }


def verified_section(order=None, **_):
    """After 核销: a "problem" action for what the leader and the resident see at the handover."""
    if order is None or order.status != "collected" or order.buy.leader_id != current_user.id:
        return None
    return {"order": order, "can_report": may_report(order)}


def workbench_section(leader_id: int, community_id: int, **_):
    page = queue_of_leader(leader_id, community_id, 1, WORKBENCH_ROWS)
    if not page.items:
        return None
    return {
        "cases": page.items,
        "more": page.more,
        "open_count": open_count(leader_id, community_id),
        "now": utcnow(),
    }


def supplier_section(supplier=None, **_):
    """The supplier's after-sales settlement balance, for its leaders and the admins."""
    membership = current_membership()
    if supplier is None or membership is None or supplier.community_id != membership.community_id:
        return None
    if not (membership.has(Role.LEADER) or membership.has(Role.ADMIN)):
        return None
    return {"supplier": supplier, "balance": balance_of_supplier(supplier.id)}
