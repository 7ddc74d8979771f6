"""My orders: the pickup code and its QR once ready, a neighbour collecting for me (代取),
and a pickup time slot at manned points."""

from datetime import datetime

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.community.access import community_required, current_membership
from portal.core.db import db
from portal.core.export import qr_svg
from portal.core.forms import commit_or_422
from portal.core.htmx import render
from portal.core.masking import mask_phone
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.core.sections import sections
from portal.groupbuy import bp
from portal.groupbuy.forms import DelegateForm, SlotForm
from portal.groupbuy.models import Order, OrderStatus
from portal.groupbuy.services.fulfilment import (
    book_slot,
    cancel_slot,
    delegate_pickup,
    remove_delegate,
    slots_for,
)
from portal.groupbuy.services.pickup_codes import qr_token
from portal.groupbuy.services.reading import my_orders as my_orders_of
from portal.groupbuy.views.common import my_order


@bp.get("/groupbuy/orders")
@community_required
def my_orders():
    """My orders, and orders neighbours asked me to collect (代取)."""
    mine, for_others = my_orders_of(
        current_user.id, current_membership().community_id, requested_page(), requested_page("others")
    )
    askers = staff_views(Duty.DELEGATE, current_membership(), [o.user_id for o in for_others])
    return render("groupbuy/orders.html", "orders", orders=mine, for_others=for_others, askers=askers)


def _order_page(order: Order, status: int = 200, delegate_form=None, slot_form=None, saved=None):
    mine = order.user_id == current_user.id
    asker = None if mine else staff_views(Duty.DELEGATE, current_membership(), [order.user_id])[order.user_id]
    return render(
        "groupbuy/order.html",
        "order_panel",
        status=status,
        order=order,
        buy=order.buy,
        mine=mine,
        asker=asker,
        delegate_form=delegate_form or DelegateForm(formdata=None),
        slot_form=slot_form or SlotForm(formdata=None),
        slots=slots_for(order) if order.status in (OrderStatus.CONFIRMED, OrderStatus.READY) else [],
        saved=saved,
        sections=sections("groupbuy.order", order=order),
    )


@bp.get("/groupbuy/orders/<int:order_id>")
@community_required
def order(order_id: int):
    """One order: status, the pickup code and QR once ready, delegation, pickup time slot."""
    return _order_page(my_order(order_id))


@bp.get("/groupbuy/orders/<int:order_id>/qr.svg")
@community_required
def order_qr(order_id: int):
    """The QR code of the order's signed pickup link (the leader scans it to verify)."""
    order = my_order(order_id)
    if order.status != OrderStatus.READY or not order.pickup_code:
        abort(404)
    return qr_svg(url_for("groupbuy.verify_qr", token=qr_token(order), _external=True))


@bp.post("/groupbuy/orders/<int:order_id>/delegate")
@community_required
def delegate(order_id: int):
    """Ask a neighbour to collect my order for me (代取)."""
    order = my_order(order_id, delegate_too=False)
    form = DelegateForm()
    commit_or_422(
        lambda: delegate_pickup(order, form.phone.data),
        lambda _error: _order_page(order, 422, delegate_form=form),
        form,
    )
    asked = _("Asked %(phone)s to collect it for you.", phone=mask_phone(order.delegate_phone))
    return _order_page(order, saved=asked)


@bp.post("/groupbuy/orders/<int:order_id>/delegate/remove")
@community_required
def delegate_remove(order_id: int):
    """Collect it myself after all."""
    order = my_order(order_id, delegate_too=False)
    remove_delegate(order)
    db.session.commit()
    return _order_page(order)


def _slot_start(value: str | None) -> datetime | None:
    """The offered slot a form names (an aware ISO time), or None for anything else."""
    try:
        return datetime.fromisoformat(value or "")
    except ValueError:
        return None


@bp.post("/groupbuy/orders/<int:order_id>/slot")
@community_required
def slot(order_id: int):
    """Book (or move, or give back) my pickup time slot."""
    order = my_order(order_id)
    if request.form.get("slot") == "none":
        cancel_slot(order)
        db.session.commit()
        return _order_page(order)
    form = SlotForm()
    commit_or_422(
        lambda: book_slot(order, _slot_start(form.slot.data)),
        lambda _error: _order_page(order, 422, slot_form=form),
        form,
    )
    return _order_page(order, saved=_("Pickup time booked."))
