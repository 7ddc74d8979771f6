"""The buys: the listing, a buy's page with live progress toward 成团, joining, leaving and
the waitlist."""

from flask import abort, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.community.access import community_required, current_membership, get_in_community
from portal.community.models import Role
from portal.core import localtime
from portal.core.db import utcnow
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.paging import requested_page
from portal.core.sections import sections
from portal.groupbuy import bp
from portal.groupbuy.forms import JoinForm
from portal.groupbuy.live import buys_room, push_progress
from portal.groupbuy.models import BuyStatus, Category, GroupBuy
from portal.groupbuy.services.buys import editable
from portal.groupbuy.services.joining import SoldOut, join_buy, join_waitlist, leave_buy, leave_waitlist
from portal.groupbuy.services.reading import (
    CLOSING_SOON,
    buy_for_page,
    listing,
    listing_card,
    my_order,
    participant_rows,
    waitlist_entry,
)
from portal.groupbuy.texts import CATEGORY_ICONS, VIEWS, filter_links, listing_texts
from portal.groupbuy.views.common import is_admin, is_owner
from portal.groupbuy.views.sharing import share_link
from portal.trace.buying import summary as trace_summary


@bp.get("/groupbuy")
@community_required
def index():
    """Group buys of my community: open, closing soon, mine or ended; by category."""
    view = request.args.get("view", "open")
    view = view if view in VIEWS else "open"
    category = request.args.get("category", "")
    category = category if category in set(Category) else ""
    membership = current_membership()
    return render(
        "groupbuy/index.html",
        "list",
        buys=listing(membership.community_id, current_user.id, view, category, requested_page()),
        view=view,
        category=category,
        is_leader=membership.has(Role.LEADER),
        links=filter_links(view, category),
        **_card_context(membership.community_id),
    )


def _card_context(community_id: int) -> dict:
    """What a listing card reads besides its row."""
    return {
        "now": utcnow(),
        "soon": CLOSING_SOON,
        "t": listing_texts(),
        "icons": CATEGORY_ICONS,
        "short_time": localtime.short_time(),
        "me": current_user.id,
        "room": buys_room(community_id),
    }


@bp.get("/groupbuy/<int:buy_id>/card")
@community_required
def card(buy_id: int):
    """One card of the listing, refetched when a push says the buy changed (a browser that asks
    for it as a page goes to the buy's page)."""
    community_id = current_membership().community_id
    row = listing_card(community_id, current_user.id, buy_id)
    if row is None:
        abort(404)
    if not wants_fragment():
        return redirect_to(url_for("groupbuy.detail", buy_id=buy_id))
    return render(
        "groupbuy/index.html", "card", buy=row, links=filter_links("open", ""), **_card_context(community_id)
    )


def _asked_quantity(buy: GroupBuy) -> int:
    """?qty= from a link (a wish's +1 turned into a buy: join at the pledged quantity), within
    the buy's limits; 1 without it."""
    try:
        wanted = int(request.args.get("qty", 1))
    except ValueError:
        return 1
    return max(1, min(wanted, buy.per_person_limit or 100000, buy.remaining or 100000))


def _detail_context(buy: GroupBuy, join_form=None, waitlist_offer=False, problem=None) -> dict:
    order = my_order(buy, current_user.id)
    active = order if order is not None and order.is_active else None
    if join_form is None:
        join_form = JoinForm(
            formdata=None,
            quantity=active.quantity if active else _asked_quantity(buy),
            note=active.note if active else "",
            pickup_point=active.pickup_point_id if active else None,
            show_building=active.show_building if active else False,
        )
    join_form.pickup_point.choices = [SelectChoice(p.id, p.name) for p in buy.pickup_points]
    now = utcnow()
    return {
        "buy": buy,
        "order": active,
        "waiting": waitlist_entry(buy, current_user.id),
        "people": participant_rows(buy, requested_page()),
        "form": join_form,
        "is_owner": is_owner(buy),
        "is_admin": is_admin(),
        "can_join": buy.status == BuyStatus.OPEN and buy.deadline > now,
        "waitlist_offer": waitlist_offer,
        "problem": problem,
        "editable": editable(buy),
        "now": now,
        "trace": trace_summary(buy.batch_id),
        "sections": sections("groupbuy.detail", buy=buy),
        "soon": CLOSING_SOON,
        "room": buys_room(buy.community_id),
        "share_url": share_link(buy),
    }


@bp.get("/groupbuy/<int:buy_id>")
@community_required
def detail(buy_id: int):
    """One buy: photos, price, live progress toward 成团, joining, who joined, pickup."""
    buy = buy_for_page(buy_id)
    if buy is None or buy.community_id != current_membership().community_id:
        abort(404)
    return render("groupbuy/detail.html", "panel", **_detail_context(buy))


@bp.get("/groupbuy/<int:buy_id>/progress")
@community_required
def progress(buy_id: int):
    """The progress bar alone; refetched when a push says the buy changed."""
    buy = get_in_community(GroupBuy, buy_id)
    room = buys_room(buy.community_id)
    return render("groupbuy/_progress.html", buy=buy, now=utcnow(), soon=CLOSING_SOON, room=room)


def _panel(buy: GroupBuy, status: int = 200, **context):
    """After a join/leave: the panel for htmx, the page again (303) otherwise."""
    if status == 200 and not wants_fragment():
        return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))
    return render("groupbuy/detail.html", "panel", status=status, **_detail_context(buy, **context))


def _join_form(buy: GroupBuy) -> JoinForm:
    form = JoinForm()
    form.pickup_point.choices = [SelectChoice(p.id, p.name) for p in buy.pickup_points]
    return form


def _what_i_ask(buy: GroupBuy, form: JoinForm) -> tuple:
    """The join form as a service call's arguments: quantity, note, pickup point, show building."""
    point = form.pickup_point.data if len(buy.pickup_points) > 1 else None
    return form.quantity.data, form.note.data or "", point, form.show_building.data


@bp.post("/groupbuy/<int:buy_id>/join")
@community_required
def join(buy_id: int):
    """Join a buy, or change my quantity, note or pickup point."""
    buy = get_in_community(GroupBuy, buy_id)
    form = _join_form(buy)

    def save():
        join_buy(current_user, buy, *_what_i_ask(buy, form))
        push_progress(buy)

    commit_or_422(
        save,
        lambda error: _panel(buy, 422, join_form=form, waitlist_offer=isinstance(error, SoldOut)),
        form,
    )
    return _panel(buy)


@bp.post("/groupbuy/<int:buy_id>/leave")
@community_required
def leave(buy_id: int):
    """Cancel my order before the deadline."""
    buy = get_in_community(GroupBuy, buy_id)

    def save():
        leave_buy(current_user, buy)
        push_progress(buy)

    commit_or_422(save, lambda error: _panel(buy, 422, problem=error.message))
    return _panel(buy)


@bp.post("/groupbuy/<int:buy_id>/waitlist")
@community_required
def waitlist(buy_id: int):
    """Wait for a full buy with the quantity I want."""
    buy = get_in_community(GroupBuy, buy_id)
    form = _join_form(buy)

    def save():
        join_waitlist(current_user, buy, *_what_i_ask(buy, form))
        push_progress(buy)

    commit_or_422(save, lambda _error: _panel(buy, 422, join_form=form, waitlist_offer=True), form)
    return _panel(buy)


@bp.post("/groupbuy/<int:buy_id>/waitlist/leave")
@community_required
def waitlist_leave(buy_id: int):
    """Stop waiting."""
    buy = get_in_community(GroupBuy, buy_id)
    commit_or_422(
        lambda: leave_waitlist(current_user, buy), lambda error: _panel(buy, 422, problem=error.message)
    )
    return _panel(buy)
