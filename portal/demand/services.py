"""The demand pool's rules: posting a wish (moderated like posts), +1s by household, a leader's
decisions (plan, decline, merge, convert into a buy) and the pool as read.

Every change of state and every counter is a conditional UPDATE, so each happens once and two
requests at the same moment cannot count a household twice. Services flush, never commit.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from portal.boards.services.common import announce_pending, checked_text
from portal.community.models import Membership, Role
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.core.uploads import save_image
from portal.demand.models import EXPIRY_DAYS, LIVE, Wish, WishState, WishVote
from portal.groupbuy.models import Category
from portal.moderation.models import ContentStatus
from portal.moderation.richtext import plain_excerpt
from portal.moderation.services import initial_status, register_kind, visible_clause
from portal.notifications.services import notify

MAX_QUANTITY = 999
TABS = ("open", "converted", "declined", "expired")
POOL_PAGE = 20

# who decides about wishes: the community's leaders and admins
DECIDERS = Role.LEADER | Role.ADMIN


def household_of(membership: Membership) -> str:
    """The household a member's +1 counts for: their unit, or they alone without one."""
    return f"u:{membership.unit_id}" if membership.unit_id else f"p:{membership.user_id}"


def may_decide(membership: Membership | None) -> bool:
    return membership is not None and bool(membership.roles & DECIDERS)


def wish_link(wish: Wish) -> str:
    return url_for("demand.wish", wish_id=wish.id)


# --- posting ------------------------------------------------------------------------------


@dataclass
class WishInput:
    title: str
    category: str = Category.FRESH
    price_cents: int | None = None
    unit: str = ""
    link: str = ""
    note: str = ""
    quantity: int = 1  # what the author's own household would take (their +1)
    photo: object = None  # a FileStorage, or None


def checked_link(value: str) -> str:
    """A web address (http or https with a host), or empty."""
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 500:
        raise DomainError(_l("Link: give a web address starting with http:// or https://."), "link")
    return value


def _checked_quantity(quantity) -> int:
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(_l("Between 1 and %(n)s.", n=MAX_QUANTITY), "quantity")
    return quantity


def post_wish(author: Membership, data: WishInput) -> Wish:
    """A resident wishes for something; their household's +1 comes with it. A new member's first
    wish waits for a volunteer's approval, as their first post does."""
    if data.category not in set(Category):
        raise DomainError(_l("Choose a category."), "category")
    if data.price_cents is not None and not 1 <= data.price_cents <= 10_000_000:
        raise DomainError(_l("Between ¥0.01 and ¥100000."), "price")
    quantity = _checked_quantity(data.quantity)
    wish = Wish(
        community_id=author.community_id,
        author_id=author.user_id,
        title=checked_text(data.title, "title", 80, label=_l("Say what you would like.")),
        category=data.category,
        price_cents=data.price_cents,
        unit=checked_text(data.unit, "unit", 16, required=False),
        link=checked_link(data.link),
        note=checked_text(data.note, "note", 1000, required=False),
        state=WishState.OPEN,
        expires_on=localtime.today() + timedelta(days=EXPIRY_DAYS),
        status=initial_status(author),
    )
    if data.photo is not None and getattr(data.photo, "filename", ""):
        try:
            wish.photo = save_image(data.photo, "demand")
        except DomainError as error:
            raise DomainError(error.message, "photo") from error
    db.session.add(wish)
    db.session.flush()
    _add_vote(author, wish, quantity)
    announce_pending("wish", wish)
    return wish


# --- +1s ----------------------------------------------------------------------------------


def _count(wish_id: int, households: int, quantity: int) -> bool:
    """Add to a wish's counters while it takes +1s; False when it no longer does."""
    result = db.session.execute(
        sa.update(Wish)
        .where(Wish.id == wish_id, Wish.state.in_([str(s) for s in LIVE]))
        .values(
            household_count=Wish.household_count + households,
            quantity_total=Wish.quantity_total + quantity,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _add_vote(member: Membership, wish: Wish, quantity: int) -> WishVote | None:
    """Insert the household's +1; None when the household has one already (nothing changed)."""
    try:
        with db.session.begin_nested():
            vote = WishVote(
                wish_id=wish.id, household=household_of(member), user_id=member.user_id, quantity=quantity
            )
            db.session.add(vote)
            db.session.flush()
    except IntegrityError:
        return None
    if not _count(wish.id, 1, quantity):
        raise DomainError(_l("This wish no longer takes +1s."))
    return vote


def my_vote(member: Membership, wish: Wish) -> WishVote | None:
    return db.session.scalar(
        sa.select(WishVote)
        .where(WishVote.wish_id == wish.id, WishVote.household == household_of(member))
        .execution_options(populate_existing=True)
    )


def _open_for_votes(member: Membership, wish: Wish) -> None:
    if wish.community_id != member.community_id or wish.status != ContentStatus.VISIBLE:
        raise DomainError(_l("This wish is not open to +1s."))
    if not wish.takes_votes(localtime.today()):
        raise DomainError(_l("This wish no longer takes +1s."))


def plus_one(member: Membership, wish: Wish, quantity) -> WishVote:
    """+1 a wish with how many my household would take. A household counts once: a second +1
    (from me or from someone of my unit) changes the household's quantity and makes the one who
    gave it the household's voter (they are told when the wish becomes a buy)."""
    quantity = _checked_quantity(quantity)
    _open_for_votes(member, wish)
    vote = _add_vote(member, wish, quantity)
    while vote is None:  # the household +1'd already: swap its quantity, if nobody else just did
        existing = my_vote(member, wish)
        if existing is None:  # withdrawn meanwhile: try a fresh +1
            vote = _add_vote(member, wish, quantity)
            continue
        changed = db.session.execute(
            sa.update(WishVote)
            .where(WishVote.id == existing.id, WishVote.quantity == existing.quantity)
            .values(quantity=quantity, user_id=member.user_id)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 1:
            if not _count(wish.id, 0, quantity - existing.quantity):
                raise DomainError(_l("This wish no longer takes +1s."))
            db.session.refresh(existing)
            vote = existing
        else:
            db.session.expire(existing)
    db.session.refresh(wish)
    return vote


def withdraw(member: Membership, wish: Wish) -> None:
    """Take my household's +1 back (while the wish takes +1s)."""
    _open_for_votes(member, wish)
    vote = my_vote(member, wish)
    if vote is None:
        raise DomainError(_l("Your household has not +1'd this wish."))
    removed = db.session.execute(
        sa.delete(WishVote)
        .where(WishVote.id == vote.id, WishVote.quantity == vote.quantity)
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount != 1 or not _count(wish.id, -1, -vote.quantity):
        raise DomainError(_l("Someone else changed this just now. Try again."))
    db.session.expunge(vote)
    db.session.refresh(wish)


# --- a leader's decisions -----------------------------------------------------------------


def _decider(membership: Membership, wish: Wish) -> None:
    if not may_decide(membership):
        raise DomainError(_l("Only group leaders and admins decide about wishes."))
    if wish.community_id != membership.community_id or wish.status != ContentStatus.VISIBLE:
        raise DomainError(_l("Not found."))


def _move(wish: Wish, from_states, **values) -> bool:
    result = db.session.execute(
        sa.update(Wish)
        .where(Wish.id == wish.id, Wish.state.in_([str(s) for s in from_states]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(wish)
    return result.rowcount == 1


def mark_planned(membership: Membership, wish: Wish) -> None:
    """A leader is looking for a supplier: residents see "planned"."""
    _decider(membership, wish)
    if not wish.takes_votes(localtime.today()) or not _move(
        wish, [WishState.OPEN], state=WishState.PLANNED, decided_at=utcnow()
    ):
        raise DomainError(_l("Only an open wish can be planned."))


def decline(membership: Membership, wish: Wish, reason: str) -> None:
    """Say no, and why (residents read the reason)."""
    _decider(membership, wish)
    reason = checked_text(reason, "reason", 300, label=_l("Say why, for the neighbours who wished for it."))
    if not _move(wish, LIVE, state=WishState.DECLINED, decline_reason=reason, decided_at=utcnow()):
        raise DomainError(_l("This wish was decided already."))


def merge(membership: Membership, duplicate: Wish, target: Wish) -> None:
    """`duplicate` asks for the same as `target`: it closes, and each household's +1 moves once.

    A household that +1'd both keeps one +1 on the target with the larger of its two quantities.
    The target's counters are then recounted from its +1 rows, in the same transaction.
    """
    _decider(membership, duplicate)
    if target.id == duplicate.id or target.community_id != duplicate.community_id:
        raise DomainError(_l("Choose another wish of this community."), "target")
    if target.status != ContentStatus.VISIBLE or not target.takes_votes(localtime.today()):
        raise DomainError(_l("Merge into a wish that still takes +1s."), "target")
    # hold the target's row first, so a +1 on it waits until the recount below is committed
    db.session.execute(sa.select(Wish.id).where(Wish.id == target.id).with_for_update())
    if not _move(duplicate, LIVE, state=WishState.DUPLICATE, merged_into_id=target.id, decided_at=utcnow()):
        raise DomainError(_l("This wish was decided already."))
    source = aliased(WishVote)
    # households on both: the target's +1 takes the larger quantity
    db.session.execute(
        sa.update(WishVote)
        .where(
            WishVote.wish_id == target.id,
            sa.exists().where(
                source.wish_id == duplicate.id,
                source.household == WishVote.household,
                source.quantity > WishVote.quantity,
            ),
        )
        .values(
            quantity=sa.select(source.quantity)
            .where(source.wish_id == duplicate.id, source.household == WishVote.household)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(WishVote)
        .where(
            WishVote.wish_id == duplicate.id,
            WishVote.household.in_(sa.select(source.household).where(source.wish_id == target.id)),
        )
        .execution_options(synchronize_session=False)
    )
    # the others move as they are
    db.session.execute(
        sa.update(WishVote)
        .where(WishVote.wish_id == duplicate.id)
        .values(wish_id=target.id)
        .execution_options(synchronize_session=False)
    )
    _recount(target.id)
    _recount(duplicate.id)
    db.session.refresh(duplicate)
    db.session.refresh(target)


def _recount(wish_id: int) -> None:
    votes = sa.select(WishVote).where(WishVote.wish_id == wish_id).subquery()
    db.session.execute(
        sa.update(Wish)
        .where(Wish.id == wish_id)
        .values(
            household_count=sa.select(sa.func.count()).select_from(votes).scalar_subquery(),
            quantity_total=sa.select(sa.func.coalesce(sa.func.sum(votes.c.quantity), 0)).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


def conversion_url(membership: Membership, wish: Wish) -> str:
    """The group-buy form, filled in from the wish; opening the buy converts the wish."""
    _decider(membership, wish)
    if not membership.has(Role.LEADER):
        raise DomainError(_l("Only group leaders open buys."))
    if not wish.takes_votes(localtime.today()):
        raise DomainError(_l("Only an open or planned wish can become a buy."))
    description = str(
        _l(
            "Neighbours asked for this in the demand pool: %(households)s households, about %(qty)s.",
            households=wish.household_count,
            qty=wish.quantity_total,
        )
    )
    if wish.note:
        description += "\n" + wish.note
    prefill = {
        "title": wish.title,
        "category": wish.category,
        "description": description[:2000],
        "min_quantity": max(wish.household_count, 1),
        "source": f"wish:{wish.id}",
    }
    if wish.unit:
        prefill["unit"] = wish.unit
    if wish.price_cents:
        prefill["unit_price"] = f"{wish.price_cents // 100}.{wish.price_cents % 100:02d}"
    return url_for("groupbuy.new") + "?" + urlencode(prefill)


def converted(buy, wish_id: int) -> bool:
    """A buy was opened from a wish: the wish is converted (once), and each +1'd household's
    voter is told once, with a link that joins at their pledged quantity."""
    today = localtime.today()
    result = db.session.execute(
        sa.update(Wish)
        .where(
            Wish.id == wish_id,
            Wish.community_id == buy.community_id,
            Wish.status == ContentStatus.VISIBLE,
            Wish.state.in_([str(s) for s in LIVE]),
            Wish.expires_on >= today,
        )
        .values(state=WishState.CONVERTED, converted_buy_id=buy.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    votes = db.session.execute(
        sa.select(WishVote.user_id, WishVote.quantity)
        .where(WishVote.wish_id == wish_id)
        .order_by(WishVote.id)
    ).all()
    for user_id, quantity in votes:
        notify(
            user_id,
            "demand_converted",
            community_id=buy.community_id,
            link=f"/groupbuy/{buy.id}?qty={quantity}",
            title=buy.title,
            qty=quantity,
        )
    return True


# --- reading ------------------------------------------------------------------------------


def _tab_clause(tab: str):
    today = localtime.today()
    live = Wish.state.in_([str(s) for s in LIVE])
    if tab == "expired":
        return sa.and_(live, Wish.expires_on < today)
    if tab == "converted":
        return Wish.state == WishState.CONVERTED
    if tab == "declined":
        return Wish.state.in_([WishState.DECLINED, WishState.DUPLICATE])
    return sa.and_(live, Wish.expires_on >= today)


def pool(viewer: Membership, tab: str = "open", category: str = "", page: int = 1) -> Page:
    """A page of the community's wishes, most households first, then most wanted."""
    query = sa.select(Wish).where(
        Wish.community_id == viewer.community_id, visible_clause(Wish, viewer), _tab_clause(tab)
    )
    if category in set(Category):
        query = query.where(Wish.category == category)
    query = query.order_by(Wish.household_count.desc(), Wish.quantity_total.desc(), Wish.id.desc())
    return page_of(query, page, POOL_PAGE)


def my_votes(viewer: Membership, wish_ids) -> dict[int, int]:
    """wish id → my household's quantity, for the wishes of a page, in one query."""
    ids = list(wish_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(WishVote.wish_id, WishVote.quantity).where(
                WishVote.wish_id.in_(ids), WishVote.household == household_of(viewer)
            )
        ).all()
    )


def merge_targets(wish: Wish, limit: int = 50) -> list[Wish]:
    """Wishes this one may be merged into: the community's other live, visible wishes."""
    return list(
        db.session.scalars(
            sa.select(Wish)
            .where(
                Wish.community_id == wish.community_id,
                Wish.id != wish.id,
                Wish.status == ContentStatus.VISIBLE,
                _tab_clause("open"),
            )
            .order_by(Wish.household_count.desc(), Wish.id.desc())
            .limit(limit)
        )
    )


def export_rows(community_id: int):
    """The visible pool for suppliers: counts only, nobody named."""
    today = localtime.today()
    wishes = db.session.scalars(
        sa.select(Wish)
        .where(Wish.community_id == community_id, Wish.status == ContentStatus.VISIBLE)
        .order_by(Wish.household_count.desc(), Wish.quantity_total.desc(), Wish.id)
    )
    for w in wishes:
        yield w, w.shown_state(today)


# --- moderation ---------------------------------------------------------------------------


def _wish_preview(wish: Wish) -> str:
    return wish.title + (" — " + plain_excerpt(wish.note, 140) if wish.note else "")


register_kind("wish", Wish, _l("Wish"), wish_link, _wish_preview)
