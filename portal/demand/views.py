"""Demand pool pages: the pool, a wish, posting one, +1s, a leader's decisions, the CSV."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from wtforms import SelectChoice

from portal.community.access import current_membership, get_in_community, people_required, role_required
from portal.community.models import Role
from portal.core import localtime
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.export import csv_download
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.paging import requested_page
from portal.demand import bp
from portal.demand.forms import DeclineForm, MergeForm, PlusOneForm, WishForm
from portal.demand.models import EXPIRED, Wish, WishState
from portal.demand.services import (
    TABS,
    WishInput,
    conversion_url,
    decline,
    export_rows,
    mark_planned,
    may_decide,
    merge,
    merge_targets,
    my_vote,
    my_votes,
    plus_one,
    pool,
    post_wish,
    withdraw,
)
from portal.groupbuy.forms import cents
from portal.groupbuy.models import CATEGORY_LABELS, Category
from portal.moderation.services import can_view
from portal.neighbors.privacy import people_for_users


def state_labels() -> dict:
    return {
        WishState.OPEN: pgettext("wish", "Open"),
        WishState.PLANNED: _("Planned"),
        WishState.CONVERTED: _("Now a buy"),
        WishState.DECLINED: _("Declined"),
        WishState.DUPLICATE: _("Merged"),
        EXPIRED: _("Expired"),
    }


def tab_labels() -> dict:
    return {
        "open": pgettext("wishes", "Open"),
        "converted": _("Now buys"),
        "declined": _("Declined"),
        "expired": _("Expired"),
    }


def _wish(wish_id: int) -> Wish:
    """A wish of my community I may see (else 404)."""
    wish = get_in_community(Wish, wish_id)
    if not can_view(wish, current_membership()):
        abort(404)
    return wish


@bp.get("/demand")
@people_required
def index():
    """The pool: what neighbours wish for, most households first; +1 with a quantity."""
    me = current_membership()
    tab = request.args.get("tab", "open")
    tab = tab if tab in TABS else "open"
    category = request.args.get("category", "")
    category = category if category in set(Category) else ""
    wishes = pool(me, tab, category, requested_page())
    return render(
        "demand/index.html",
        "pool",
        wishes=wishes,
        mine=my_votes(me, [w.id for w in wishes]),
        plus_form=lambda quantity: PlusOneForm(formdata=None, quantity=quantity),
        tab=tab,
        tabs=tab_labels(),
        category=category,
        categories=CATEGORY_LABELS,
        states=state_labels(),
        today=localtime.today(),
        decider=may_decide(me),
        is_leader=me.has(Role.LEADER),
        is_admin=me.has(Role.ADMIN),
    )


def _form_page(form, status=200):
    return render("demand/form.html", "wish_form", status=status, form=form)


@bp.route("/demand/new", methods=["GET", "POST"])
@people_required
def new():
    """Post a wish (a new member's first waits for a volunteer's approval)."""
    form = WishForm()
    if request.method == "GET":
        return _form_page(form)

    def save():
        return post_wish(
            current_membership(),
            WishInput(
                title=form.title.data,
                category=form.category.data,
                price_cents=cents(form.price.data),
                unit=form.unit.data or "",
                link=form.link.data or "",
                note=form.note.data or "",
                quantity=form.quantity.data,
                photo=form.photo.data,
            ),
        )

    wish = commit_or_422(save, lambda _error: _form_page(form, status=422), form)
    return redirect_to(url_for("demand.wish", wish_id=wish.id))


def _wish_context(wish: Wish, **extra) -> dict:
    me = current_membership()
    vote = my_vote(me, wish)
    merge_form = extra.pop("merge_form", None) or MergeForm(formdata=None)
    if may_decide(me):
        merge_form.target.choices = [
            SelectChoice(w.id, f"#{w.id} {w.title} ({w.household_count})") for w in merge_targets(wish)
        ]
    merged_into = db.session.get(Wish, wish.merged_into_id) if wish.merged_into_id else None
    merged_into = merged_into if can_view(merged_into, me) else None
    return {
        "wish": wish,
        "vote": vote,
        "form": extra.pop("form", None) or PlusOneForm(formdata=None, quantity=vote.quantity if vote else 1),
        "decline_form": extra.pop("decline_form", None) or DeclineForm(formdata=None),
        "merge_form": merge_form,
        "merged_into": merged_into,
        "people": people_for_users(me, wish.community_id, [wish.author_id]),
        "states": state_labels(),
        "shown": wish.shown_state(localtime.today()),
        "today": localtime.today(),
        "decider": may_decide(me),
        "is_leader": me.has(Role.LEADER),
        **extra,
    }


@bp.get("/demand/<int:wish_id>")
@people_required
def wish(wish_id: int):
    """One wish: what, a price, the link or photo, how many households want it, my +1."""
    return render("demand/wish.html", **_wish_context(_wish(wish_id)))


def _vote_box(wish: Wish, status: int = 200, form=None, problem=None):
    """After a +1 or a withdrawal: the vote box for htmx, the wish's page again (303) otherwise."""
    if status == 200 and not wants_fragment():
        return redirect_to(url_for("demand.wish", wish_id=wish.id))
    me = current_membership()
    vote = my_vote(me, wish)
    form = form or PlusOneForm(formdata=None, quantity=vote.quantity if vote else 1)
    context = {"wish": wish, "vote": vote, "form": form, "problem": problem, "today": localtime.today()}
    if wants_fragment():
        return render("demand/_vote.html", status=status, **context)
    return render("demand/wish.html", status=status, **_wish_context(wish, form=form, problem=problem))


@bp.post("/demand/<int:wish_id>/plus")
@people_required
def plus(wish_id: int):
    """+1 with how many my household would take (again: changes the quantity, counts once)."""
    wish = _wish(wish_id)
    form = PlusOneForm()
    commit_or_422(
        lambda: plus_one(current_membership(), wish, form.quantity.data),
        lambda error: _vote_box(wish, 422, form, error.message if error else None),
        form,
    )
    return _vote_box(wish)


@bp.post("/demand/<int:wish_id>/withdraw")
@people_required
def withdraw_vote(wish_id: int):
    """Take my household's +1 back."""
    wish = _wish(wish_id)
    commit_or_422(
        lambda: withdraw(current_membership(), wish),
        lambda error: _vote_box(wish, 422, problem=error.message),
    )
    return _vote_box(wish)


def _decided(wish: Wish):
    return redirect_to(url_for("demand.wish", wish_id=wish.id))


def _decide_page(wish: Wish, **forms):
    return render("demand/wish.html", "decide", status=422, **_wish_context(wish, **forms))


@bp.post("/demand/<int:wish_id>/plan")
@role_required(Role.LEADER, Role.ADMIN)
def plan(wish_id: int):
    """A leader takes the wish on: residents see "planned"."""
    wish = _wish(wish_id)
    commit_or_422(
        lambda: mark_planned(current_membership(), wish),
        lambda error: _decide_page(wish, problem=error.message),
    )
    return _decided(wish)


@bp.post("/demand/<int:wish_id>/decline")
@role_required(Role.LEADER, Role.ADMIN)
def decline_wish(wish_id: int):
    """Say no, with a reason the neighbours read."""
    wish = _wish(wish_id)
    form = DeclineForm()
    commit_or_422(
        lambda: decline(current_membership(), wish, form.reason.data),
        lambda _error: _decide_page(wish, decline_form=form),
        form,
    )
    return _decided(wish)


@bp.post("/demand/<int:wish_id>/merge")
@role_required(Role.LEADER, Role.ADMIN)
def merge_wish(wish_id: int):
    """Close a duplicate: its households' +1s move to the wish it repeats, each once."""
    wish = _wish(wish_id)
    form = MergeForm()
    form.target.choices = [SelectChoice(w.id, w.title) for w in merge_targets(wish)]

    def save():
        target = db.session.get(Wish, form.target.data)
        if not can_view(target, current_membership()):
            raise DomainError(_("Choose another wish of this community."), "target")
        merge(current_membership(), wish, target)

    commit_or_422(save, lambda _error: _decide_page(wish, merge_form=form), form)
    return _decided(wish)


@bp.get("/demand/<int:wish_id>/convert")
@role_required(Role.LEADER)
def convert(wish_id: int):
    """Turn a wish into a buy: the new-buy form, filled in from the wish. Opening the buy marks
    the wish converted and tells every household that +1'd it."""
    wish = _wish(wish_id)
    try:
        return redirect_to(conversion_url(current_membership(), wish))
    except DomainError as error:
        return _decide_page(wish, problem=error.message)


@bp.get("/demand/export.csv")
@role_required(Role.ADMIN)
def export():
    """The pool for suppliers: what, category, price, households and quantity; nobody named."""
    me = current_membership()
    states = state_labels()
    header = [
        _("Wish"),
        _("What"),
        _("Category"),
        _("Price they would pay (¥)"),
        _("Per"),
        _("Households"),
        _("Quantity"),
        _("State"),
        _("Posted"),
        _("Expires"),
        _("Link"),
    ]
    rows = (
        [
            w.id,
            w.title,
            str(CATEGORY_LABELS.get(w.category, w.category)),
            "" if w.price_cents is None else f"{w.price_cents / 100:.2f}",
            w.unit,
            w.household_count,
            w.quantity_total,
            states[shown],
            w.created_at,
            w.expires_on.isoformat(),
            w.link,
        ]
        for w, shown in export_rows(me.community_id)
    )
    return csv_download(f"wishes-{localtime.today().isoformat()}.csv", header, rows)
