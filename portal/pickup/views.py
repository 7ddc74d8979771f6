"""Pickup pages: the community's pickup points (admins manage them), and 核销 — the leader
verifies a pickup by typing the resident's code or by opening the QR code's signed link."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.community.models import Role
from portal.core.access import community_required, current_membership, get_in_community, role_required
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import redirect_to, render
from portal.extensions import limiter
from portal.groupbuy.models import Order, OrderStatus
from portal.pickup import bp
from portal.pickup.forms import KIND_LABELS, CodeForm, PointForm
from portal.pickup.models import PickupPoint
from portal.pickup.services import (
    mark_collected,
    may_hand_out,
    order_for_code,
    order_for_qr,
    points_of,
    save_point,
)


@bp.app_context_processor
def pickup_globals() -> dict:
    return {"kind_labels": KIND_LABELS}


# --- pickup points ------------------------------------------------------------------------


@bp.get("/pickup/points")
@community_required
def points():
    """The community's pickup points with their opening hours; admins add and change them."""
    membership = current_membership()
    is_admin = membership.has(Role.ADMIN)
    rows = points_of(membership.community_id, only_active=not is_admin)
    return render("pickup/points.html", points=rows, is_admin=is_admin)


@bp.get("/pickup/points/<int:point_id>")
@community_required
def point(point_id: int):
    """One pickup point: where, when open, what kind."""
    point = get_in_community(PickupPoint, point_id)
    return render("pickup/point.html", point=point, is_admin=current_membership().has(Role.ADMIN))


def _point_fields(form: PointForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "address": form.address.data or "",
        "opening_hours": form.opening_hours.data or "",
        "slot_capacity": form.slot_capacity.data or 0,
        "slot_minutes": form.slot_minutes.data,
        "active": form.active.data,
    }


def _point_form_page(form, point=None, status=200):
    return render("pickup/point_form.html", "point_form", status=status, form=form, point=point)


@bp.route("/pickup/points/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def point_new():
    """Add a pickup point."""
    form = PointForm()
    if request.method == "GET":
        return _point_form_page(form)
    if not form.validate():
        return _point_form_page(form, status=422)
    try:
        save_point(PickupPoint(community_id=current_membership().community_id), **_point_fields(form))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _point_form_page(form, status=422)
    db.session.commit()
    return redirect_to(url_for("pickup.points"))


@bp.route("/pickup/points/<int:point_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def point_edit(point_id: int):
    """Change a pickup point (name, kind, hours, slots, in use)."""
    point = get_in_community(PickupPoint, point_id)
    form = PointForm(obj=point) if request.method == "GET" else PointForm()
    if request.method == "GET":
        return _point_form_page(form, point)
    if not form.validate():
        return _point_form_page(form, point, status=422)
    try:
        save_point(point, **_point_fields(form))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _point_form_page(form, point, status=422)
    db.session.commit()
    return redirect_to(url_for("pickup.points"))


# --- 核销: verifying a pickup ---------------------------------------------------------------


def _hands_out(view):
    return role_required(Role.LEADER, Role.ADMIN)(view)


def _code_form(default_point: int | None = None) -> CodeForm:
    form = CodeForm() if request.method == "POST" else CodeForm(formdata=None, point=default_point)
    form.point.choices = [
        SelectChoice(p.id, p.name) for p in points_of(current_membership().community_id) if p.is_manned
    ]
    return form


def _verify_page(form, found=None, done=None, status=200):
    return render("pickup/verify.html", "verify_panel", status=status, form=form, found=found, done=done)


def _verify_key() -> str:
    return f"pickup-verify:{current_user.id}"


@bp.get("/pickup/verify")
@_hands_out
def verify():
    """Type a resident's pickup code to find their order."""
    point_id = request.args.get("point", type=int)
    form = _code_form(point_id)
    if not point_id and len(form.point.choices) == 1:
        form.point.data = form.point.choices[0].value
    return _verify_page(form)


def _lookup(form: CodeForm) -> Order | None:
    """The open order for the code at the chosen point, if this person may hand it out."""
    point = db.session.get(PickupPoint, form.point.data or 0)
    if point is None or point.community_id != current_membership().community_id:
        form.point.errors = [_("Choose a pickup point.")]
        return None
    order = order_for_code(point.id, form.code.data)
    if order is None or not may_hand_out(current_membership(), order):
        form.code.errors = [_("No open order has this code here. Check the digits and the pickup point.")]
        return None
    return order


@bp.post("/pickup/verify")
@_hands_out
@limiter.limit("60 per minute", key_func=_verify_key)
def verify_lookup():
    """Find the order for a code (shown for a last look before handing it over)."""
    form = _code_form()
    if not form.validate():
        return _verify_page(form, status=422)
    order = _lookup(form)
    if order is None:
        return _verify_page(form, status=422)
    return _verify_page(form, found=order)


@bp.post("/pickup/collect")
@_hands_out
@limiter.limit("60 per minute", key_func=_verify_key)
def collect():
    """核销 by code: the order is handed over and marked collected (once)."""
    form = _code_form()
    if not form.validate():
        return _verify_page(form, status=422)
    order = _lookup(form)
    if order is None:
        return _verify_page(form, status=422)
    try:
        mark_collected(order, "code", by_user=current_user)
    except DomainError as error:
        db.session.rollback()
        form.code.errors = [error.message]
        return _verify_page(form, status=422)
    db.session.commit()
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
        return render(
            "pickup/verify_qr.html", order=collected, token=token, void=True, status=200 if collected else 404
        )
    if request.method == "GET":
        return render("pickup/verify_qr.html", order=order, token=token)
    try:
        mark_collected(order, "qr", by_user=current_user)
    except DomainError:
        db.session.rollback()
        return render("pickup/verify_qr.html", order=order, token=token, void=True, status=409)
    db.session.commit()
    return redirect_to(url_for("pickup.verify_done", order_id=order.id))


def _collected_for_token(token: str) -> Order | None:
    """A QR link of an order collected already: show that, to those who may hand it out."""
    from itsdangerous import BadSignature

    from portal.pickup.services import _qr_serializer

    try:
        order_id, _code = _qr_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    order = db.session.get(Order, order_id) if isinstance(order_id, int) else None
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
    return render("pickup/verify_qr.html", order=order, token=None, void=True)
