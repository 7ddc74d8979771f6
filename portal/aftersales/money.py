"""After-sales money: what the leader paid back, what the supplier owes and settles, and the
ledger's corrections. LedgerEntry rows in fen are never changed: a correction is a new row
naming the one it corrects. The supplier axis moves none → claimed → settled | written off."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.aftersales.models import Account, Axis, Case, LedgerEntry, LedgerKind, Settlement
from portal.aftersales.services import _event, _ledger, _move, _tell_resident, may_handle
from portal.core.db import db, utcnow
from portal.core.errors import DomainError


def balance(case_id: int, account: Account) -> int:
    """What stands on one account of a case (fen): corrections count on their row's account."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.case_id == case_id, LedgerEntry.account == account
        )
    )


def mark_refund_paid(case: Case, actor, method: str) -> Case:
    """Paid outside the portal (cash, WeChat, Alipay…): the leader says so and how."""
    if not may_handle(case, actor.id):
        raise DomainError(_l("Only the group leader or an admin can mark a refund paid."))
    method = (method or "").strip()
    if not method:
        raise DomainError(_l("Say how it was paid."), "method")
    owed = balance(case.id, Account.RESIDENT)
    if owed <= 0:
        raise DomainError(_l("Nothing is owed to the resident on this case."))
    done = db.session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.refund_paid_at.is_(None))
        .values(refund_paid_at=utcnow(), refund_method=method[:40])
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise DomainError(_l("This refund is marked paid already."))
    db.session.refresh(case)
    _ledger(case, LedgerKind.REFUND_PAID, -owed, actor.id, method)
    _event(case, Axis.PAYMENT, actor.id, "", "paid", -owed, method)
    _tell_resident(case, "aftersales_refund_paid", amount=f"{owed / 100:.2f}", method=method)
    return case


def claim_supplier(case: Case, actor, cents: int, note: str = "") -> Case:
    """The leader claims from the supplier what it owes for this case."""
    _leader_only(case, actor)
    if cents < 1:
        raise DomainError(_l("Claim at least ¥0.01."), "amount")
    _move(
        case,
        Axis.SETTLEMENT,
        (Settlement.NONE,),
        Settlement.CLAIMED,
        actor.id,
        amount=cents,
        note=note,
        claim_cents=cents,
    )
    _ledger(case, LedgerKind.SUPPLIER_RECEIVABLE, cents, actor.id, note)
    return case


def settle_supplier(case: Case, actor, note: str = "") -> Case:
    """The supplier paid what it owed: the receivable is closed."""
    return _close_claim(case, actor, Settlement.SETTLED, LedgerKind.SUPPLIER_SETTLED, note)


def write_off(case: Case, actor, note: str = "") -> Case:
    """The leader gives up on the supplier's share: the receivable is written off."""
    return _close_claim(case, actor, Settlement.WRITTEN_OFF, LedgerKind.WRITTEN_OFF, note)


def _close_claim(case: Case, actor, to: Settlement, kind: LedgerKind, note: str) -> Case:
    _leader_only(case, actor)
    outstanding = balance(case.id, Account.SUPPLIER)
    _move(
        case,
        Axis.SETTLEMENT,
        (Settlement.CLAIMED,),
        to,
        actor.id,
        amount=-outstanding,
        note=note,
    )
    if outstanding:
        _ledger(case, kind, -outstanding, actor.id, note)
    return case


def _leader_only(case: Case, actor) -> None:
    if case.leader_id != actor.id:
        raise DomainError(_l("Only the group leader settles with the supplier."))


def correct(entry: LedgerEntry, actor, cents: int, note: str) -> LedgerEntry:
    """A correction: a new row on the corrected row's account; the old row stays as it was."""
    case = db.session.get(Case, entry.case_id)
    if not may_handle(case, actor.id):
        raise DomainError(_l("Only the group leader or an admin can correct the ledger."))
    if entry.kind == LedgerKind.CORRECTION:
        raise DomainError(_l("Correct the original row, not a correction."))
    if cents == 0:
        raise DomainError(_l("A correction changes the amount."), "amount")
    if not (note or "").strip():
        raise DomainError(_l("Say why."), "note")
    row = _ledger(case, LedgerKind.CORRECTION, cents, actor.id, note.strip(), corrects=entry)
    _event(case, Axis.PAYMENT, actor.id, "", "corrected", cents, note.strip())
    return row
