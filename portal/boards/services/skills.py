"""技能交换: offers ("I can…") and requests ("who can…?"), and the exchanges that answer them.

An agreed exchange holds the requester's points; they go to the helper once both sides have
confirmed. State changes are conditional UPDATEs so each happens once. Listings are moderated
as the kind "skill".
"""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.boards.models import ExchangeState, SkillExchange, SkillKind, SkillListing, skill_tags
from portal.boards.services.common import announce_pending, checked_text, points_amount, tag_filter
from portal.community.models import Membership
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import skill_exchange_completed
from portal.moderation.models import ContentStatus
from portal.moderation.richtext import clean_html, plain_excerpt
from portal.moderation.services import initial_status, register_kind, visible_clause
from portal.neighbors.tags import tags_named
from portal.notifications.services import notify
from portal.points import services as points


def create_listing(
    author: Membership, kind: str, title: str, body: str, tags: list[str], points_value
) -> SkillListing:
    """An offer ("I can…") or a request ("who can…?") with skill tags and the points for one exchange."""
    if kind not in set(SkillKind):
        raise DomainError(_l("Offer or request?"), "kind")
    if not tags:
        raise DomainError(_l("Add at least one skill tag."), "tags")
    amount = points_amount(points_value)
    if kind == SkillKind.REQUEST and amount > points.balance(author.user_id, author.community_id):
        raise DomainError(_l("You do not have that many points."), "points")
    body = checked_text(body, "body", 2000, required=False)
    listing = SkillListing(
        community_id=author.community_id,
        author_id=author.user_id,
        kind=kind,
        title=checked_text(title, "title", 120, label=_l("Say what the skill is.")),
        body=body,
        body_html=clean_html(body),
        points=amount,
        status=initial_status(author),
    )
    listing.tags = tags_named(list(tags))
    db.session.add(listing)
    db.session.flush()
    announce_pending("skill", listing)
    return listing


def listings_query(viewer: Membership, kind: str = "", tag: str = ""):
    query = (
        sa.select(SkillListing)
        .where(SkillListing.community_id == viewer.community_id, visible_clause(SkillListing, viewer))
        .options(selectinload(SkillListing.tags))
        .order_by(SkillListing.open.desc(), SkillListing.created_at.desc(), SkillListing.id.desc())
    )
    if kind in set(SkillKind):
        query = query.where(SkillListing.kind == kind)
    return tag_filter(query, SkillListing, skill_tags, tag)


def why_not_respond(responder: Membership, listing: SkillListing):
    """Why `responder` may not answer the listing (a message), or None when they may: a closed
    or own listing, an exchange of theirs under way or done, a request already met."""
    if listing.status != ContentStatus.VISIBLE or not listing.open:
        return _l("This listing is closed.")
    if listing.author_id == responder.user_id:
        return _l("This is your own listing.")
    blocking = [ExchangeState.PROPOSED, ExchangeState.AGREED, ExchangeState.COMPLETED]
    states = set(
        db.session.scalars(
            sa.select(SkillExchange.state).where(
                SkillExchange.listing_id == listing.id,
                SkillExchange.responder_id == responder.user_id,
                SkillExchange.state.in_(blocking),
            )
        )
    )
    if ExchangeState.COMPLETED in states:
        return _l("Your exchange on this listing is done.")
    if states:
        return _l("You responded already.")
    if listing.kind == SkillKind.REQUEST and db.session.scalar(
        sa.select(SkillExchange.id)
        .where(SkillExchange.listing_id == listing.id, SkillExchange.state == ExchangeState.COMPLETED)
        .limit(1)
    ):
        return _l("A neighbour has helped with this request already.")
    return None


def respond(responder: Membership, listing: SkillListing, message: str) -> SkillExchange:
    """Answer a listing: for an offer I become the requester, for a request the helper."""
    refusal = why_not_respond(responder, listing)
    if refusal is not None:
        raise DomainError(refusal)
    if listing.kind == SkillKind.OFFER:
        helper_id, requester_id = listing.author_id, responder.user_id
        if listing.points > points.balance(responder.user_id, responder.community_id):
            raise DomainError(_l("This costs %(n)s points; you have fewer.", n=listing.points), "message")
    else:
        helper_id, requester_id = responder.user_id, listing.author_id
    exchange = SkillExchange(
        community_id=listing.community_id,
        listing_id=listing.id,
        responder_id=responder.user_id,
        helper_id=helper_id,
        requester_id=requester_id,
        message=checked_text(message, "message", 300, label=_l("Say a few words to your neighbour.")),
        points=listing.points,
    )
    db.session.add(exchange)
    db.session.flush()
    notify(
        listing.author_id,
        "skill_response",
        community_id=listing.community_id,
        link=url_for("boards.skill", listing_id=listing.id),
    )
    return exchange


def _exchange_transition(exchange: SkillExchange, from_states, **values) -> bool:
    result = db.session.execute(
        sa.update(SkillExchange)
        .where(SkillExchange.id == exchange.id, SkillExchange.state.in_([str(s) for s in from_states]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(exchange)
    return result.rowcount == 1


def agree(author: Membership, exchange: SkillExchange) -> None:
    """The listing's author agrees; the requester's points are held until both confirm."""
    if exchange.listing.author_id != author.user_id:
        raise DomainError(_l("Only the listing's author can agree."))
    if not _exchange_transition(
        exchange, [ExchangeState.PROPOSED], state=ExchangeState.AGREED, agreed_at=utcnow()
    ):
        raise DomainError(_l("This exchange was already answered."))
    if exchange.points:
        points.spend(
            exchange.requester_id,
            exchange.community_id,
            exchange.points,
            "skill_exchange_hold",
            ("skill_exchange", exchange.id),
            note=exchange.listing.title,
        )
    notify(
        exchange.responder_id,
        "skill_agreed",
        community_id=exchange.community_id,
        link=url_for("boards.skill", listing_id=exchange.listing_id),
    )


def decline(author: Membership, exchange: SkillExchange) -> None:
    if exchange.listing.author_id != author.user_id:
        raise DomainError(_l("Only the listing's author can decline."))
    if not _exchange_transition(exchange, [ExchangeState.PROPOSED], state=ExchangeState.DECLINED):
        raise DomainError(_l("This exchange was already answered."))


def cancel_exchange(member: Membership, exchange: SkillExchange) -> None:
    """Either side calls off an exchange before it completes; held points go back."""
    if member.user_id not in (exchange.helper_id, exchange.requester_id):
        raise DomainError(_l("This is not your exchange."))
    was_agreed = exchange.state == ExchangeState.AGREED
    if not _exchange_transition(
        exchange, [ExchangeState.PROPOSED, ExchangeState.AGREED], state=ExchangeState.CANCELLED
    ):
        raise DomainError(_l("This exchange is already finished."))
    if was_agreed and exchange.points:
        points.refund(
            exchange.requester_id,
            exchange.community_id,
            exchange.points,
            "skill_exchange_refund",
            ("skill_exchange", exchange.id),
        )
    other = exchange.requester_id if member.user_id == exchange.helper_id else exchange.helper_id
    notify(
        other,
        "skill_cancelled",
        community_id=exchange.community_id,
        link=url_for("boards.skill", listing_id=exchange.listing_id),
    )


def confirm(member: Membership, exchange: SkillExchange) -> bool:
    """One side confirms the exchange happened; when both have, the points go to the helper.
    Returns True when this confirmation completed the exchange."""
    if exchange.state != ExchangeState.AGREED:
        raise DomainError(_l("Only an agreed exchange can be confirmed."))
    column = {exchange.helper_id: "helper_confirmed_at", exchange.requester_id: "requester_confirmed_at"}.get(
        member.user_id
    )
    if column is None:
        raise DomainError(_l("This is not your exchange."))
    db.session.execute(
        sa.update(SkillExchange)
        .where(SkillExchange.id == exchange.id, getattr(SkillExchange, column).is_(None))
        .values({column: utcnow()})
        .execution_options(synchronize_session=False)
    )
    done = (
        _exchange_transition(
            exchange,
            [ExchangeState.AGREED],
            state=ExchangeState.COMPLETED,
            completed_at=utcnow(),
        )
        if _both_confirmed(exchange)
        else False
    )
    if not done:
        db.session.refresh(exchange)
        other = exchange.requester_id if member.user_id == exchange.helper_id else exchange.helper_id
        notify(
            other,
            "skill_confirm_please",
            community_id=exchange.community_id,
            link=url_for("boards.skill", listing_id=exchange.listing_id),
        )
        return False
    if exchange.points:
        points.award(
            exchange.helper_id,
            exchange.community_id,
            exchange.points,
            "skill_exchange",
            ("skill_exchange", exchange.id),
            note=exchange.listing.title,
        )
    skill_exchange_completed.send(
        exchange,
        community_id=exchange.community_id,
        requester_id=exchange.requester_id,
        helper_id=exchange.helper_id,
    )
    notify(
        exchange.helper_id,
        "skill_completed",
        community_id=exchange.community_id,
        link="/points",
        points=exchange.points,
    )
    return True


def _both_confirmed(exchange: SkillExchange) -> bool:
    row = db.session.execute(
        sa.select(SkillExchange.helper_confirmed_at, SkillExchange.requester_confirmed_at).where(
            SkillExchange.id == exchange.id
        )
    ).one()
    return row[0] is not None and row[1] is not None


def exchanges_of_listing(listing: SkillListing, viewer: Membership) -> list[SkillExchange]:
    """The author sees every response; anyone else only their own."""
    query = sa.select(SkillExchange).where(SkillExchange.listing_id == listing.id).order_by(SkillExchange.id)
    if listing.author_id != viewer.user_id:
        query = query.where(SkillExchange.responder_id == viewer.user_id)
    return list(db.session.scalars(query))


def close_listing(author: Membership, listing: SkillListing, is_open: bool = False) -> None:
    if listing.author_id != author.user_id:
        raise DomainError(_l("Only the author can close this."))
    listing.open = is_open
    db.session.flush()


def _exchange_listing_status_changed(listing: SkillListing, status: str) -> None:
    if status == ContentStatus.DELETED:
        listing.open = False
        for exchange in db.session.scalars(
            sa.select(SkillExchange).where(
                SkillExchange.listing_id == listing.id,
                SkillExchange.state.in_([ExchangeState.PROPOSED, ExchangeState.AGREED]),
            )
        ):
            was_agreed = exchange.state == ExchangeState.AGREED
            if (
                _exchange_transition(
                    exchange, [ExchangeState.PROPOSED, ExchangeState.AGREED], state=ExchangeState.CANCELLED
                )
                and was_agreed
                and exchange.points
            ):
                points.refund(
                    exchange.requester_id,
                    exchange.community_id,
                    exchange.points,
                    "skill_exchange_refund",
                    ("skill_exchange", exchange.id),
                )


register_kind(
    "skill",
    SkillListing,
    _l("Skill listing"),
    lambda item: url_for("boards.skill", listing_id=item.id),
    lambda item: item.title + " — " + plain_excerpt(item.body_html, 140),
    _exchange_listing_status_changed,
)
