"""After-sales pages: report a problem, the case (timeline, offer, answer, payment, supplier,
ledger), my cases, the leader's queue, rates and CSV, the admins' escalated list and windows."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.aftersales import bp, money
from portal.aftersales import reading as rd
from portal.aftersales import services as sv
from portal.aftersales.forms import (
    ClaimForm,
    CorrectionForm,
    NoteForm,
    OfferForm,
    PaidForm,
    RejectForm,
    ReportForm,
    cents,
    window_form,
)
from portal.aftersales.models import (
    LEDGER_LABELS,
    OFFER_LABELS,
    REASON_LABELS,
    RESOLUTION_LABELS,
    SETTLEMENT_LABELS,
    Case,
    LedgerEntry,
)
from portal.community.access import community_required, current_membership, get_in_community, role_required
from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.export import csv_download
from portal.core.forms import attach_error, commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.groupbuy.models import CATEGORY_LABELS, Order


@bp.app_context_processor
def aftersales_globals() -> dict:
    return {
        "reason_labels": REASON_LABELS,
        "resolution_labels": RESOLUTION_LABELS,
        "settlement_labels": SETTLEMENT_LABELS,
        "offer_labels": OFFER_LABELS,
        "ledger_labels": LEDGER_LABELS,
    }


@bp.app_template_filter("case_age")
def case_age(since, now) -> str:
    """How long a case has been open: 5 h, 3 d."""
    hours = max(int((now - since).total_seconds() // 3600), 0)
    if hours < 48:
        return _("%(n)s h", n=hours)
    return _("%(n)s d", n=hours // 24)


def _is_admin() -> bool:
    return current_membership().has(Role.ADMIN)


def _viewable_case(case_id: int) -> Case:
    """The case, for its resident, its leader and the community's admins; 404 for everyone else."""
    case = get_in_community(Case, case_id)
    if current_user.id in (case.user_id, case.leader_id) or _is_admin():
        return case
    abort(404)


def _reportable_order(order_id: int) -> Order:
    """My order, or one of a buy I lead (reported at the handover); 404 for everyone else."""
    order = get_in_community(Order, order_id)
    if current_user.id in (order.user_id, order.buy.leader_id):
        return order
    abort(404)


# --- reporting ----------------------------------------------------------------------------


def _report_page(order, form, status=200):
    return render(
        "aftersales/report.html",
        "report_form",
        status=status,
        order=order,
        form=form,
        at_pickup=request.values.get("at") == "pickup",
        window_ends=sv.window_ends(order),
        left=max(order.quantity - sv.reported_quantity(order.id), 0),
        fresh=order.buy.category == "fresh",
    )


@bp.route("/aftersales/orders/<int:order_id>/report", methods=["GET", "POST"])
@community_required
def report(order_id: int):
    """Report a problem with a collected order (reason, quantity, photos, a note)."""
    order = _reportable_order(order_id)
    if request.method == "GET":
        return _report_page(order, ReportForm(formdata=None))
    form = ReportForm()
    form.order = order

    def refused(error):
        for field, message in getattr(error, "errors", [])[1:]:
            attach_error(form, sv.DomainError(message, field))
        return _report_page(order, form, 422)

    photos = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    case = commit_or_422(
        lambda: sv.report(
            order,
            current_user,
            reason=form.reason.data,
            quantity=form.quantity.data,
            note=form.note.data or "",
            photos=photos,
            at_pickup=request.values.get("at") == "pickup",
        ),
        refused,
        form,
    )
    return redirect_to(url_for("aftersales.case", case_id=case.id))


# --- the case -----------------------------------------------------------------------------


def _case_page(case: Case, status=200, **forms):
    duty = Duty.LEADER if case.leader_id == current_user.id else Duty.ADMIN
    people = staff_views(duty, current_membership(), [case.user_id])
    is_resident = case.user_id == current_user.id
    handles = sv.may_handle(case, current_user.id)
    context = {
        "case": case,
        "resident_name": _("You") if is_resident else people[case.user_id].name,
        "is_resident": is_resident,
        "handles": handles,
        "is_leader": case.leader_id == current_user.id,
        "ledger": rd.ledger_of(case.id),
        "balances": rd.balances_of(case.id),
        "offer_form": forms.get("offer_form") or OfferForm(formdata=None),
        "reject_form": forms.get("reject_form") or RejectForm(formdata=None),
        "paid_form": forms.get("paid_form") or PaidForm(formdata=None),
        "claim_form": forms.get("claim_form") or ClaimForm(formdata=None),
        "note_form": forms.get("note_form") or NoteForm(formdata=None),
        "correction_form": forms.get("correction_form") or CorrectionForm(formdata=None),
        "correcting": forms.get("correcting"),
        "refusal": forms.get("refusal"),
        "actors": _actor_names(case),
    }
    return render("aftersales/case.html", "case_panel", status=status, **context)


def _actor_names(case: Case) -> dict:
    """Who did each step, as a role: the resident, the group leader, an admin, the system."""
    names = {case.user_id: _("Resident"), case.leader_id: _("Group leader")}
    return {e.actor_id: names.get(e.actor_id, _("Admin")) for e in case.events if e.actor_id} | {
        None: _("System")
    }


@bp.get("/aftersales/cases/<int:case_id>")
@community_required
def case(case_id: int):
    """A case: the timeline of its events, and what the viewer may do next."""
    return _case_page(_viewable_case(case_id))


def _act(case: Case, form, run, form_name: str):
    def refused(error):
        shown = error.message if error is not None and not error.field else None
        if shown:
            form.form_errors[:] = []  # said once, above the case
        return _case_page(case, 422, refusal=shown, **{form_name: form})

    commit_or_422(run, refused, form)
    db.session.refresh(case)
    return redirect_to(url_for("aftersales.case", case_id=case.id))


@bp.post("/aftersales/cases/<int:case_id>/offer")
@community_required
def offer(case_id: int):
    case = _viewable_case(case_id)
    form = OfferForm()
    return _act(
        case,
        form,
        lambda: sv.make_offer(
            case,
            current_user,
            form.kind.data,
            cents=cents(form.amount.data),
            points=form.points.data or 0,
            note=form.note.data or "",
        ),
        "offer_form",
    )


@bp.post("/aftersales/cases/<int:case_id>/accept")
@community_required
def accept(case_id: int):
    case = _viewable_case(case_id)
    form = NoteForm()
    return _act(case, form, lambda: sv.accept(case, current_user), "note_form")


@bp.post("/aftersales/cases/<int:case_id>/reject")
@community_required
def reject(case_id: int):
    case = _viewable_case(case_id)
    form = RejectForm()
    return _act(case, form, lambda: sv.reject(case, current_user, form.reason.data), "reject_form")


@bp.post("/aftersales/cases/<int:case_id>/escalate")
@community_required
def escalate(case_id: int):
    case = _viewable_case(case_id)
    form = NoteForm()
    return _act(case, form, lambda: sv.escalate(case, current_user), "note_form")


@bp.post("/aftersales/cases/<int:case_id>/paid")
@community_required
def paid(case_id: int):
    case = _viewable_case(case_id)
    form = PaidForm()
    return _act(case, form, lambda: money.mark_refund_paid(case, current_user, form.method.data), "paid_form")


@bp.post("/aftersales/cases/<int:case_id>/claim")
@community_required
def claim(case_id: int):
    case = _viewable_case(case_id)
    form = ClaimForm()
    return _act(
        case,
        form,
        lambda: money.claim_supplier(
            case, current_user, cents(form.claim_amount.data), form.claim_note.data or ""
        ),
        "claim_form",
    )


@bp.post("/aftersales/cases/<int:case_id>/settle")
@community_required
def settle(case_id: int):
    case = _viewable_case(case_id)
    form = NoteForm()
    return _act(
        case, form, lambda: money.settle_supplier(case, current_user, form.step_note.data or ""), "note_form"
    )


@bp.post("/aftersales/cases/<int:case_id>/write-off")
@community_required
def write_off(case_id: int):
    case = _viewable_case(case_id)
    form = NoteForm()
    return _act(
        case, form, lambda: money.write_off(case, current_user, form.step_note.data or ""), "note_form"
    )


@bp.post("/aftersales/ledger/<int:entry_id>/correct")
@community_required
def correct(entry_id: int):
    """A correction row for a ledger row (the row itself never changes)."""
    entry = get_in_community(LedgerEntry, entry_id)
    case = _viewable_case(entry.case_id)
    form = CorrectionForm()
    commit_or_422(
        lambda: money.correct(entry, current_user, cents(form.fix_amount.data), form.fix_note.data or ""),
        lambda _error: _case_page(case, 422, correction_form=form, correcting=entry.id),
        form,
    )
    return redirect_to(url_for("aftersales.case", case_id=case.id))


# --- lists --------------------------------------------------------------------------------


@bp.get("/aftersales")
@community_required
def mine():
    """My after-sales cases, newest first."""
    membership = current_membership()
    page = rd.cases_of_resident(current_user.id, membership.community_id, requested_page())
    return render("aftersales/mine.html", "cases", cases=page, now=utcnow())


@bp.get("/aftersales/queue")
@role_required(Role.LEADER)
def queue():
    """The leader's after-sales queue: open cases first, with their age."""
    membership = current_membership()
    page = rd.queue_of_leader(current_user.id, membership.community_id, requested_page())
    return render(
        "aftersales/queue.html",
        "cases",
        cases=page,
        now=utcnow(),
        open_count=rd.open_count(current_user.id, membership.community_id),
    )


@bp.get("/aftersales/rates")
@role_required(Role.LEADER)
def rates():
    """After-sales rate and average resolution time per buy and per supplier."""
    community_id = current_membership().community_id
    return render(
        "aftersales/rates.html",
        per_buy=rd.rates_per_buy(current_user.id, community_id),
        per_supplier=rd.rates_per_supplier(current_user.id, community_id),
    )


@bp.get("/aftersales/cases.csv")
@role_required(Role.LEADER)
def cases_csv():
    """The leader's cases as a spreadsheet (local times; the resident only as the policy shows them)."""
    membership = current_membership()
    cases = rd.csv_cases(current_user.id, membership.community_id)
    people = staff_views(Duty.LEADER, membership, {c.user_id for c in cases})
    header = [
        _("Case"),
        _("Reported"),
        _("Order"),
        _("Group buy"),
        _("Resident"),
        _("Reason"),
        _("Quantity"),
        _("Status"),
        _("Offer"),
        _("Refund"),
        _("Points"),
        _("Supplier"),
        _("Claimed"),
        _("Resolved"),
    ]
    rows = [
        [
            c.reference,
            c.created_at,
            c.order.reference,
            c.buy.title,
            people[c.user_id].name if c.user_id in people else "",
            str(REASON_LABELS.get(c.reason, c.reason)),
            c.quantity,
            str(RESOLUTION_LABELS.get(c.resolution, c.resolution)),
            str(OFFER_LABELS.get(c.offer_kind, "")) if c.offer_kind else "",
            f"{c.offer_cents / 100:.2f}",
            c.offer_points,
            str(SETTLEMENT_LABELS.get(c.settlement, c.settlement)),
            f"{c.claim_cents / 100:.2f}",
            c.resolved_at,
        ]
        for c in cases
    ]
    return csv_download("aftersales.csv", header, rows)


@bp.get("/aftersales/escalated")
@role_required(Role.ADMIN)
def escalated():
    """The community's escalated cases, oldest first: the admins settle them."""
    page = rd.escalated_of(current_membership().community_id, requested_page())
    return render("aftersales/escalated.html", "cases", cases=page, now=utcnow())


@bp.route("/aftersales/windows", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def windows():
    """How long after pickup problems may be reported, per category."""
    community_id = current_membership().community_id
    form_class = window_form(sv.windows_of(community_id))
    form = form_class() if request.method == "POST" else form_class(formdata=None)

    def page(status=200, saved=False):
        return render(
            "aftersales/windows.html",
            "windows_form",
            status=status,
            form=form,
            categories=CATEGORY_LABELS,
            saved=saved,
        )

    if request.method == "GET":
        return page()
    commit_or_422(
        lambda: sv.set_windows(
            community_id, {c.value: form[f"hours_{c.value}"].data for c in CATEGORY_LABELS}
        ),
        lambda _error: page(422),
        form,
    )
    return page(saved=True)
