"""互助日: needs for a day, neighbours' offers to help, and an optional points bounty.

Accepting an offer holds the bounty; confirming the help pays it and the help points to the
helper; cancelling gives it back. State changes are conditional UPDATEs so each happens once.
Needs are moderated as the kind "need".
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.boards.models import HelpNeed, HelpOffer, NeedState, OfferState, need_tags
from portal.boards.services.common import announce_pending, checked_text, points_amount, tag_filter
from portal.community.models import Membership
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import help_completed
from portal.moderation.models import ContentStatus
from portal.moderation.richtext import clean_html, plain_excerpt
from portal.moderation.services import initial_status, register_kind, visible_clause
from portal.neighbors.tags import tags_named
from portal.notifications.services import notify
from portal.points import services as points


def need_problems(author: Membership, needed_on: date | None, bounty: int | None) -> list[DomainError]:
    """Every rule a need's day and bounty break (None takes part in none), beside its field:
    the form shows them all at once, create_need refuses the first."""
    problems = []
    if needed_on is not None and needed_on < localtime.today():
        problems.append(DomainError(_l("Day: it has passed."), "needed_on"))
    elif needed_on is not None and needed_on > localtime.today() + timedelta(days=365):
        problems.append(DomainError(_l("Day: at most a year ahead."), "needed_on"))
    if bounty and bounty > points.balance(author.user_id, author.community_id):
        problems.append(DomainError(_l("Points bounty: you do not have that many points."), "bounty"))
    return problems


def create_need(
    author: Membership,
    what: str,
    details: str,
    needed_on: date | None,
    time_note: str,
    place: str,
    bounty,
    tags: list[str] = (),
) -> HelpNeed:
    """Ask for help on a day: what, when, where, and optionally a points bounty for the helper."""
    if needed_on is None:
        raise DomainError(_l("Choose the day."), "needed_on")
    amount = points_amount(bounty, "bounty")
    problems = need_problems(author, needed_on, amount)
    if problems:
        raise problems[0]
    details = checked_text(details, "details", 2000, required=False)
    need = HelpNeed(
        community_id=author.community_id,
        author_id=author.user_id,
        what=checked_text(what, "what", 120, label=_l("Say what you need.")),
        details=details,
        details_html=clean_html(details),
        needed_on=needed_on,
        time_note=checked_text(time_note, "time_note", 40, required=False),
        place=checked_text(place, "place", 80, required=False),
        bounty=amount,
        status=initial_status(author),
    )
    need.tags = tags_named(list(tags))
    db.session.add(need)
    db.session.flush()
    announce_pending("need", need)
    return need


def needs_query(viewer: Membership, tag: str = "", state: str = "open", day: date | None = None):
    query = sa.select(HelpNeed).where(
        HelpNeed.community_id == viewer.community_id, visible_clause(HelpNeed, viewer)
    )
    if state == "open":
        query = query.where(HelpNeed.state == NeedState.OPEN, HelpNeed.needed_on >= localtime.today())
    elif state == "mine":
        query = query.where(
            sa.or_(HelpNeed.author_id == viewer.user_id, HelpNeed.helper_id == viewer.user_id)
        )
    elif state in set(NeedState):
        query = query.where(HelpNeed.state == state)
    if day is not None:
        query = query.where(HelpNeed.needed_on == day)
    query = tag_filter(query, HelpNeed, need_tags, tag)
    return query.options(selectinload(HelpNeed.tags)).order_by(HelpNeed.needed_on, HelpNeed.id)


def open_help_needs_on(community_id: int, day: date) -> list[HelpNeed]:
    """The open needs of a day (for a help-day event page): visible, not yet taken."""
    return list(
        db.session.scalars(
            sa.select(HelpNeed)
            .where(
                HelpNeed.community_id == community_id,
                HelpNeed.needed_on == day,
                HelpNeed.state == NeedState.OPEN,
                HelpNeed.status == ContentStatus.VISIBLE,
            )
            .order_by(HelpNeed.created_at, HelpNeed.id)
        )
    )


def offer_help(helper: Membership, need: HelpNeed, message: str) -> HelpOffer:
    """A neighbour offers to help; the asker is told."""
    if need.status != ContentStatus.VISIBLE or need.state != NeedState.OPEN:
        raise DomainError(_l("This need is no longer open."))
    if need.author_id == helper.user_id:
        raise DomainError(_l("This is your own need."))
    existing = db.session.scalar(
        sa.select(HelpOffer).where(HelpOffer.need_id == need.id, HelpOffer.helper_id == helper.user_id)
    )
    message = checked_text(message, "message", 300, required=False)
    if existing is not None:
        if existing.state != OfferState.WITHDRAWN:
            raise DomainError(_l("You offered already."))
        existing.state, existing.message = OfferState.OFFERED, message
        db.session.flush()
        offer = existing
    else:
        try:
            with db.session.begin_nested():
                offer = HelpOffer(
                    community_id=need.community_id, need_id=need.id, helper_id=helper.user_id, message=message
                )
                db.session.add(offer)
                db.session.flush()
        except IntegrityError:
            raise DomainError(_l("You offered already.")) from None
    notify(
        need.author_id,
        "help_offered",
        community_id=need.community_id,
        link=url_for("boards.need", need_id=need.id),
    )
    return offer


def withdraw_offer(helper: Membership, offer: HelpOffer) -> None:
    if offer.helper_id != helper.user_id:
        raise DomainError(_l("This is not your offer."))
    result = db.session.execute(
        sa.update(HelpOffer)
        .where(HelpOffer.id == offer.id, HelpOffer.state == OfferState.OFFERED)
        .values(state=OfferState.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("This offer can no longer be withdrawn."))
    db.session.refresh(offer)


def accept_offer(asker: Membership, offer: HelpOffer) -> None:
    """The asker accepts one offer (the others are declined); a bounty is held until completion."""
    need = offer.need
    if need.author_id != asker.user_id:
        raise DomainError(_l("Only the neighbour who asked can accept."))
    if offer.state != OfferState.OFFERED:
        raise DomainError(_l("This offer was withdrawn."))
    taken = db.session.execute(
        sa.update(HelpNeed)
        .where(
            HelpNeed.id == need.id, HelpNeed.state == NeedState.OPEN, HelpNeed.status == ContentStatus.VISIBLE
        )
        .values(state=NeedState.ACCEPTED, helper_id=offer.helper_id, accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DomainError(_l("You accepted an offer already."))
    db.session.execute(
        sa.update(HelpOffer)
        .where(HelpOffer.need_id == need.id, HelpOffer.state == OfferState.OFFERED)
        .values(state=sa.case((HelpOffer.id == offer.id, OfferState.ACCEPTED), else_=OfferState.DECLINED))
        .execution_options(synchronize_session=False)
    )
    if need.bounty:
        points.spend(
            asker.user_id,
            need.community_id,
            need.bounty,
            "help_bounty_hold",
            ("help_need", need.id),
            note=need.what,
        )
    db.session.refresh(need)
    db.session.refresh(offer)
    notify(
        offer.helper_id,
        "help_accepted",
        community_id=need.community_id,
        link=url_for("boards.need", need_id=need.id),
    )


def complete_need(asker: Membership, need: HelpNeed) -> int:
    """The asker confirms the help happened: the bounty and the help points go to the helper.
    Returns the points the helper received."""
    if need.author_id != asker.user_id:
        raise DomainError(_l("Only the neighbour who asked can confirm."))
    done = db.session.execute(
        sa.update(HelpNeed)
        .where(HelpNeed.id == need.id, HelpNeed.state == NeedState.ACCEPTED)
        .values(state=NeedState.COMPLETED, completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise DomainError(_l("Accept an offer first, or this was completed already."))
    db.session.refresh(need)
    received = 0
    ref = ("help_need", need.id)
    if need.bounty:
        points.award(need.helper_id, need.community_id, need.bounty, "help_bounty", ref, note=need.what)
        received += need.bounty
    amount = points.rule("help")
    if amount > 0:
        entry = points.award(
            need.helper_id,
            need.community_id,
            amount,
            "help",
            ref,
            note=need.what,
            once_key=f"help:{need.id}",
            campaign=True,
        )
        received += entry.amount if entry else 0
    help_completed.send(
        need, community_id=need.community_id, asker_id=need.author_id, helper_id=need.helper_id
    )
    notify(need.helper_id, "help_completed", community_id=need.community_id, link="/points", points=received)
    return received


def cancel_need(asker: Membership | None, need: HelpNeed, by_moderation: bool = False) -> None:
    """Call off an open or accepted need; a held bounty goes back to the asker."""
    if not by_moderation and (asker is None or need.author_id != asker.user_id):
        raise DomainError(_l("Only the neighbour who asked can cancel."))
    was = need.state
    result = db.session.execute(
        sa.update(HelpNeed)
        .where(HelpNeed.id == need.id, HelpNeed.state.in_([NeedState.OPEN, NeedState.ACCEPTED]))
        .values(state=NeedState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if by_moderation:
            return
        raise DomainError(_l("This need is already finished."))
    db.session.execute(
        sa.update(HelpOffer)
        .where(HelpOffer.need_id == need.id, HelpOffer.state.in_([OfferState.OFFERED, OfferState.ACCEPTED]))
        .values(state=OfferState.DECLINED)
        .execution_options(synchronize_session=False)
    )
    if was == NeedState.ACCEPTED and need.bounty:
        points.refund(
            need.author_id, need.community_id, need.bounty, "help_bounty_refund", ("help_need", need.id)
        )
        notify(
            need.helper_id,
            "help_cancelled",
            community_id=need.community_id,
            link=url_for("boards.need", need_id=need.id),
        )
    db.session.refresh(need)


def _need_status_changed(need: HelpNeed, status: str) -> None:
    if status == ContentStatus.DELETED:
        cancel_need(None, need, by_moderation=True)


def my_offer(need: HelpNeed, user_id: int) -> HelpOffer | None:
    return next((o for o in need.offers if o.helper_id == user_id), None)


register_kind(
    "need",
    HelpNeed,
    _l("Help need"),
    lambda item: url_for("boards.need", need_id=item.id),
    lambda item: item.what + " — " + plain_excerpt(item.details_html, 140),
    _need_status_changed,
)
