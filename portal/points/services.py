"""The points ledger and what is built on it: campaigns, the catalogue, badges.

Every change is a PointsEntry row; PointsBalance holds the running sum and only moves by a
conditional UPDATE (`balance + amount >= 0`) in the same transaction as the row, so no
balance goes below zero whatever the concurrency, and a balance always equals the sum of
its rows. Services flush, never commit.

Other domains use: award, spend, refund, transfer, balance (all take user ids and a
community id; `ref` is a (type, id) pair naming what the points were for).
"""

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.points.models import (
    BadgeAward,
    BadgeProgress,
    Campaign,
    CatalogueItem,
    PointsBalance,
    PointsEntry,
    Redemption,
)

# How many points each kind of deed earns; PORTAL_POINTS_RULES (a JSON object) overrides.
DEFAULT_RULES = {
    "invite": 50,  # the inviter, once the invitee completes a first order
    "help": 10,  # the helper of a completed help-day need (on top of any bounty)
    "event_attended": 10,
    "review": 5,
}
WARM_NEIGHBOUR_AFTER = 3  # completed helps and skill exchanges that earn 热心邻居
GOLD_LEADER_AFTER = 100  # orders collected from a leader's group buys that earn 金牌团长

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

BADGES = {
    "warm_neighbour": _l("Warm-hearted neighbour"),  # 热心邻居
    "gold_leader": _l("Gold group leader"),  # 金牌团长
    "good_finds": _l("Community good-finds scout"),  # 社区好物推荐官
}
BADGE_ICONS = {"warm_neighbour": "🤝", "gold_leader": "🥇", "good_finds": "🔎"}

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def register_reasons(reasons: dict) -> None:
    """Let another domain name its reasons (reason → lazy text) for the history page."""
    REASONS.update(reasons)


def reason_label(reason: str) -> str:
    return str(REASONS.get(reason, reason))


def rule(name: str) -> int:
    """Points a deed earns, from PORTAL_POINTS_RULES or the defaults."""
    return int({**DEFAULT_RULES, **(current_app.config.get("POINTS_RULES") or {})}.get(name, 0))


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


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
    if reason in ("help", "skill_exchange"):
        _maybe_warm_neighbour(user_id, community_id)
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


def history(user_id: int, community_id: int, page: int = 1, per_page: int = 20) -> list[PointsEntry]:
    return list(
        db.session.scalars(
            sa.select(PointsEntry)
            .where(PointsEntry.user_id == user_id, PointsEntry.community_id == community_id)
            .order_by(PointsEntry.id.desc())
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page + 1)
        )
    )


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


def rewarded_refs(community_id: int, reason: str, ref_type: str) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(PointsEntry.ref_id).where(
                PointsEntry.community_id == community_id,
                PointsEntry.reason == reason,
                PointsEntry.ref_type == ref_type,
            )
        )
    )


# --- campaigns ----------------------------------------------------------------------------


def multiplier_for(community_id: int, reason: str, day: date | None = None) -> tuple[int, Campaign | None]:
    """The highest multiplier (percent) of a campaign for `reason` running on `day`."""
    day = day or local_today()
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
    today = local_today()
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
    today = local_today()
    return [c for c in campaigns(community_id) if c.starts_on <= today <= c.ends_on]


# --- the catalogue ------------------------------------------------------------------------


def create_item(community_id: int, **fields) -> CatalogueItem:
    """A new catalogue entry (service or coupon) with its provider's check page."""
    fields = {"kind": "service", "provider": "", "description": "", "stock": None, "active": True, **fields}
    item = CatalogueItem(community_id=community_id, check_token=secrets.token_urlsafe(32), **fields)
    _validate_item(item)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item: CatalogueItem, **fields) -> CatalogueItem:
    for name, value in fields.items():
        setattr(item, name, value)
    _validate_item(item)
    db.session.flush()
    return item


def _validate_item(item: CatalogueItem) -> None:
    if item.cost is None or item.cost <= 0:
        raise DomainError(_l("The cost is a whole number of points above zero."), "cost")
    if item.stock is not None and item.stock < 0:
        raise DomainError(_l("Stock cannot be negative."), "stock")
    if item.kind not in ("service", "coupon"):
        raise DomainError(_l("Choose service or coupon."), "kind")


def catalogue(community_id: int, include_inactive: bool = False) -> list[CatalogueItem]:
    query = sa.select(CatalogueItem).where(CatalogueItem.community_id == community_id)
    if not include_inactive:
        query = query.where(CatalogueItem.active)
    return list(db.session.scalars(query.order_by(CatalogueItem.cost, CatalogueItem.id)))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:12]


def redeem(user_id: int, item: CatalogueItem) -> Redemption:
    """Spend the item's cost and get a code for the provider; refused when out of stock or points."""
    if not item.active:
        raise DomainError(_l("This offer is no longer available."))
    taken = db.session.execute(
        sa.update(CatalogueItem)
        .where(
            CatalogueItem.id == item.id,
            CatalogueItem.active,
            sa.or_(CatalogueItem.stock.is_(None), CatalogueItem.stock > 0),
        )
        .values(stock=sa.case((CatalogueItem.stock.is_(None), None), else_=CatalogueItem.stock - 1))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DomainError(_l("Sorry, this offer is sold out."))
    redemption = Redemption(
        community_id=item.community_id, item_id=item.id, user_id=user_id, code=_new_code(), cost=item.cost
    )
    db.session.add(redemption)
    db.session.flush()
    spend(user_id, item.community_id, item.cost, "redeem", ("redemption", redemption.id), note=item.title)
    db.session.refresh(item)
    return redemption


def find_redemption(item_ids: list[int], code: str) -> Redemption | None:
    code = normalise_code(code)
    if not code or not item_ids:
        return None
    return db.session.scalar(
        sa.select(Redemption).where(Redemption.code == code, Redemption.item_id.in_(item_ids))
    )


def use_redemption(redemption: Redemption) -> None:
    """Mark a code used, once: a second use is refused."""
    result = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("This code was already used."))
    db.session.refresh(redemption)


def redemptions_of(user_id: int, community_id: int) -> list[Redemption]:
    return list(
        db.session.scalars(
            sa.select(Redemption)
            .where(Redemption.user_id == user_id, Redemption.community_id == community_id)
            .order_by(Redemption.id.desc())
        )
    )


# --- badges -------------------------------------------------------------------------------


def grant_badge(
    user_id: int, community_id: int, badge: str, by_user_id: int | None = None
) -> BadgeAward | None:
    """Give a badge; None when the person has it already."""
    if badge not in BADGES:
        raise DomainError(_l("Unknown badge."), "badge")
    existing = db.session.scalar(
        sa.select(BadgeAward).where(
            BadgeAward.user_id == user_id, BadgeAward.community_id == community_id, BadgeAward.badge == badge
        )
    )
    if existing:
        return None
    try:
        with db.session.begin_nested():
            award_row = BadgeAward(
                user_id=user_id, community_id=community_id, badge=badge, awarded_by_id=by_user_id
            )
            db.session.add(award_row)
            db.session.flush()
    except IntegrityError:
        return None
    from portal.notifications.services import notify

    notify(user_id, "badge_awarded", community_id=community_id, link="/points", badge=badge)
    return award_row


def revoke_badge(user_id: int, community_id: int, badge: str) -> bool:
    result = db.session.execute(
        sa.delete(BadgeAward).where(
            BadgeAward.user_id == user_id, BadgeAward.community_id == community_id, BadgeAward.badge == badge
        )
    )
    return result.rowcount > 0


def badges_of(user_id: int, community_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(BadgeAward.badge)
            .where(BadgeAward.user_id == user_id, BadgeAward.community_id == community_id)
            .order_by(BadgeAward.awarded_at)
        )
    )


def badges_by_user(community_id: int, user_ids) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    ids = list(set(user_ids))
    if not ids:
        return result
    for user_id, badge in db.session.execute(
        sa.select(BadgeAward.user_id, BadgeAward.badge).where(
            BadgeAward.community_id == community_id, BadgeAward.user_id.in_(ids)
        )
    ):
        result.setdefault(user_id, []).append(badge)
    return result


def _maybe_warm_neighbour(user_id: int, community_id: int) -> None:
    helped = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PointsEntry)
        .where(
            PointsEntry.user_id == user_id,
            PointsEntry.community_id == community_id,
            PointsEntry.reason.in_(("help", "skill_exchange")),
            PointsEntry.amount > 0,
        )
    )
    if helped >= WARM_NEIGHBOUR_AFTER:
        grant_badge(user_id, community_id, "warm_neighbour")


def count_toward_badge(user_id: int, community_id: int, badge: str, threshold: int) -> int:
    """One more step toward an automatic badge; the badge comes at `threshold`. Returns the count."""
    key = (
        BadgeProgress.user_id == user_id,
        BadgeProgress.community_id == community_id,
        BadgeProgress.badge == badge,
    )
    moved = db.session.execute(
        sa.update(BadgeProgress)
        .where(*key)
        .values(count=BadgeProgress.count + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(
                    BadgeProgress(user_id=user_id, community_id=community_id, badge=badge, count=1)
                )
                db.session.flush()
        except IntegrityError:  # a concurrent first step
            db.session.execute(
                sa.update(BadgeProgress)
                .where(*key)
                .values(count=BadgeProgress.count + 1)
                .execution_options(synchronize_session=False)
            )
    count = db.session.scalar(sa.select(BadgeProgress.count).where(*key))
    if count >= threshold:
        grant_badge(user_id, community_id, badge)
    return count
