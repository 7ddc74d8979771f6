"""What a person wrote and did on the boards: posts, skill listings and exchanges, help needs
and offers, mutual-aid groups. The other side of an exchange or a help is not named.

Deleting the account keeps what they wrote (shown by "Former resident", the privacy rule's label
for a deleted account), closes what they left open and takes them out of every group. An agreed
exchange or an accepted help holds points: it must be finished or cancelled first.
"""

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from portal.boards.models import (
    AidGroup,
    ExchangeState,
    GroupMember,
    HelpNeed,
    HelpOffer,
    NeedState,
    OfferState,
    Post,
    SkillExchange,
    SkillListing,
)
from portal.core.db import db
from portal.core.personal_data import Blocker, columns, latest


def _exchanges_of(user):
    return (
        sa.select(SkillExchange, SkillListing.title)
        .join(SkillListing, SkillListing.id == SkillExchange.listing_id)
        .where(
            sa.or_(
                SkillExchange.responder_id == user.id,
                SkillExchange.helper_id == user.id,
                SkillExchange.requester_id == user.id,
            )
        )
    )


def export(user, limit: int | None = None) -> dict:
    posts = db.session.scalars(latest(sa.select(Post).where(Post.author_id == user.id), Post.id, limit))
    listings = db.session.scalars(
        latest(sa.select(SkillListing).where(SkillListing.author_id == user.id), SkillListing.id, limit)
    )
    exchanges = db.session.execute(latest(_exchanges_of(user), SkillExchange.id, limit))
    needs = db.session.scalars(
        latest(sa.select(HelpNeed).where(HelpNeed.author_id == user.id), HelpNeed.id, limit)
    )
    offers = db.session.execute(
        latest(
            sa.select(HelpOffer, HelpNeed.what)
            .join(HelpNeed, HelpNeed.id == HelpOffer.need_id)
            .where(HelpOffer.helper_id == user.id),
            HelpOffer.id,
            limit,
        )
    )
    groups = db.session.execute(
        sa.select(GroupMember, AidGroup.name)
        .join(AidGroup, AidGroup.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id)
        .order_by(GroupMember.joined_at)
    )
    return {
        "posts": [
            {**columns(p, "id", "board", "title", "body", "status", "created_at"), "reply_to": p.parent_id}
            for p in posts
        ],
        "skill_listings": [
            columns(s, "id", "kind", "title", "body", "points", "open", "status", "created_at")
            for s in listings
        ],
        "skill_exchanges": [
            {
                "listing": title,
                "my_part": "helper" if e.helper_id == user.id else "requester",
                **columns(e, "message", "points", "state", "created_at", "completed_at"),
            }
            for e, title in exchanges
        ],
        "help_needs": [
            columns(
                n, "id", "what", "details", "needed_on", "place", "bounty", "state", "status", "created_at"
            )
            for n in needs
        ],
        "help_offers": [{"need": what, **columns(o, "message", "state", "created_at")} for o, what in offers],
        "groups": [{"group": name, **columns(g, "joined_at")} for g, name in groups],
    }


def blockers(user) -> list[Blocker]:
    """Points held for someone: an agreed skill exchange, an accepted help need (either side)."""
    found = []
    for exchange, title in db.session.execute(
        _exchanges_of(user).where(SkillExchange.state == ExchangeState.AGREED).order_by(SkillExchange.id)
    ):
        found.append(
            Blocker(
                _(
                    "The skill exchange “%(title)s” is agreed and holds points: confirm or cancel it first.",
                    title=title,
                ),
                url_for("boards.skill", listing_id=exchange.listing_id),
            )
        )
    for need in db.session.scalars(
        sa.select(HelpNeed)
        .where(
            HelpNeed.state == NeedState.ACCEPTED,
            sa.or_(HelpNeed.author_id == user.id, HelpNeed.helper_id == user.id),
        )
        .order_by(HelpNeed.id)
    ):
        found.append(
            Blocker(
                _(
                    "The help “%(what)s” is accepted and waits to be completed or cancelled.",
                    what=need.what,
                ),
                url_for("boards.need", need_id=need.id),
            )
        )
    return found


def erase(user) -> None:
    """Posts, listings and needs stay (their author reads "Former resident"); open listings
    close, open needs are cancelled, proposed exchanges and offers withdrawn, groups left."""
    db.session.execute(
        sa.update(SkillListing)
        .where(SkillListing.author_id == user.id, SkillListing.open.is_(True))
        .values(open=False)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.update(SkillExchange)
        .where(
            SkillExchange.state == ExchangeState.PROPOSED,
            sa.or_(
                SkillExchange.responder_id == user.id,
                SkillExchange.helper_id == user.id,
                SkillExchange.requester_id == user.id,
            ),
        )
        .values(state=ExchangeState.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    open_needs = sa.select(HelpNeed.id).where(HelpNeed.author_id == user.id, HelpNeed.state == NeedState.OPEN)
    db.session.execute(
        sa.update(HelpOffer)
        .where(HelpOffer.need_id.in_(open_needs), HelpOffer.state == OfferState.OFFERED)
        .values(state=OfferState.DECLINED)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.update(HelpNeed)
        .where(HelpNeed.author_id == user.id, HelpNeed.state == NeedState.OPEN)
        .values(state=NeedState.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.update(HelpOffer)
        .where(HelpOffer.helper_id == user.id, HelpOffer.state == OfferState.OFFERED)
        .values(state=OfferState.WITHDRAWN)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(sa.delete(GroupMember).where(GroupMember.user_id == user.id))
