"""Opening, editing and cancelling a buy (its leader; cancelling, an admin too)."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from portal.community.access import community_required, current_membership, role_required
from portal.community.models import Role
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.localtime import from_wall_clock, to_wall_clock
from portal.groupbuy import bp
from portal.groupbuy.forms import PREFILLABLE, BuyForm, CancelForm, cents
from portal.groupbuy.live import push_listing, push_progress
from portal.groupbuy.models import GroupBuy
from portal.groupbuy.services.buys import BuyInput, create_buy, editable, remove_photo, update_buy
from portal.groupbuy.services.closing import cancel_buy
from portal.groupbuy.views.common import own_buy
from portal.pickup.services import points_of
from portal.trace.buying import batch_label, usable_batches


def _buy_form(community_id: int, leader_id: int, buy: GroupBuy | None = None, **kwargs) -> BuyForm:
    form = BuyForm(**kwargs)
    form.kept_photos = len(buy.photos) if buy else 0
    form.pickup_points.choices = [SelectChoice(p.id, p.name) for p in points_of(community_id)]
    batches = usable_batches(leader_id, community_id, keep=buy.batch_id if buy else None)
    form.batch.choices = [SelectChoice("", _("— No batch —"))] + [
        SelectChoice(b.id, batch_label(b)) for b in batches
    ]
    return form


def _buy_input(form: BuyForm) -> BuyInput:
    return BuyInput(
        title=form.title.data,
        description=form.description.data or "",
        category=form.category.data,
        unit=form.unit.data,
        unit_price_cents=cents(form.unit_price.data),
        reference_price_cents=cents(form.reference_price.data),
        min_quantity=form.min_quantity.data,
        stock_cap=form.stock_cap.data,
        per_person_limit=form.per_person_limit.data,
        deadline=from_wall_clock(form.deadline.data),
        pickup_from=from_wall_clock(form.pickup_from.data),
        pickup_until=from_wall_clock(form.pickup_until.data),
        pickup_point_ids=list(form.pickup_points.data or []),
        commission_bp=int((form.commission.data or 0) * 100),
        batch_id=form.batch.data,
        photos=[f for f in request.files.getlist(form.photos.name) if f and f.filename],
        source=form.source.data or "",
    )


def _form_data_of(buy: GroupBuy) -> dict:
    return {
        "title": buy.title,
        "description": buy.description,
        "category": buy.category,
        "unit": buy.unit,
        "unit_price": buy.unit_price_cents / 100,
        "reference_price": None if buy.reference_price_cents is None else buy.reference_price_cents / 100,
        "min_quantity": buy.min_quantity,
        "stock_cap": buy.stock_cap,
        "per_person_limit": buy.per_person_limit,
        "deadline": to_wall_clock(buy.deadline),
        "pickup_from": to_wall_clock(buy.pickup_from),
        "pickup_until": to_wall_clock(buy.pickup_until),
        "commission": buy.commission_bp / 100,
        "pickup_points": [p.id for p in buy.pickup_points],
        "batch": buy.batch_id,
    }


def _form_page(form, buy=None, status=200):
    return render(
        "groupbuy/form.html",
        "buy_form",
        status=status,
        form=form,
        buy=buy,
        editable=buy is None or editable(buy),
    )


@bp.route("/groupbuy/new", methods=["GET", "POST"])
@role_required(Role.LEADER)
def new():
    """A leader opens a group buy."""
    membership = current_membership()
    # another page may link here with some fields filled in (the demand pool's wishes)
    prefill = {name: request.args[name] for name in PREFILLABLE if request.args.get(name)}
    if request.method == "GET" and prefill:
        form = _buy_form(membership.community_id, membership.user_id, formdata=MultiDict(prefill))
    else:
        form = _buy_form(membership.community_id, membership.user_id)
    if request.method == "GET":
        if not form.pickup_points.data and len(form.pickup_points.choices) == 1:
            form.pickup_points.data = [form.pickup_points.choices[0].value]
        return _form_page(form)

    def save():
        buy = create_buy(membership, _buy_input(form))
        push_listing(membership.community_id)
        return buy

    buy = commit_or_422(save, lambda _error: _form_page(form, status=422), form)
    return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))


@bp.route("/groupbuy/<int:buy_id>/edit", methods=["GET", "POST"])
@community_required
def edit(buy_id: int):
    """Change a buy before anyone has joined."""
    buy = own_buy(buy_id)
    if request.method == "GET":
        form = _buy_form(buy.community_id, buy.leader_id, buy, formdata=None, data=_form_data_of(buy))
        return _form_page(form, buy)
    form = _buy_form(buy.community_id, buy.leader_id, buy)

    def save():
        update_buy(buy, _buy_input(form))
        push_progress(buy)

    commit_or_422(save, lambda _error: _form_page(form, buy, status=422), form)
    return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))


@bp.post("/groupbuy/<int:buy_id>/photos/<int:photo_id>/delete")
@community_required
def photo_delete(buy_id: int, photo_id: int):
    """Take a photo off a buy nobody has joined yet (another buy's photo: 404)."""
    buy = own_buy(buy_id)
    try:
        remove_photo(buy, photo_id)
    except DomainError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return redirect_to(url_for("groupbuy.edit", buy_id=buy.id))


@bp.route("/groupbuy/<int:buy_id>/cancel", methods=["GET", "POST"])
@community_required
def cancel(buy_id: int):
    """Call a buy off; everyone who joined or waits is told, with the reason."""
    buy = own_buy(buy_id, admin_too=True)
    form = CancelForm()
    if request.method == "GET":
        return render("groupbuy/cancel.html", "cancel_form", form=form, buy=buy)

    def save():
        cancel_buy(buy, current_user, form.reason.data or "")
        push_progress(buy)

    commit_or_422(save, lambda _: render("groupbuy/cancel.html", "cancel_form", form=form, buy=buy), form)
    return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))
