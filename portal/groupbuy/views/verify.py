"""核销, verifying a pickup: the leader (or an admin) types the resident's pickup code, or opens
the signed link of the order's QR code, and hands the goods over."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.community.access import community_required, current_membership, get_in_community, role_required
from portal.community.models import Role
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.inputs import database_int
from portal.core.people import Duty, staff_views
from portal.core.sections import sections
from portal.extensions import limiter
from portal.groupbuy import bp
from portal.groupbuy.forms import CodeForm
from portal.groupbuy.models import Order, OrderStatus
from portal.groupbuy.services.pickup_codes import (
    collected_order_for_code,
    mark_collected,
    may_hand_out,
    order_by_qr,
    order_for_code,
    order_for_qr,
)
from portal.pickup.models import PickupPoint
from portal.pickup.services import points_of

_hands_out = role_required(Role.LEADER, Role.ADMIN)


def _code_form(default_point: int | None = None) -> CodeForm:
    form = CodeForm() if request.method == "POST" else CodeForm(formdata=None, point=default_point)
    form.point.choices = [
        SelectChoice(p.id, p.name) for p in points_of(current_membership().community_id) if p.is_manned
    ]
    return form


def _people(*orders: Order | None) -> dict:
    """Who placed, who collects and who handed over these orders, as the leader's policy shows
    them (the name as neighbours see it, else masked)."""
    ids = [
        i for o in orders if o is not None for i in (o.user_id, o.delegate_user_id, o.collected_by_id) if i
    ]
    return staff_views(Duty.LEADER, current_membership(), ids)


def _verify_page(form, found=None, done=None, status=200, collected=None):
    return render(
        "groupbuy/verify.html",
        "verify_panel",
        status=status,
        form=form,
        found=found,
        done=done,
        collected=collected,
        people=_people(found, done, collected),
        sections=sections("groupbuy.verified", order=done) if done else [],
    )


def _qr_page(order: Order | None, token: str | None, status: int = 200, void: bool = False):
    done = order if void and order is not None and order.status == OrderStatus.COLLECTED else None
    return render(
        "groupbuy/verify_qr.html",
        order=order,
        token=token,
        void=void,
        status=status,
        people=_people(order),
        sections=sections("groupbuy.verified", order=done) if done else [],
    )


def _verify_key() -> str:
    return f"pickup-verify:{current_user.id}"


@bp.get("/pickup/verify")
@_hands_out
def verify():
    """Type a resident's pickup code to find their order."""
    point_id = request.args.get("point", type=database_int)
    form = _code_form(point_id)
    if not point_id and len(form.point.choices) == 1:
        form.point.data = form.point.choices[0].value
    return _verify_page(form)


def _typed_point(form: CodeForm) -> PickupPoint | None:
    """The community's pickup point the form names, or None (said beside the field)."""
    if not form.validate():
        return None
    point = db.session.get(PickupPoint, form.point.data or 0)
    if point is None or point.community_id != current_membership().community_id:
        form.point.errors = [_("Choose a pickup point.")]
        return None
    return point


def _typed_order(form: CodeForm) -> tuple[Order | None, Order | None]:
    """(the open order whose code was typed at the chosen point, if this person may hand it
    out; None when the form or the code is refused, the reason beside its field) and, for a
    code that was used already, the order collected with it (to say when and by whom)."""
    point = _typed_point(form)
    if point is None:
        return None, None
    order = order_for_code(point.id, form.code.data)
    if order is not None and may_hand_out(current_membership(), order):
        return order, None
    collected = _collected_with(form)
    if collected is not None:
        form.code.errors = [_("This code was used already: the order was collected.")]
    else:
        form.code.errors = [_("No open order has this code here. Check the digits and the pickup point.")]
    return None, collected


def _collected_with(form: CodeForm) -> Order | None:
    """The order collected with the typed code at the chosen point, for someone who may hand
    it out."""
    order = collected_order_for_code(form.point.data or 0, form.code.data)
    if order is None or not may_hand_out(current_membership(), order):
        return None
    return order


@bp.post("/pickup/verify")
@_hands_out
@limiter.limit("60 per minute", key_func=_verify_key)
def verify_lookup():
    """Find the order for a code (shown for a last look before handing it over)."""
    form = _code_form()
    order, collected = _typed_order(form)
    if order is None:
        return _verify_page(form, status=422, collected=collected)
    return _verify_page(form, found=order)


@bp.post("/pickup/collect")
@_hands_out
@limiter.limit("60 per minute", key_func=_verify_key)
def collect():
    """核销 by code: the order is handed over and marked collected (once)."""
    form = _code_form()
    order, collected = _typed_order(form)
    if order is None:
        return _verify_page(form, status=422, collected=collected)

    def refused(error):  # collected meanwhile: said beside the code
        form.code.errors = [error.message]
        return _verify_page(form, status=422, collected=_collected_with(form))

    commit_or_422(lambda: mark_collected(order, "code", by_user=current_user), refused)
    fresh = _code_form(form.point.data)
    fresh.point.data = form.point.data
    fresh.code.data = ""
    return _verify_page(fresh, done=order)


def _qr_order(token: str) -> Order:
    """The open order behind a QR link, for someone who may hand it out (404/403 otherwise)."""
    order = order_for_qr(token)
    if order is None:
        return None
    if order.community_id != current_membership().community_id:
        abort(404)
    if not may_hand_out(current_membership(), order):
        abort(403)
    return order


@bp.route("/pickup/v/<token>", methods=["GET", "POST"])
@community_required
def verify_qr(token: str):
    """The QR code's signed link: the leader opens it and confirms the handover (核销)."""
    order = _qr_order(token)
    if order is None:
        collected = _collected_for_token(token)
        status = 200 if collected else 404
        return _qr_page(collected, token, status, void=True)
    if request.method == "GET":
        return _qr_page(order, token)
    try:
        mark_collected(order, "qr", by_user=current_user)
    except DomainError:  # collected meanwhile (by code, or on another phone): nothing to confirm
        db.session.rollback()
        return _qr_page(order, token, 409, void=True)
    db.session.commit()
    return redirect_to(url_for("groupbuy.verify_done", order_id=order.id))


def _collected_for_token(token: str) -> Order | None:
    """A QR link of an order collected already: show that, to those who may hand it out."""
    order = order_by_qr(token)
    if order is None or order.status != OrderStatus.COLLECTED:
        return None
    if order.community_id != current_membership().community_id:
        return None
    return order if may_hand_out(current_membership(), order) else None


@bp.get("/pickup/done/<int:order_id>")
@_hands_out
def verify_done(order_id: int):
    """After a QR handover: confirmation for the leader."""
    order = get_in_community(Order, order_id)
    if not may_hand_out(current_membership(), order):
        abort(403)
    return _qr_page(order, None, void=True)
