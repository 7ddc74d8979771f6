"""The points ledger, the rules of what earns points, and campaigns that multiply them.
(The catalogue and badges are built on it: catalogue.py, badges.py.)

Every change is a PointsEntry row; PointsBalance holds the running sum and only moves by a
conditional UPDATE (`balance + amount >= 0`) in the same transaction as the row, so no
balance goes below zero whatever the concurrency, and a balance always equals the sum of
its rows. Services flush, never commit.

Other domains use: award, spend, refund, transfer, balance (all take user ids and a
community id; `ref` is a (type, id) pair naming what the points were for).
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.community.models import Membership
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.neighbors.privacy import public_label
from portal.notifications.services import notify
from portal.points.models import (
    Campaign,
    PointsBalance,
    PointsEntry,
)

# How many points each kind of deed earns; PORTAL_POINTS_RULES (a JSON object) overrides.
DEFAULT_RULES = {
    "invite": 50,  # the inviter, once the invitee completes a first order
    "help": 10,  # the helper of a completed help-day need (on top of any bounty)
    "event_attended": 10,
    "review": 5,
}

REASONS = {
    "invite": _l("A neighbour you invited completed a first order"),
    "help": _l("Helped a neighbour (help day)"),
    "help_bounty": _l("Help-day bounty"),
    "help_bounty_hold": _l("Bounty held for your help need"),
    "help_bounty_refund": _l("Bounty returned"),
    "skill_exchange": _l("Skill exchange"),
    "skill_exchange_hold": _l("Points held for a skill exchange"),
    "skill_exchange_refund": _l("Skill exchange points returned"),
    "event_attended": _l("Took part in an event"),
    "review": _l("Wrote a review"),
    "redeem": _l("Redeemed in the catalogue"),
    "gift_sent": _l("Thanked a neighbour"),
    "gift_received": _l("Thanks from a neighbour"),
    "admin_grant": _l("Given by the community"),
    "welcome": _l("Welcome points"),
}

# what a campaign can multiply (the reason of the award it applies to)
CAMPAIGN_REASONS = {
    "invite": _l("Invitations"),
    "help": _l("Help days"),
    "skill_exchange": _l("Skill exchange"),
    "event_attended": _l("Event attendance"),
    "review": _l("Reviews"),
}



def register_reasons(reasons: dict) -> None:
    """Let another domain name its reasons (reason → lazy text) for the history page."""
    REASONS.update(reasons)


def reason_label(reason: str) -> str:
    return str(REASONS.get(reason, reason))


def rule(name: str) -> int:
    """Points a deed earns, from PORTAL_POINTS_RULES or the defaults."""
    return int({**DEFAULT_RULES, **(current_app.config.get("POINTS_RULES") or {})}.get(name, 0))


# --- the ledger ---------------------------------------------------------------------------


def _ref(ref) -> tuple[str | None, int | None]:
    if ref is None:
        return None, None
    ref_type, ref_id = ref
    return str(ref_type), (int(ref_id) if ref_id is not None else None)


def _check_amount(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"points amounts are positive integers, not {amount!r}")
    return amount


def _ensure_balance_row(user_id: int, community_id: int) -> None:
    """Create the balance row (0) if missing, without racing another transaction doing the same."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(PointsBalance)
        .values(user_id=user_id, community_id=community_id, balance=0)
        .on_conflict_do_nothing()
    )


def _move(user_id: int, community_id: int, delta: int) -> bool:
    """Add `delta` to the balance unless it would go below zero; True when it moved."""
    _ensure_balance_row(user_id, community_id)
    if _unguarded():
        return _move_read_then_write(user_id, community_id, delta)
    result = db.session.execute(
        sa.update(PointsBalance)
        .where(
            PointsBalance.user_id == user_id,
            PointsBalance.community_id == community_id,
            PointsBalance.balance + delta >= 0,
        )
        .values(balance=PointsBalance.balance + delta)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _unguarded() -> bool:
    """POINTS_GUARD_OFF_FOR_TESTS: the race test's control only (never set it in production)."""
    return bool(current_app.config.get("POINTS_GUARD_OFF_FOR_TESTS"))


def _move_read_then_write(user_id: int, community_id: int, delta: int) -> bool:
    """The naive way (read, check, write back): loses updates under concurrency. The control
    in tests/points/test_concurrency.py shows the race test catches it."""
    current = balance(user_id, community_id)
    if current + delta < 0:
        return False
    db.session.execute(
        sa.update(PointsBalance)
        .where(PointsBalance.user_id == user_id, PointsBalance.community_id == community_id)
        .values(balance=current + delta)
        .execution_options(synchronize_session=False)
    )
    return True


def _row(user_id, community_id, amount, reason, ref, note="", once_key=None) -> PointsEntry:
    ref_type, ref_id = _ref(ref)
    entry = PointsEntry(
        user_id=user_id,
        community_id=community_id,
        amount=amount,
        reason=reason,
        ref_type=ref_type,
        ref_id=ref_id,
        note=note[:200],
        once_key=once_key,
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def too_few_points(needed: int, have: int):
    return DomainError(
        _l("Not enough points: this needs %(needed)s, you have %(have)s.", needed=needed, have=have)
    )


def award(
    user_id: int,
    community_id: int,
    amount: int,
    reason: str,
    ref=None,
    *,
    note: str = "",
    once_key: str | None = None,
    campaign: bool = False,
) -> PointsEntry | None:
    """Give points. With `once_key`, a second award with the same key does nothing (returns None).
    With `campaign=True` a running campaign for `reason` multiplies the amount."""
    _check_amount(amount)
    if campaign:
        pct, campaign_row = multiplier_for(community_id, reason)
        if campaign_row is not None:
            amount = max(1, round(amount * pct / 100))
            note = note or f"{campaign_row.name} ×{pct / 100:g}"
    if once_key is None:
        _move(user_id, community_id, amount)
        entry = _row(user_id, community_id, amount, reason, ref, note)
        db.session.flush()
    else:
        if db.session.scalar(sa.select(PointsEntry.id).where(PointsEntry.once_key == once_key)):
            return None
        try:
            with db.session.begin_nested():
                _move(user_id, community_id, amount)
                entry = _row(user_id, community_id, amount, reason, ref, note, once_key)
                db.session.flush()
        except IntegrityError:
            return None  # a concurrent transaction awarded it first
    return entry


def spend(
    user_id: int, community_id: int, amount: int, reason: str, ref=None, *, note: str = ""
) -> PointsEntry:
    """Take points; DomainError (nothing changed) when the balance is too low."""
    _check_amount(amount)
    if not _move(user_id, community_id, -amount):
        raise too_few_points(amount, balance(user_id, community_id))
    entry = _row(user_id, community_id, -amount, reason, ref, note)
    db.session.flush()
    return entry


def refund(user_id: int, community_id: int, amount: int, reason: str, ref, *, note: str = "") -> PointsEntry:
    """Give back points spent for `ref`; never more than what was spent on it (net)."""
    _check_amount(amount)
    ref_type, ref_id = _ref(ref)
    if ref_type is None:
        raise ValueError("a refund names what it refunds")
    _move(user_id, community_id, amount)  # locks the balance row (PostgreSQL) before the check
    net = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.amount), 0)).where(
            PointsEntry.user_id == user_id,
            PointsEntry.community_id == community_id,
            PointsEntry.ref_type == ref_type,
            PointsEntry.ref_id == ref_id,
        )
    )
    if net + amount > 0:
        raise DomainError(_l("Nothing left to refund for this."))
    entry = _row(user_id, community_id, amount, reason, ref, note)
    db.session.flush()
    return entry


def transfer(
    from_user_id: int,
    to_user_id: int,
    community_id: int,
    amount: int,
    reason: str,
    ref=None,
    *,
    note: str = "",
    received_reason: str | None = None,
) -> tuple[PointsEntry, PointsEntry]:
    """Move points between two people: a - row and a + row; DomainError when the giver lacks them."""
    _check_amount(amount)
    if from_user_id == to_user_id:
        raise DomainError(_l("You cannot give points to yourself."))
    # both rows exist and are locked in a fixed order (PostgreSQL), so A→B and B→A never deadlock
    for user_id in sorted((from_user_id, to_user_id)):
        _ensure_balance_row(user_id, community_id)
    if not _unguarded():
        db.session.execute(
            sa.select(PointsBalance.user_id)
            .where(
                PointsBalance.community_id == community_id,
                PointsBalance.user_id.in_((from_user_id, to_user_id)),
            )
            .order_by(PointsBalance.user_id)
            .with_for_update()
        ).all()
    if not _move(from_user_id, community_id, -amount):
        raise too_few_points(amount, balance(from_user_id, community_id))
    _move(to_user_id, community_id, amount)
    out_row = _row(from_user_id, community_id, -amount, reason, ref, note)
    in_row = _row(to_user_id, community_id, amount, received_reason or reason, ref, note)
    db.session.flush()
    return out_row, in_row


def thank(giver: Membership, neighbour: Membership, amount: int, note: str = "") -> None:
    """Thank a neighbour with some of my points; they are told who thanked them (named as
    they may see the giver)."""
    transfer(
        giver.user_id,
        neighbour.user_id,
        giver.community_id,
        amount,
        "gift_sent",
        ("membership", neighbour.id),
        note=note,
        received_reason="gift_received",
    )
    notify(
        neighbour.user_id,
        "points_received",
        community_id=giver.community_id,
        link=url_for("points.index"),
        name=public_label(neighbour, giver),
        points=amount,
    )


def balance(user_id: int, community_id: int) -> int:
    """The person's points in the community (0 when they never had any)."""
    value = db.session.scalar(
        sa.select(PointsBalance.balance).where(
            PointsBalance.user_id == user_id, PointsBalance.community_id == community_id
        )
    )
    return value or 0


def ledger_sum(user_id: int, community_id: int) -> int:
    """The sum of the person's rows (equals balance(); used by checks and tests)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.amount), 0)).where(
            PointsEntry.user_id == user_id, PointsEntry.community_id == community_id
        )
    )


def mismatched_balances(community_id: int | None = None) -> list[tuple[int, int, int, int]]:
    """(user, community, balance, sum of rows) wherever they differ; empty when the ledger is sound."""
    sums = (
        sa.select(
            PointsEntry.user_id,
            PointsEntry.community_id,
            sa.func.sum(PointsEntry.amount).label("total"),
        )
        .group_by(PointsEntry.user_id, PointsEntry.community_id)
        .subquery()
    )
    query = sa.select(
        PointsBalance.user_id, PointsBalance.community_id, PointsBalance.balance, sums.c.total
    ).outerjoin(
        sums,
        sa.and_(sums.c.user_id == PointsBalance.user_id, sums.c.community_id == PointsBalance.community_id),
    )
    if community_id is not None:
        query = query.where(PointsBalance.community_id == community_id)
    rows = db.session.execute(query).all()
    return [tuple(r) for r in rows if r.balance != (r.total or 0) or r.balance < 0]


def history(user_id: int, community_id: int):
    """Every change of a person's points, newest first (a query, for paging)."""
    return (
        sa.select(PointsEntry)
        .where(PointsEntry.user_id == user_id, PointsEntry.community_id == community_id)
        .order_by(PointsEntry.id.desc())
    )


# points held for something (the reason of the hold) → how the hold ends: paid out to the
# helper (a + row of another person for the same ref) or returned to the holder
HOLDS = {
    "skill_exchange_hold": ("skill_exchange", "skill_exchange_refund"),
    "help_bounty_hold": ("help_bounty", "help_bounty_refund"),
}


@dataclass(frozen=True)
class HoldOutcome:
    """What became of held points: paid to the helper, or returned, and when."""

    paid: bool
    at: datetime


def hold_outcomes(entries) -> dict[int, HoldOutcome]:
    """{hold entry id: its outcome} for the holds among `entries` that were settled (one query;
    a hold not in the result is still held)."""
    holds = [e for e in entries if e.reason in HOLDS and e.ref_id is not None]
    if not holds:
        return {}
    settling = {reason for hold in holds for reason in HOLDS[hold.reason]}
    found = db.session.scalars(
        sa.select(PointsEntry)
        .where(
            PointsEntry.community_id.in_({h.community_id for h in holds}),
            PointsEntry.ref_type.in_({h.ref_type for h in holds}),
            PointsEntry.ref_id.in_({h.ref_id for h in holds}),
            PointsEntry.reason.in_(settling),
            PointsEntry.amount > 0,
        )
        .order_by(PointsEntry.id)
    ).all()
    outcomes, used = {}, set()
    for hold in sorted(holds, key=lambda e: e.id):
        for row in found:
            if row.id not in used and _settles(hold, row):
                used.add(row.id)
                outcomes[hold.id] = HoldOutcome(paid=row.user_id != hold.user_id, at=row.created_at)
                break
    return outcomes


def _settles(hold: PointsEntry, row: PointsEntry) -> bool:
    """Whether `row`, written after `hold` for the same thing, pays it out or returns it."""
    if row.id < hold.id or (row.community_id, row.ref_type, row.ref_id) != (
        hold.community_id,
        hold.ref_type,
        hold.ref_id,
    ):
        return False
    paid_reason, returned_reason = HOLDS[hold.reason]
    mine = row.user_id == hold.user_id
    return (row.reason == paid_reason and not mine) or (row.reason == returned_reason and mine)


def earned_by_reason(community_id: int, user_ids: list[int], reason: str) -> dict[int, int]:
    """Points each of `user_ids` earned for `reason` (for the invitation chain page)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(PointsEntry.user_id, sa.func.sum(PointsEntry.amount))
        .where(
            PointsEntry.community_id == community_id,
            PointsEntry.reason == reason,
            PointsEntry.user_id.in_(user_ids),
        )
        .group_by(PointsEntry.user_id)
    ).all()
    return {user_id: total for user_id, total in rows}


def rewarded_refs(community_id: int, reason: str, ref_type: str, ref_ids) -> set[int]:
    """Which of these things (`ref_type`, id) have earned someone points for `reason`."""
    ids = list(ref_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(PointsEntry.ref_id).where(
                PointsEntry.ref_type == ref_type,
                PointsEntry.ref_id.in_(ids),
                PointsEntry.community_id == community_id,
                PointsEntry.reason == reason,
            )
        )
    )


# --- campaigns ----------------------------------------------------------------------------


def multiplier_for(community_id: int, reason: str, day: date | None = None) -> tuple[int, Campaign | None]:
    """The highest multiplier (percent) of a campaign for `reason` running on `day`."""
    day = day or localtime.today()
    campaign = db.session.scalar(
        sa.select(Campaign)
        .where(
            Campaign.community_id == community_id,
            Campaign.reason == reason,
            Campaign.starts_on <= day,
            Campaign.ends_on >= day,
        )
        .order_by(Campaign.multiplier_pct.desc(), Campaign.id)
        .limit(1)
    )
    return (campaign.multiplier_pct, campaign) if campaign else (100, None)


def create_campaign(
    community_id: int,
    name: str,
    reason: str,
    multiplier: float,
    starts_on: date,
    ends_on: date,
    by_user_id=None,
) -> Campaign:
    """A campaign multiplying `reason` points between two dates (inclusive)."""
    if reason not in CAMPAIGN_REASONS:
        raise DomainError(_l("Choose what the campaign multiplies."), "reason")
    if ends_on < starts_on:
        raise DomainError(_l("The campaign must end on or after its first day."), "ends_on")
    pct = round(multiplier * 100)
    if not 100 < pct <= 1000:
        raise DomainError(_l("The multiplier is more than 1 and at most 10."), "multiplier")
    campaign = Campaign(
        community_id=community_id,
        name=name.strip(),
        reason=reason,
        multiplier_pct=pct,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=by_user_id,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def end_campaign(campaign: Campaign) -> None:
    """Stop a campaign today (it no longer multiplies from tomorrow; one not started is removed)."""
    today = localtime.today()
    if campaign.starts_on > today:
        db.session.delete(campaign)
    elif campaign.ends_on >= today:
        campaign.ends_on = today
    db.session.flush()


def campaigns(community_id: int) -> list[Campaign]:
    return list(
        db.session.scalars(
            sa.select(Campaign)
            .where(Campaign.community_id == community_id)
            .order_by(Campaign.ends_on.desc(), Campaign.id.desc())
        )
    )


def running_campaigns(community_id: int) -> list[Campaign]:
    today = localtime.today()
    return [c for c in campaigns(community_id) if c.starts_on <= today <= c.ends_on]
