"""The leader's workbench: my buys and their numbers, a buy's orders (mark paid, mark arrived),
printable pick lists, the CSV of a buy's orders."""

from flask import abort, request, url_for
from flask_login import current_user

from portal.community.access import community_required, current_membership, get_in_community, role_required
from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.export import csv_download
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.inputs import database_int
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.core.sections import sections
from portal.groupbuy import bp
from portal.groupbuy.models import GroupBuy, Order
from portal.groupbuy.services.fulfilment import mark_arrived, set_paid
from portal.groupbuy.services.reading import CLOSING_SOON
from portal.groupbuy.services.workbench import (
    PICK_GRACE,
    PICK_GROUPINGS,
    RECENT_DAYS,
    buy_numbers,
    leader_workbench,
    leads_handed_out_buy,
    pick_list,
)
from portal.groupbuy.services.workbench import (
    buy_orders as buy_orders_of,
)
from portal.groupbuy.services.workbench import (
    orders_csv as orders_csv_of,
)
from portal.groupbuy.views.common import is_owner, own_buy
from portal.pickup.services import points_of
from portal.trace.buying import trace_links


@bp.get("/groupbuy/workbench")
@role_required(Role.LEADER)
def workbench():
    """My buys with their numbers, commission and what to do next."""
    community_id = current_membership().community_id
    return render(
        "groupbuy/workbench.html",
        bench=leader_workbench(community_id, current_user.id, requested_page()),
        recent_days=RECENT_DAYS,
        points=points_of(community_id),
        now=utcnow(),
        soon=CLOSING_SOON,
        sections=sections("groupbuy.workbench", leader_id=current_user.id, community_id=community_id),
    )


def _buy_orders_page(buy: GroupBuy, status: int = 200, problem=None):
    rows = buy_orders_of(buy, requested_page())
    return render(
        "groupbuy/buy_orders.html",
        "order_rows",
        status=status,
        buy=buy,
        rows=rows,
        people=staff_views(Duty.LEADER, current_membership(), [o.user_id for o, _m in rows]),
        numbers=buy_numbers(buy),
        is_owner=is_owner(buy),
        problem=problem,
        now=utcnow(),
        soon=CLOSING_SOON,
    )


@bp.get("/groupbuy/<int:buy_id>/orders")
@community_required
def buy_orders(buy_id: int):
    """The orders of one of my buys: mark paid, mark arrived, pick list, CSV."""
    return _buy_orders_page(own_buy(buy_id, admin_too=True))


@bp.post("/groupbuy/<int:buy_id>/arrived")
@community_required
def arrived(buy_id: int):
    """The goods are at the pickup point(s): every order at a manned point gets its pickup code."""
    buy = own_buy(buy_id)
    commit_or_422(lambda: mark_arrived(buy), lambda error: _buy_orders_page(buy, 422, error.message))
    return redirect_to(url_for("groupbuy.buy_orders", buy_id=buy.id))


@bp.post("/groupbuy/orders/<int:order_id>/paid")
@community_required
def order_paid(order_id: int):
    """Mark an order of my buy paid (or not paid)."""
    order = get_in_community(Order, order_id)
    if order.buy.leader_id != current_user.id:
        abort(403)
    try:
        set_paid(order, request.form.get("paid", "1") == "1")
    except DomainError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    if wants_fragment():
        people = staff_views(Duty.LEADER, current_membership(), [order.user_id])
        return render("groupbuy/_order_row.html", o=order, people=people, buy=order.buy, is_owner=True)
    return redirect_to(url_for("groupbuy.buy_orders", buy_id=order.buy_id))


@bp.get("/groupbuy/workbench/picklist")
@role_required(Role.LEADER)
def picklist():
    """Printable pick lists per pickup point or per building, of one point or building if asked
    (product → building → unit, phones masked)."""
    membership = current_membership()
    community_id = membership.community_id
    buy_id = request.args.get("buy", type=database_int)
    point_id = request.args.get("point", type=database_int)
    building_id = request.args.get("building", type=database_int)
    by = request.args.get("by") if request.args.get("by") in PICK_GROUPINGS else "point"
    if buy_id and not leads_handed_out_buy(community_id, current_user.id, buy_id):
        abort(404)
    picks = pick_list(
        community_id, current_user.id, buy_id, point_id, requested_page(), building_id=building_id, by=by
    )
    orders = [o for group in picks.groups for o, _m in group.rows]
    return render(
        "groupbuy/picklist.html",
        "picks",
        picks=picks,
        people=staff_views(Duty.LEADER, membership, [o.user_id for o in orders]),
        points=points_of(community_id),
        buildings=membership.community.buildings,
        point_id=point_id,
        building_id=building_id,
        by=by,
        buy_id=buy_id,
        grace_days=PICK_GRACE.days,
        printed_at=utcnow(),
        traced=trace_links({o.buy.batch_id for o in orders if o.buy.batch_id}),
    )


@bp.get("/groupbuy/<int:buy_id>/orders.csv")
@community_required
def orders_csv(buy_id: int):
    """The buy's orders as CSV (for the supplier and the books); phones masked."""
    buy = own_buy(buy_id, admin_too=True)
    header, rows = orders_csv_of(buy, current_membership())
    return csv_download(f"groupbuy-{buy.id}-orders.csv", header, rows)
