"""Group-buy pages: listing, detail with joining and the waitlist, opening and editing a buy,
my orders with pickup code and QR, delegation and slots, and the leader's workbench."""

import csv
import io
from datetime import datetime
from types import SimpleNamespace

import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from babel import Locale
from babel.dates import format_datetime
from flask import abort, g, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal.community.models import Membership, Role
from portal.core.access import community_required, current_membership, get_in_community, role_required
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.groupbuy import bp
from portal.groupbuy.forms import (
    BuyForm,
    CancelForm,
    DelegateForm,
    JoinForm,
    SlotForm,
    cents,
    local_zone,
    to_local_naive,
    to_utc,
)
from portal.groupbuy.models import (
    ACTIVE_ORDER,
    CATEGORY_LABELS,
    ORDER_STATUS_LABELS,
    STATUS_LABELS,
    BuyStatus,
    Category,
    GroupBuy,
    Order,
    OrderStatus,
)
from portal.groupbuy.services import (
    CLOSING_SOON,
    BuyInput,
    SoldOut,
    cancel_buy,
    commission_cents,
    create_buy,
    delegate_pickup,
    editable,
    join_buy,
    join_waitlist,
    leave_buy,
    leave_waitlist,
    listing,
    mark_arrived,
    mask_name,
    my_order,
    participant_rows,
    participants,
    remove_delegate,
    remove_photo,
    set_paid,
    update_buy,
    waitlist_entry,
)
from portal.pickup.services import book_slot, cancel_slot, points_of, qr_token, slots_for
from portal.realtime import push_after_commit, user_room

VIEWS = ("open", "closing", "mine", "ended")


# --- template helpers ---------------------------------------------------------------------


@bp.app_template_filter("yuan")
def yuan(amount_cents: int | None) -> str:
    """1280 → ¥12.80"""
    if amount_cents is None:
        return ""
    sign = "-" if amount_cents < 0 else ""
    return f"{sign}¥{abs(amount_cents) // 100}.{abs(amount_cents) % 100:02d}"


class ShortTime:
    """Formats times as 11月23日 20:00 / Nov 23 20:00 in the community's time zone.

    The listing formats 50 of them per request: the locale and zone are looked up once, and
    the date part (a babel pattern) is cached per day, so each call is a dict lookup and an
    f-string.
    """

    _dates: dict[tuple[str, object], str] = {}

    def __init__(self, locale, zone):
        self.locale = str(locale or "zh")
        self.zone = zone
        self.pattern = Locale.parse(self.locale).datetime_skeletons["MMMd"].pattern

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        key = (self.locale, local.date())
        day = self._dates.get(key)
        if day is None:
            day = self._dates[key] = format_datetime(local, self.pattern, locale=self.locale)
            if len(self._dates) > 5000:
                self._dates.clear()
        return f"{day} {local.hour:02d}:{local.minute:02d}"


def short_time() -> ShortTime:
    """The formatter for this request (cached on g)."""
    if "gb_short_time" not in g:
        g.gb_short_time = ShortTime(get_locale(), local_zone())
    return g.gb_short_time


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    """11月23日 20:00 / Nov 23 20:00 in the community's time zone."""
    return short_time()(value)


@bp.app_template_filter("spaced_code")
def spaced_code(code: str | None) -> str:
    return f"{code[:4]} {code[4:]}" if code else ""


@bp.app_context_processor
def groupbuy_globals() -> dict:
    return {
        "category_labels": CATEGORY_LABELS,
        "buy_status_labels": STATUS_LABELS,
        "order_status_labels": ORDER_STATUS_LABELS,
        "mask_name": mask_name,
    }


def _is_owner(buy: GroupBuy) -> bool:
    return buy.leader_id == current_user.id


def _is_admin() -> bool:
    membership = current_membership()
    return membership is not None and membership.has(Role.ADMIN)


def _own_buy(buy_id: int, admin_too: bool = False) -> GroupBuy:
    """The buy, if I lead it (or, where allowed, administer the community); 403 for others."""
    buy = get_in_community(GroupBuy, buy_id)
    if _is_owner(buy) or (admin_too and _is_admin()):
        return buy
    abort(403)


def _my_order(order_id: int, delegate_too: bool = True) -> Order:
    """My order (or one I collect for a neighbour); everyone else's is a 404."""
    order = get_in_community(Order, order_id)
    if order.user_id == current_user.id or (delegate_too and order.delegate_user_id == current_user.id):
        return order
    abort(404)


def _pushed(buy: GroupBuy) -> None:
    """After commit: the leader's and my open pages refresh the buy's progress."""
    for user_id in {buy.leader_id, current_user.id}:
        push_after_commit(db.session(), user_room(user_id), {"type": "groupbuy", "id": buy.id})


# --- listing and detail -------------------------------------------------------------------


_LISTING_TEXTS: dict[str, SimpleNamespace] = {}
_FILTER_LINKS: dict[tuple[str, str], SimpleNamespace] = {}


def _listing_texts() -> SimpleNamespace:
    """Every text of the listing page in the current language, translated once per process."""
    locale = str(get_locale() or "zh")
    if locale not in _LISTING_TEXTS:
        from flask_babel import force_locale

        with force_locale(locale):
            texts = {
                "title": _("Group buys"),
                "open_a_buy": _("Open a buy"),
                "which": _("Which buys"),
                "category": _("Category"),
                "all": _("All"),
                "progress": _("Progress toward the minimum"),
                "people": _("neighbours joined"),
                "order_by": _("Order by"),
                "pickup": _("Pickup from"),
                "soon": _("Closing soon"),
                "closing": _("Closing…"),
                "you": _("You"),
                "lead": _("You lead"),
                "views": {
                    "open": pgettext("group buy", "Open"),
                    "closing": _("Closing soon"),
                    "mine": _("Mine"),
                    "ended": _("Ended"),
                },
                "categories": {key.value: str(label) for key, label in CATEGORY_LABELS.items()},
                "status": {key.value: str(label) for key, label in STATUS_LABELS.items()},
            }
        _LISTING_TEXTS[locale] = SimpleNamespace(**texts)  # attribute lookups are the fast path in Jinja
    return _LISTING_TEXTS[locale]


def _filter_links(view: str, category: str) -> SimpleNamespace:
    """The tab and category links of the listing (the same for everyone; built once each)."""
    key = (view, category)
    if key not in _FILTER_LINKS:
        _FILTER_LINKS[key] = SimpleNamespace(
            **{
                "views": [(v, url_for("groupbuy.index", view=v, category=category or None)) for v in VIEWS],
                "all": url_for("groupbuy.index", view=view),
                "categories": [
                    (c.value, url_for("groupbuy.index", view=view, category=c.value)) for c in Category
                ],
                "self": url_for("groupbuy.index", view=view, category=category or None),
                "detail_prefix": url_for("groupbuy.index") + "/",
                "upload_prefix": url_for("uploads.serve", path="x")[:-1],
                "new": url_for("groupbuy.new"),
            }
        )
    return _FILTER_LINKS[key]


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
        buys=listing(membership.community_id, current_user.id, view, category),
        view=view,
        category=category,
        now=utcnow(),
        soon=CLOSING_SOON,
        is_leader=membership.has(Role.LEADER),
        t=_listing_texts(),
        links=_filter_links(view, category),
        short_time=short_time(),
        me=current_user.id,
    )


def _detail_context(buy: GroupBuy, join_form=None, waitlist_offer=False, problem=None) -> dict:
    order = my_order(buy, current_user.id)
    active = order if order is not None and order.is_active else None
    if join_form is None:
        join_form = JoinForm(
            formdata=None,
            quantity=active.quantity if active else 1,
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
        "people": participant_rows(buy),
        "form": join_form,
        "is_owner": _is_owner(buy),
        "is_admin": _is_admin(),
        "can_join": buy.status == BuyStatus.OPEN and buy.deadline > now,
        "waitlist_offer": waitlist_offer,
        "problem": problem,
        "editable": editable(buy),
        "now": now,
        "soon": CLOSING_SOON,
    }


def _page_buy(buy_id: int) -> GroupBuy:
    """The buy with what its page shows loaded at once; another community's is a 404."""
    buy = db.session.scalar(
        sa.select(GroupBuy)
        .where(GroupBuy.id == buy_id)
        .options(
            selectinload(GroupBuy.photos), selectinload(GroupBuy.pickup_points), joinedload(GroupBuy.leader)
        )
    )
    membership = current_membership()
    if buy is None or buy.community_id != membership.community_id:
        abort(404)
    return buy


@bp.get("/groupbuy/<int:buy_id>")
@community_required
def detail(buy_id: int):
    """One buy: photos, price, live progress toward 成团, joining, who joined, pickup."""
    buy = _page_buy(buy_id)
    return render("groupbuy/detail.html", "panel", **_detail_context(buy))


@bp.get("/groupbuy/<int:buy_id>/progress")
@community_required
def progress(buy_id: int):
    """The progress bar alone; refetched every few seconds and when a join is pushed."""
    buy = get_in_community(GroupBuy, buy_id)
    return render("groupbuy/_progress.html", buy=buy, now=utcnow(), soon=CLOSING_SOON)


def _panel(buy: GroupBuy, status: int = 200, **context):
    """After a join/leave: the panel for htmx, the page again (303) otherwise."""
    if status == 200 and not wants_fragment():
        return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))
    return render("groupbuy/detail.html", "panel", status=status, **_detail_context(buy, **context))


def _join_form(buy: GroupBuy) -> JoinForm:
    form = JoinForm()
    form.pickup_point.choices = [SelectChoice(p.id, p.name) for p in buy.pickup_points]
    return form


@bp.post("/groupbuy/<int:buy_id>/join")
@community_required
def join(buy_id: int):
    """Join a buy, or change my quantity, note or pickup point."""
    buy = get_in_community(GroupBuy, buy_id)
    form = _join_form(buy)
    if not form.validate():
        return _panel(buy, 422, join_form=form)
    try:
        join_buy(
            current_user,
            buy,
            form.quantity.data,
            form.note.data or "",
            form.pickup_point.data if len(buy.pickup_points) > 1 else None,
            form.show_building.data,
        )
    except SoldOut as error:
        db.session.rollback()
        attach_error(form, error)
        return _panel(buy, 422, join_form=form, waitlist_offer=True)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _panel(buy, 422, join_form=form)
    _pushed(buy)
    db.session.commit()
    return _panel(buy)


@bp.post("/groupbuy/<int:buy_id>/leave")
@community_required
def leave(buy_id: int):
    """Cancel my order before the deadline."""
    buy = get_in_community(GroupBuy, buy_id)
    try:
        leave_buy(current_user, buy)
    except DomainError as error:
        db.session.rollback()
        return _panel(buy, 422, problem=error.message)
    _pushed(buy)
    db.session.commit()
    return _panel(buy)


@bp.post("/groupbuy/<int:buy_id>/waitlist")
@community_required
def waitlist(buy_id: int):
    """Wait for a full buy with the quantity I want."""
    buy = get_in_community(GroupBuy, buy_id)
    form = _join_form(buy)
    if not form.validate():
        return _panel(buy, 422, join_form=form, waitlist_offer=True)
    try:
        join_waitlist(
            current_user,
            buy,
            form.quantity.data,
            form.note.data or "",
            form.pickup_point.data if len(buy.pickup_points) > 1 else None,
            form.show_building.data,
        )
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _panel(buy, 422, join_form=form, waitlist_offer=True)
    _pushed(buy)
    db.session.commit()
    return _panel(buy)


@bp.post("/groupbuy/<int:buy_id>/waitlist/leave")
@community_required
def waitlist_leave(buy_id: int):
    """Stop waiting."""
    buy = get_in_community(GroupBuy, buy_id)
    try:
        leave_waitlist(current_user, buy)
    except DomainError as error:
        db.session.rollback()
        return _panel(buy, 422, problem=error.message)
    db.session.commit()
    return _panel(buy)


# --- opening, editing, cancelling a buy ---------------------------------------------------


def _buy_form(community_id: int, **kwargs) -> BuyForm:
    form = BuyForm(**kwargs)
    form.pickup_points.choices = [SelectChoice(p.id, p.name) for p in points_of(community_id)]
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
        deadline=to_utc(form.deadline.data),
        pickup_from=to_utc(form.pickup_from.data),
        pickup_until=to_utc(form.pickup_until.data),
        pickup_point_ids=list(form.pickup_points.data or []),
        commission_bp=int((form.commission.data or 0) * 100),
        batch_code=form.batch_code.data or "",
        photos=[f for f in request.files.getlist(form.photos.name) if f and f.filename],
    )


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
    form = _buy_form(membership.community_id)
    if request.method == "GET":
        if not form.pickup_points.data and len(form.pickup_points.choices) == 1:
            form.pickup_points.data = [form.pickup_points.choices[0].value]
        return _form_page(form)
    if not form.validate():
        return _form_page(form, status=422)
    try:
        buy = create_buy(membership, _buy_input(form))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _form_page(form, status=422)
    db.session.commit()
    return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))


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
        "deadline": to_local_naive(buy.deadline),
        "pickup_from": to_local_naive(buy.pickup_from),
        "pickup_until": to_local_naive(buy.pickup_until),
        "commission": buy.commission_bp / 100,
        "batch_code": buy.batch_code,
        "pickup_points": [p.id for p in buy.pickup_points],
    }


@bp.route("/groupbuy/<int:buy_id>/edit", methods=["GET", "POST"])
@community_required
def edit(buy_id: int):
    """Change a buy before anyone has joined."""
    buy = _own_buy(buy_id)
    if request.method == "GET":
        form = _buy_form(buy.community_id, formdata=None, data=_form_data_of(buy))
        return _form_page(form, buy)
    form = _buy_form(buy.community_id)
    if not form.validate():
        return _form_page(form, buy, status=422)
    try:
        update_buy(buy, _buy_input(form))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _form_page(form, buy, status=422)
    db.session.commit()
    return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))


@bp.post("/groupbuy/<int:buy_id>/photos/<int:photo_id>/delete")
@community_required
def photo_delete(buy_id: int, photo_id: int):
    """Take a photo off a buy nobody has joined yet."""
    buy = _own_buy(buy_id)
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
    buy = _own_buy(buy_id, admin_too=True)
    form = CancelForm()
    if request.method == "GET":
        return render("groupbuy/cancel.html", "cancel_form", form=form, buy=buy)
    if not form.validate():
        return render("groupbuy/cancel.html", "cancel_form", status=422, form=form, buy=buy)
    try:
        cancel_buy(buy, current_user, form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render("groupbuy/cancel.html", "cancel_form", status=422, form=form, buy=buy)
    _pushed(buy)
    db.session.commit()
    return redirect_to(url_for("groupbuy.detail", buy_id=buy.id))


# --- my orders: pickup code, QR, delegation, slots ----------------------------------------


@bp.get("/groupbuy/orders")
@community_required
def my_orders():
    """My orders, and orders neighbours asked me to collect (代取)."""
    community_id = current_membership().community_id
    base = (
        sa.select(Order)
        .where(Order.community_id == community_id, Order.status != OrderStatus.CANCELLED)
        .options(selectinload(Order.buy), selectinload(Order.pickup_point))
        .order_by(Order.updated_at.desc())
        .limit(100)
    )
    mine = db.session.scalars(base.where(Order.user_id == current_user.id)).all()
    for_others = db.session.scalars(
        base.where(Order.delegate_user_id == current_user.id, Order.status.in_(ACTIVE_ORDER))
    ).all()
    return render("groupbuy/orders.html", "orders", orders=mine, for_others=for_others)


def _order_page(order: Order, status: int = 200, delegate_form=None, slot_form=None, saved=None):
    return render(
        "groupbuy/order.html",
        "order_panel",
        status=status,
        order=order,
        buy=order.buy,
        mine=order.user_id == current_user.id,
        delegate_form=delegate_form or DelegateForm(formdata=None),
        slot_form=slot_form or SlotForm(formdata=None),
        slots=slots_for(order) if order.status in (OrderStatus.CONFIRMED, OrderStatus.READY) else [],
        saved=saved,
    )


@bp.get("/groupbuy/orders/<int:order_id>")
@community_required
def order(order_id: int):
    """One order: status, the pickup code and QR once ready, delegation, pickup time slot."""
    return _order_page(_my_order(order_id))


@bp.get("/groupbuy/orders/<int:order_id>/qr.svg")
@community_required
def order_qr(order_id: int):
    """The QR code of the order's signed pickup link (the leader scans it to verify)."""
    order = _my_order(order_id)
    if order.status != OrderStatus.READY or not order.pickup_code:
        abort(404)
    url = url_for("pickup.verify_qr", token=qr_token(order), _external=True)
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue(), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "private, no-store"}


@bp.post("/groupbuy/orders/<int:order_id>/delegate")
@community_required
def delegate(order_id: int):
    """Ask a neighbour to collect my order for me (代取)."""
    order = _my_order(order_id, delegate_too=False)
    form = DelegateForm()
    if not form.validate():
        return _order_page(order, 422, delegate_form=form)
    try:
        delegate_pickup(order, form.phone.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _order_page(order, 422, delegate_form=form)
    db.session.commit()
    return _order_page(order, saved=_("%(name)s will collect it for you.", name=order.delegate.display_name))


@bp.post("/groupbuy/orders/<int:order_id>/delegate/remove")
@community_required
def delegate_remove(order_id: int):
    """Collect it myself after all."""
    order = _my_order(order_id, delegate_too=False)
    remove_delegate(order)
    db.session.commit()
    return _order_page(order)


@bp.post("/groupbuy/orders/<int:order_id>/slot")
@community_required
def slot(order_id: int):
    """Book (or move, or give back) my pickup time slot."""
    order = _my_order(order_id)
    form = SlotForm()
    if request.form.get("slot") == "none":
        cancel_slot(order)
        db.session.commit()
        return _order_page(order)
    if not form.validate():
        return _order_page(order, 422, slot_form=form)
    try:
        starts = datetime.fromisoformat(form.slot.data)
        if starts.tzinfo is None:
            raise ValueError
        book_slot(order, starts)
    except ValueError:
        db.session.rollback()
        form.slot.errors = [_("Choose one of the offered times.")]
        return _order_page(order, 422, slot_form=form)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _order_page(order, 422, slot_form=form)
    db.session.commit()
    return _order_page(order, saved=_("Pickup time booked."))


# --- the leader's workbench ----------------------------------------------------------------


def _goods_cents(buy_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """buy id → (units, value in fen, paid value in fen) of its counted orders."""
    counted = (OrderStatus.CONFIRMED, OrderStatus.READY, OrderStatus.COLLECTED, OrderStatus.UNCLAIMED)
    rows = db.session.execute(
        sa.select(
            Order.buy_id,
            sa.func.coalesce(sa.func.sum(Order.quantity), 0),
            sa.func.coalesce(sa.func.sum(Order.quantity * Order.unit_price_cents), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((Order.paid_at.is_not(None), Order.quantity * Order.unit_price_cents), else_=0)
                ),
                0,
            ),
        )
        .where(Order.buy_id.in_(buy_ids or [0]), Order.status.in_(counted))
        .group_by(Order.buy_id)
    ).all()
    return {buy_id: (int(units), int(value), int(paid)) for buy_id, units, value, paid in rows}


@bp.get("/groupbuy/workbench")
@role_required(Role.LEADER)
def workbench():
    """My buys with their numbers, commission and what to do next."""
    buys = db.session.scalars(
        sa.select(GroupBuy)
        .where(
            GroupBuy.community_id == current_membership().community_id, GroupBuy.leader_id == current_user.id
        )
        .order_by(GroupBuy.created_at.desc())
        .limit(200)
    ).all()
    goods = _goods_cents([b.id for b in buys])
    rows = []
    totals = {"value": 0, "paid": 0, "commission": 0}
    for buy in buys:
        units, value, paid = goods.get(buy.id, (0, 0, 0))
        commission = commission_cents(buy, value)
        rows.append((buy, units, value, paid, commission))
        totals["value"] += value
        totals["paid"] += paid
        totals["commission"] += commission
    counts = {s: sum(1 for b in buys if b.status == s) for s in BuyStatus}
    decided = counts[BuyStatus.SUCCEEDED] + counts[BuyStatus.ARRIVED] + counts[BuyStatus.FAILED]
    success_rate = None if not decided else round(100 * (decided - counts[BuyStatus.FAILED]) / decided)
    points = points_of(current_membership().community_id)
    return render(
        "groupbuy/workbench.html",
        rows=rows,
        totals=totals,
        counts=counts,
        success_rate=success_rate,
        points=points,
        now=utcnow(),
        soon=CLOSING_SOON,
    )


def _buy_orders(buy: GroupBuy) -> list[tuple[Order, Membership | None]]:
    return participants(buy) if buy.status in (BuyStatus.OPEN,) else _orders_with_members(buy)


def _orders_with_members(buy: GroupBuy):
    shown = (*ACTIVE_ORDER, OrderStatus.UNCLAIMED)
    rows = db.session.execute(
        sa.select(Order, Membership)
        .outerjoin(
            Membership,
            sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
        )
        .where(Order.buy_id == buy.id, Order.status.in_(shown))
        .options(selectinload(Order.user), selectinload(Order.pickup_point))
        .order_by(Order.reference)
    ).all()
    return [(o, m) for o, m in rows]


@bp.get("/groupbuy/<int:buy_id>/orders")
@community_required
def buy_orders(buy_id: int):
    """The orders of one of my buys: mark paid, mark arrived, pick list, CSV."""
    buy = _own_buy(buy_id, admin_too=True)
    rows = _buy_orders(buy)
    units, value, paid = _goods_cents([buy.id]).get(buy.id, (0, 0, 0))
    return render(
        "groupbuy/buy_orders.html",
        "order_rows",
        buy=buy,
        rows=rows,
        value=value,
        paid=paid,
        commission=commission_cents(buy, value),
        is_owner=_is_owner(buy),
        now=utcnow(),
        soon=CLOSING_SOON,
    )


@bp.post("/groupbuy/<int:buy_id>/arrived")
@community_required
def arrived(buy_id: int):
    """The goods are at the pickup point(s): every order at a manned point gets its pickup code."""
    buy = _own_buy(buy_id)
    try:
        mark_arrived(buy)
    except DomainError as error:
        db.session.rollback()
        return render(
            "groupbuy/buy_orders.html",
            "order_rows",
            status=422,
            buy=buy,
            rows=_buy_orders(buy),
            problem=error.message,
            is_owner=True,
            now=utcnow(),
            soon=CLOSING_SOON,
            value=0,
            paid=0,
            commission=0,
        )
    db.session.commit()
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
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == order.user_id, Membership.community_id == order.community_id
        )
    )
    if wants_fragment():
        return render("groupbuy/_order_row.html", o=order, m=membership, buy=order.buy, is_owner=True)
    return redirect_to(url_for("groupbuy.buy_orders", buy_id=order.buy_id))


def _pick_rows(buy_ids: list[int], point_id: int | None):
    """Orders to hand out, sorted product → building → unit, with their pickup point."""
    wanted = (OrderStatus.CONFIRMED, OrderStatus.READY)
    query = (
        sa.select(Order, Membership)
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .outerjoin(
            Membership,
            sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
        )
        .where(Order.buy_id.in_(buy_ids or [0]), Order.status.in_(wanted))
        .options(
            selectinload(Order.user),
            selectinload(Order.pickup_point),
            selectinload(Order.buy),
            selectinload(Membership.building),
            selectinload(Membership.unit),
        )
    )
    if point_id:
        query = query.where(Order.pickup_point_id == point_id)
    rows = db.session.execute(query).all()

    def sort_key(row):
        order, membership = row
        building = membership.building if membership and membership.building else None
        unit = membership.unit if membership and membership.unit else None
        return (
            order.pickup_point.name,
            order.buy.title,
            order.buy_id,
            building.sort_key if building else 1 << 30,
            building.name if building else "",
            unit.sort_key if unit else 1 << 30,
            unit.name if unit else "",
            order.reference,
        )

    rows.sort(key=sort_key)
    groups: dict = {}
    for order, membership in rows:
        groups.setdefault(order.pickup_point, []).append((order, membership))
    return groups


@bp.get("/groupbuy/workbench/picklist")
@role_required(Role.LEADER)
def picklist():
    """Printable pick lists per pickup point (product → building → unit, phones masked)."""
    community_id = current_membership().community_id
    buy_id = request.args.get("buy", type=int)
    point_id = request.args.get("point", type=int)
    query = sa.select(GroupBuy.id).where(
        GroupBuy.community_id == community_id,
        GroupBuy.leader_id == current_user.id,
        GroupBuy.status.in_([BuyStatus.SUCCEEDED, BuyStatus.ARRIVED]),
    )
    if buy_id:
        query = query.where(GroupBuy.id == buy_id)
    buy_ids = list(db.session.scalars(query))
    if buy_id and not buy_ids:
        abort(404)
    groups = _pick_rows(buy_ids, point_id)
    return render(
        "groupbuy/picklist.html",
        groups=groups,
        points=points_of(community_id),
        point_id=point_id,
        buy_id=buy_id,
        printed_at=utcnow(),
    )


@bp.get("/groupbuy/<int:buy_id>/orders.csv")
@community_required
def orders_csv(buy_id: int):
    """The buy's orders as CSV (for the supplier and the books); phones masked."""
    buy = _own_buy(buy_id, admin_too=True)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Reference"),
            _("Product"),
            _("Quantity"),
            _("Unit"),
            _("Unit price"),
            _("Total"),
            _("Status"),
            _("Paid"),
            _("Pickup point"),
            _("Building"),
            _("Unit / entrance"),
            pgettext("person", "Name"),
            _("Mobile"),
            pgettext("group buy", "Note"),
            _("Collected at"),
        ]
    )
    for order, membership in _orders_with_members(buy):
        writer.writerow(
            [
                order.reference,
                buy.title,
                order.quantity,
                buy.unit,
                f"{order.unit_price_cents / 100:.2f}",
                f"{order.total_cents / 100:.2f}",
                str(ORDER_STATUS_LABELS[OrderStatus(order.status)]),
                _("yes") if order.paid_at else _("no"),
                order.pickup_point.name,
                membership.building.name if membership and membership.building else "",
                membership.unit.name if membership and membership.unit else "",
                _csv_safe(order.user.display_name),
                f"{order.user.phone[:3]}****{order.user.phone[-4:]}",
                _csv_safe(order.note),
                order.collected_at.isoformat() if order.collected_at else "",
            ]
        )
    filename = f"groupbuy-{buy.id}-orders.csv"
    return (
        buffer.getvalue(),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _csv_safe(text: str) -> str:
    """Residents' text must not become a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
