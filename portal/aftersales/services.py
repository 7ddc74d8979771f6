"""After-sales rules: reporting a problem within its window, the two state machines, the ledger.

Every transition is one conditional UPDATE of the case (state as read → the next state), so a
double click, two tabs or two sweepers move a case once; each writes a CaseEvent row. Money is
LedgerEntry rows in fen, never changed: a correction is a new row naming the one it corrects.
The quantity of an order's cases never exceeds what was collected: `aftersales_order_claims`
grows only by `UPDATE … SET reported = reported + q WHERE reported + q <= collected`.

Services flush, never commit; notifications are queued (pushed live after the commit).
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.aftersales.models import (
    ACCOUNT_OF,
    Axis,
    Case,
    CaseEvent,
    LedgerEntry,
    LedgerKind,
    OfferKind,
    OrderClaim,
    Reason,
    ReportWindow,
    Resolution,
)
from portal.community.models import Membership, MembershipStatus, Role, roles_holding
from portal.core.db import begin_write, db, utcnow
from portal.core.errors import DomainError
from portal.core.uploads import save_image
from portal.groupbuy.models import Category, GroupBuy, Order, OrderStatus
from portal.notifications.services import notify
from portal.points.services import award
from portal.trace.models import Batch, Product

DEFAULTS = {
    "AFTERSALES_WINDOW_HOURS": 72,  # after pickup, for categories without their own window
    "AFTERSALES_FRESH_WINDOW_HOURS": 24,  # 生鲜
    "AFTERSALES_ESCALATE_HOURS": 24,  # no offer this long after the report: to the admins
    "AFTERSALES_QUANTITY_GUARD": True,  # False only for the race test's control
}
MAX_PHOTOS = 6
SWEEP_BATCH = 200


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


# --- report windows -----------------------------------------------------------------------


def default_hours(category: str) -> int:
    if category == Category.FRESH:
        return int(setting("AFTERSALES_FRESH_WINDOW_HOURS"))
    return int(setting("AFTERSALES_WINDOW_HOURS"))


def windows_of(community_id: int) -> dict[str, int]:
    """{category: hours} for every category, the community's own where it set one."""
    own = dict(
        db.session.execute(
            sa.select(ReportWindow.category, ReportWindow.hours).where(
                ReportWindow.community_id == community_id
            )
        ).all()
    )
    return {c.value: own.get(c.value, default_hours(c)) for c in Category}


def set_windows(community_id: int, hours: dict[str, int]) -> None:
    """Admins set the window of each category (1 h … 30 days)."""
    for category, value in hours.items():
        if category not in set(Category):
            raise DomainError(_l("Unknown category."))
        if not 1 <= value <= 720:
            raise DomainError(_l("Between 1 and 720 hours."), f"hours_{category}")
        row = db.session.get(ReportWindow, (community_id, category))
        if row is None:
            db.session.add(ReportWindow(community_id=community_id, category=category, hours=value))
        else:
            row.hours = value
    db.session.flush()


def window_ends(order: Order) -> datetime | None:
    """Until when a problem with this collected order may be reported (None: not collected)."""
    if order.status != OrderStatus.COLLECTED or order.collected_at is None:
        return None
    row = db.session.get(ReportWindow, (order.community_id, order.buy.category))
    hours = row.hours if row is not None else default_hours(order.buy.category)
    return order.collected_at + timedelta(hours=hours)


def reported_quantity(order_id: int) -> int:
    return (
        db.session.scalar(sa.select(OrderClaim.reported_quantity).where(OrderClaim.order_id == order_id)) or 0
    )


def may_report(order: Order, now: datetime | None = None) -> bool:
    ends = window_ends(order)
    return ends is not None and (now or utcnow()) <= ends and reported_quantity(order.id) < order.quantity


# --- reporting ----------------------------------------------------------------------------


def _ensure_claim_row(order_id: int) -> None:
    """The order's claim row (0), created once however many reports arrive together."""
    if db.session.get(OrderClaim, order_id) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(OrderClaim(order_id=order_id, reported_quantity=0))
    except IntegrityError:
        pass  # a concurrent first report created it


def _claim_quantity(order: Order, quantity: int) -> bool:
    """Add `quantity` to the order's reported quantity unless it would pass the collected one."""
    _ensure_claim_row(order.id)
    if not setting("AFTERSALES_QUANTITY_GUARD"):
        return _claim_unguarded(order, quantity)
    moved = db.session.execute(
        sa.update(OrderClaim)
        .where(
            OrderClaim.order_id == order.id,
            OrderClaim.reported_quantity + quantity <= order.quantity,
        )
        .values(reported_quantity=OrderClaim.reported_quantity + quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(moved)


def _claim_unguarded(order: Order, quantity: int) -> bool:
    """CONTROL ONLY (AFTERSALES_QUANTITY_GUARD=False): check, then write — what the race test
    must catch. Reads in its own transaction, outside the write lock, writes the sum back later."""
    db.session.commit()  # the claim row, then a fresh read-only snapshot
    reported = reported_quantity(order.id)
    db.session.rollback()
    begin_write()
    if reported + quantity > order.quantity:
        return False
    db.session.execute(
        sa.update(OrderClaim)
        .where(OrderClaim.order_id == order.id)
        .values(reported_quantity=reported + quantity)
        .execution_options(synchronize_session=False)
    )
    return True


def _supplier_of(buy: GroupBuy) -> int | None:
    if buy.batch_id is None:
        return None
    return db.session.scalar(
        sa.select(Product.supplier_id)
        .join(Batch, Batch.product_id == Product.id)
        .where(Batch.id == buy.batch_id)
    )


class ReportRefused(DomainError):
    """A report refused for one or more reasons; `errors` holds every (field, message)."""

    def __init__(self, errors: list):
        field, message = errors[0]
        super().__init__(message, field)
        self.errors = errors


def report(
    order: Order,
    reporter,
    *,
    reason: str,
    quantity: int | None,
    note: str = "",
    photos: list | None = None,
    at_pickup: bool = False,
    now: datetime | None = None,
) -> Case:
    """A problem with a collected order, reported by its resident (or by the leader at the
    handover, 现场验货). `photos` are uploads (FileStorage) or stored paths. Every refusal is
    said at once (ReportRefused.errors)."""
    now = now or utcnow()
    photos = list(photos or [])
    buy = order.buy
    errors = report_problems(order, reason, quantity, photos, now)
    if errors:
        raise ReportRefused(errors)
    if not _claim_quantity(order, quantity):  # the guard: another report took the rest meanwhile
        raise ReportRefused([("quantity", _quantity_left(order))])
    stored = []
    for upload in photos:
        try:
            stored.append(upload if isinstance(upload, str) else save_image(upload, "aftersales"))
        except DomainError as error:
            raise ReportRefused([("photos", error.message)]) from error
    case = Case(
        community_id=order.community_id,
        order_id=order.id,
        buy_id=buy.id,
        user_id=order.user_id,
        leader_id=buy.leader_id,
        supplier_id=_supplier_of(buy),
        reported_by_id=reporter.id,
        at_pickup=at_pickup or reporter.id != order.user_id,
        reason=reason,
        quantity=quantity,
        note=(note or "").strip()[:500],
        photos=stored,
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    _event(case, Axis.RESOLUTION, reporter.id, "", Resolution.REPORTED, note=case.note, at=now)
    if reporter.id != buy.leader_id:
        notify(
            buy.leader_id,
            "aftersales_reported",
            community_id=case.community_id,
            link=case_link(case),
            ref=case.reference,
            buy=buy.title,
            quantity=quantity,
        )
    if reporter.id != order.user_id:
        _tell_resident(case, "aftersales_reported_for_you", buy=buy.title)
    return case


def report_problems(order: Order, reason: str, quantity: int | None, photos: list, now: datetime) -> list:
    """Every (field, message) a report of `order` breaks: the report form shows them all at
    once, report() refuses them (the guard). Messages name their field."""
    buy = order.buy
    ends = window_ends(order)
    errors = []
    if ends is None:
        errors.append((None, _l("Only a collected order can have an after-sales case.")))
    elif now > ends:
        errors.append((None, _l("The time to report a problem with this order has passed.")))
    if reason not in set(Reason):
        errors.append(("reason", _l("What is wrong: choose one.")))
    if quantity is None or quantity < 1:
        errors.append(("quantity", _l("How many: at least 1.")))
    elif quantity > order.quantity - reported_quantity(order.id):
        errors.append(("quantity", _quantity_left(order)))
    if buy.category == Category.FRESH and not photos:
        errors.append(("photos", _l("Photos: add at least one for fresh food.")))
    if len(photos) > MAX_PHOTOS:
        errors.append(("photos", _l("Photos: at most %(n)s.", n=MAX_PHOTOS)))
    return errors


def _quantity_left(order: Order):
    left = max(order.quantity - reported_quantity(order.id), 0)
    return _l(
        "How many: at most %(n)s %(unit)s of this order can still be reported.", n=left, unit=order.buy.unit
    )


def case_link(case: Case) -> str:
    """The case page's path (the sweeper runs outside any request: no url_for there)."""
    return f"/aftersales/cases/{case.id}"


# --- transitions --------------------------------------------------------------------------


def _event(case, axis, actor_id, from_state, to_state, amount=0, note="", at=None) -> CaseEvent:
    row = CaseEvent(
        case_id=case.id,
        axis=axis,
        actor_id=actor_id,
        from_state=from_state,
        to_state=to_state,
        amount_cents=amount,
        note=note[:300],
        at=at or utcnow(),
    )
    db.session.add(row)
    return row


def _move(case: Case, axis: Axis, allowed: tuple, to: str, actor_id, *, amount=0, note="", **values) -> str:
    """The case from its current state (one of `allowed`) to `to`, once; its event row. Returns
    the state it left. DomainError when the case is elsewhere (moved meanwhile)."""
    column = Case.settlement if axis == Axis.SETTLEMENT else Case.resolution
    current = db.session.scalar(sa.select(column).where(Case.id == case.id))
    if current not in allowed:
        raise DomainError(_l("This case has moved on meanwhile; reload the page."))
    moved = db.session.execute(
        sa.update(Case)
        .where(Case.id == case.id, column == current)
        .values({column.key: to, **values})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise DomainError(_l("This case has moved on meanwhile; reload the page."))
    db.session.refresh(case)
    _event(case, axis, actor_id, current, to, amount, note)
    db.session.flush()
    return current


def _ledger(
    case: Case, kind: LedgerKind, amount: int, actor_id, note: str = "", corrects=None
) -> LedgerEntry:
    entry = LedgerEntry(
        case_id=case.id,
        community_id=case.community_id,
        supplier_id=case.supplier_id,
        kind=kind,
        account=corrects.account if corrects is not None else ACCOUNT_OF[kind],
        amount_cents=amount,
        note=note[:300],
        actor_id=actor_id,
        corrects_id=corrects.id if corrects is not None else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def is_admin_of(user_id: int, community_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user_id,
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.in_(roles_holding(Role.ADMIN)),
            )
        )
    )


def may_handle(case: Case, user_id: int) -> bool:
    """The leader compensates first; the community's admins step in (escalated cases above all)."""
    return case.leader_id == user_id or is_admin_of(user_id, case.community_id)


def _tell_resident(case: Case, kind: str, **params) -> None:
    notify(
        case.user_id, kind, community_id=case.community_id, link=case_link(case), ref=case.reference, **params
    )


def _tell_leader(case: Case, kind: str, **params) -> None:
    notify(
        case.leader_id,
        kind,
        community_id=case.community_id,
        link=case_link(case),
        ref=case.reference,
        **params,
    )


def make_offer(case: Case, actor, kind: str, *, cents: int = 0, points: int = 0, note: str = "") -> Case:
    """The leader (or an admin) offers a refund, a replacement or points."""
    if not may_handle(case, actor.id):
        raise DomainError(_l("Only the group leader or an admin can make an offer."))
    if kind not in set(OfferKind):
        raise DomainError(_l("Choose what you offer."), "kind")
    limit = case.quantity * case.order.unit_price_cents
    if kind == OfferKind.REFUND and not 1 <= cents <= limit:
        raise DomainError(_l("A refund between ¥0.01 and ¥%(max)s.", max=f"{limit / 100:.2f}"), "amount")
    if kind == OfferKind.POINTS and not 1 <= points <= 100_000:
        raise DomainError(_l("Offer at least 1 point."), "points")
    cents = cents if kind == OfferKind.REFUND else 0
    points = points if kind == OfferKind.POINTS else 0
    _move(
        case,
        Axis.RESOLUTION,
        (Resolution.REPORTED, Resolution.REJECTED, Resolution.ESCALATED),
        Resolution.OFFERED,
        actor.id,
        amount=cents,
        note=note,
        offer_kind=kind,
        offer_cents=cents,
        offer_points=points,
        offer_note=note.strip()[:300],
        offered_at=utcnow(),
    )
    _tell_resident(case, "aftersales_offered", buy=case.buy.title)
    return case


def accept(case: Case, actor) -> Case:
    """The resident takes the offer: a refund becomes owed (and the leader's commission on it
    goes back), points are awarded, a replacement is the leader's to hand over."""
    _own(case, actor)
    _move(
        case,
        Axis.RESOLUTION,
        (Resolution.OFFERED,),
        Resolution.ACCEPTED,
        actor.id,
        amount=case.offer_cents,
        resolved_at=utcnow(),
    )
    if case.offer_kind == OfferKind.REFUND:
        _ledger(case, LedgerKind.REFUND_OWED, case.offer_cents, actor.id)
        commission = case.offer_cents * case.buy.commission_bp // 10_000
        if commission:
            _ledger(case, LedgerKind.COMMISSION_ADJUSTMENT, -commission, actor.id)
    elif case.offer_kind == OfferKind.POINTS:
        award(
            case.user_id,
            case.community_id,
            case.offer_points,
            "aftersales_compensation",
            ("aftersales_case", case.id),
            once_key=f"aftersales:{case.id}",
        )
    _tell_leader(case, "aftersales_accepted", buy=case.buy.title)
    return case


def reject(case: Case, actor, reason: str) -> Case:
    _own(case, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why you reject the offer."), "reason")
    _move(
        case,
        Axis.RESOLUTION,
        (Resolution.OFFERED,),
        Resolution.REJECTED,
        actor.id,
        note=reason,
        reject_reason=reason[:300],
    )
    _tell_leader(case, "aftersales_rejected", buy=case.buy.title)
    return case


def escalate(case: Case, actor) -> Case:
    """The resident hands a rejected case to the community's admins, once."""
    _own(case, actor)
    if case.resident_escalated:
        raise DomainError(_l("You have escalated this case once already."))
    _move(
        case,
        Axis.RESOLUTION,
        (Resolution.REJECTED,),
        Resolution.ESCALATED,
        actor.id,
        note="resident",
        resident_escalated=True,
        escalated_at=utcnow(),
    )
    _tell_admins(case)
    _tell_leader(case, "aftersales_escalated", buy=case.buy.title)
    return case


def _own(case: Case, actor) -> None:
    if case.user_id != actor.id:
        raise DomainError(_l("Only the resident who reported it can answer the offer."))


def _admin_ids(community_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Membership.user_id).where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.in_(roles_holding(Role.ADMIN)),
            )
        )
    )


def _tell_admins(case: Case) -> None:
    for admin_id in _admin_ids(case.community_id):
        notify(
            admin_id,
            "aftersales_escalated_admin",
            community_id=case.community_id,
            link=case_link(case),
            ref=case.reference,
            buy=case.buy.title,
        )


def escalate_overdue(now: datetime | None = None) -> dict:
    """The sweeper: cases with no offer AFTERSALES_ESCALATE_HOURS after the report go to the
    admins (each once, however many sweepers run: the UPDATE names the state it leaves)."""
    now = now or utcnow()
    due = now - timedelta(hours=float(setting("AFTERSALES_ESCALATE_HOURS")))
    begin_write()
    ids = list(
        db.session.scalars(
            sa.select(Case.id)
            .where(Case.resolution == Resolution.REPORTED, Case.created_at <= due)
            .order_by(Case.id)
            .limit(SWEEP_BATCH)
        )
    )
    escalated = 0
    for case_id in ids:
        moved = db.session.execute(
            sa.update(Case)
            .where(Case.id == case_id, Case.resolution == Resolution.REPORTED)
            .values(resolution=Resolution.ESCALATED, escalated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:
            continue
        case = db.session.get(Case, case_id)
        db.session.refresh(case)
        _event(
            case,
            Axis.RESOLUTION,
            None,
            Resolution.REPORTED,
            Resolution.ESCALATED,
            note="no offer in time",
            at=now,
        )
        _tell_admins(case)
        _tell_leader(case, "aftersales_escalated", buy=case.buy.title)
        _tell_resident(case, "aftersales_escalated_resident", buy=case.buy.title)
        escalated += 1
    db.session.commit()
    return {"escalated": escalated}
