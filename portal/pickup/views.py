"""Pickup point pages: the community's pickup points with their hours; admins add and change them."""

from flask import request, url_for

from portal.community.access import community_required, current_membership, get_in_community, role_required
from portal.community.models import Role
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.pickup import bp
from portal.pickup.forms import KIND_LABELS, PointForm
from portal.pickup.models import PickupPoint
from portal.pickup.services import points_of, save_point


@bp.app_context_processor
def pickup_globals() -> dict:
    return {"kind_labels": KIND_LABELS}


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
    point = PickupPoint(community_id=current_membership().community_id)
    commit_or_422(
        lambda: save_point(point, **_point_fields(form)),
        lambda _error: _point_form_page(form, status=422),
        form,
    )
    return redirect_to(url_for("pickup.points"))


@bp.route("/pickup/points/<int:point_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def point_edit(point_id: int):
    """Change a pickup point (name, kind, hours, slots, in use)."""
    point = get_in_community(PickupPoint, point_id)
    form = PointForm(obj=point) if request.method == "GET" else PointForm()
    if request.method == "GET":
        return _point_form_page(form, point)
    commit_or_422(
        lambda: save_point(point, **_point_fields(form)),
        lambda _error: _point_form_page(form, point, status=422),
        form,
    )
    return redirect_to(url_for("pickup.points"))
