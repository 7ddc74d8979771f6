"""Boards: posting and replying, topics, skill exchange, help-day needs, mutual-aid groups.

Residents' text goes through nh3 (moderation.richtext); new members' first posts wait for
approval (moderation.initial_status); points move through portal.points.services.
State changes are conditional UPDATEs so each happens once.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.boards.models import (
    AidGroup,
    Board,
    ExchangeState,
    GroupMember,
    HelpNeed,
    HelpOffer,
    NeedState,
    OfferState,
    Post,
    SkillExchange,
    SkillKind,
    SkillListing,
    Topic,
    need_tags,
    post_tags,
    skill_tags,
)
from portal.community.models import Membership, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import help_completed, skill_exchange_completed
from portal.moderation.models import ContentStatus
from portal.moderation.richtext import clean_html, plain_excerpt
from portal.moderation.services import (
    initial_status,
    is_moderator,
    notify_moderators_of_pending,
    register_kind,
    visible_clause,
)
from portal.neighbors.models import Tag
from portal.neighbors.tags import normalize_tag, tags_named
from portal.notifications.services import notify
from portal.points import services as points

PAGE_SIZE = 20
MAX_POINTS = 500


def _text(value: str, field: str, max_length: int, required: bool = True, label=None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(label or _l("This cannot be empty."), field)
    if len(value) > max_length:
        raise DomainError(_l("At most %(n)s characters.", n=max_length), field)
    return value


def _announce_pending(kind: str, item) -> None:
    if item.status == ContentStatus.PENDING:
        notify_moderators_of_pending(kind, item)


def local_today() -> date:
    return points.local_today()


# --- lists --------------------------------------------------------------------------------


def page_of(query, page: int, per_page: int = PAGE_SIZE):
    """(items, more) for page `page` of a query."""
    rows = list(db.session.scalars(query.offset((max(page, 1) - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def _tag_filter(query, model, association, tag: str):
    """Only items carrying the (normalised) tag."""
    name = normalize_tag(tag)
    if not name:
        return query, None
    return (
        query.where(
            sa.exists(
                sa.select(association.c.item_id)
                .join(Tag, Tag.id == association.c.tag_id)
                .where(association.c.item_id == model.id, Tag.name == name)
            )
        ),
        name,
    )


def posts_query(
    viewer: Membership, board: str, tag: str = "", topic_id: int | None = None, group_id: int | None = None
):
    query = (
        sa.select(Post)
        .where(
            Post.community_id == viewer.community_id,
            Post.board == board,
            Post.parent_id.is_(None),
            visible_clause(Post, viewer),
        )
        .order_by(Post.last_activity_at.desc(), Post.id.desc())
    )
    if topic_id:
        query = query.where(Post.topic_id == topic_id)
    if group_id:
        query = query.where(Post.group_id == group_id)
    query, _name = _tag_filter(query, Post, post_tags, tag)
    return query


def replies_of(viewer: Membership, post: Post) -> list[Post]:
    return list(
        db.session.scalars(
            sa.select(Post)
            .where(Post.parent_id == post.id, visible_clause(Post, viewer))
            .order_by(Post.created_at, Post.id)
        )
    )


# --- posts and replies --------------------------------------------------------------------


def create_post(
    author: Membership,
    board: str,
    title: str,
    body: str,
    tags: list[str] = (),
    topic: Topic | None = None,
    group: AidGroup | None = None,
) -> Post:
    """A new post on a board (pending approval for a new member's first posts)."""
    if board not in set(Board):
        raise DomainError(_l("Unknown board."))
    if board == Board.GROUP:
        if group is None or group.community_id != author.community_id:
            raise DomainError(_l("Unknown group."))
        if not is_group_member(group, author.user_id):
            raise DomainError(_l("Join the group to post on its board."))
    title = _text(
        title,
        "title",
        120,
        required=board != Board.GROUP and board != Board.NEWCOMERS,
        label=_l("Give your post a title."),
    )
    body = _text(body, "body", 5000, label=_l("Write something."))
    html = clean_html(body)
    if not plain_excerpt(html).strip():
        raise DomainError(_l("Write something."), "body")
    now = utcnow()
    post = Post(
        community_id=author.community_id,
        board=board,
        author_id=author.user_id,
        title=title,
        body=body,
        body_html=html,
        topic_id=topic.id if topic is not None and board == Board.CHAT else None,
        group_id=group.id if group is not None else None,
        status=initial_status(author),
        created_at=now,
        last_activity_at=now,
    )
    post.tags = tags_named(list(tags))
    db.session.add(post)
    db.session.flush()
    _announce_pending("post", post)
    return post


def reply(author: Membership, post: Post, body: str) -> Post:
    """A reply under a visible post; the post rises to the top of its board."""
    if post.parent_id is not None or post.status != ContentStatus.VISIBLE:
        raise DomainError(_l("You cannot reply to this."))
    if post.board == Board.GROUP and post.group_id:
        group = db.session.get(AidGroup, post.group_id)
        if not is_group_member(group, author.user_id):
            raise DomainError(_l("Join the group to reply."))
    body = _text(body, "body", 2000, label=_l("Write something."))
    html = clean_html(body)
    if not plain_excerpt(html).strip():
        raise DomainError(_l("Write something."), "body")
    now = utcnow()
    answer = Post(
        community_id=post.community_id,
        board=post.board,
        group_id=post.group_id,
        parent_id=post.id,
        author_id=author.user_id,
        body=body,
        body_html=html,
        status=initial_status(author),
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(answer)
    db.session.flush()
    if answer.status == ContentStatus.VISIBLE:
        _count_reply(post)
        if post.author_id != author.user_id:
            notify(
                post.author_id,
                "board_reply",
                community_id=post.community_id,
                link=url_for("boards.post", post_id=post.id),
            )
    _announce_pending("post", answer)
    return answer


def _count_reply(post: Post, delta: int = 1) -> None:
    values = {"reply_count": Post.reply_count + delta}
    if delta > 0:
        values["last_activity_at"] = utcnow()
    db.session.execute(
        sa.update(Post)
        .where(Post.id == post.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(post)


def _post_status_changed(item: Post, status: str) -> None:
    """Replies count on their post only while visible."""
    if item.parent_id is None:
        return
    parent = db.session.get(Post, item.parent_id)
    visible = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Post)
        .where(Post.parent_id == parent.id, Post.status == ContentStatus.VISIBLE)
    )
    db.session.execute(sa.update(Post).where(Post.id == parent.id).values(reply_count=visible))


def welcomed_ids(community_id: int, post_ids, ambassador_user_ids) -> set[int]:
    """Newcomer posts an ambassador has replied to."""
    if not post_ids or not ambassador_user_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Post.parent_id).where(
                Post.community_id == community_id,
                Post.parent_id.in_(list(post_ids)),
                Post.author_id.in_(list(ambassador_user_ids)),
                Post.status == ContentStatus.VISIBLE,
            )
        )
    )


# --- topics (邻里闲聊) ----------------------------------------------------------------------


def create_topic(by: Membership, title: str, prompt: str, pin_days: int = 7) -> Topic:
    """A volunteer or admin starts a topic, pinned on top of the chat board for a week."""
    if not is_moderator(by):
        raise DomainError(_l("Volunteers and admins start topics."))
    topic = Topic(
        community_id=by.community_id,
        title=_text(title, "title", 80, label=_l("Give the topic a title.")),
        prompt=_text(prompt, "prompt", 300, required=False),
        pinned_until=local_today() + timedelta(days=max(0, pin_days) - 1) if pin_days else None,
        created_by_id=by.user_id,
    )
    db.session.add(topic)
    db.session.flush()
    return topic


def unpin_topic(by: Membership, topic: Topic) -> None:
    if not is_moderator(by):
        raise DomainError(_l("Volunteers and admins pin topics."))
    topic.pinned_until = None
    db.session.flush()


def pinned_topics(community_id: int) -> list[Topic]:
    return list(
        db.session.scalars(
            sa.select(Topic)
            .where(Topic.community_id == community_id, Topic.pinned_until >= local_today())
            .order_by(Topic.created_at.desc())
        )
    )


def recent_topics(community_id: int, limit: int = 20) -> list[Topic]:
    return list(
        db.session.scalars(
            sa.select(Topic).where(Topic.community_id == community_id).order_by(Topic.id.desc()).limit(limit)
        )
    )


# --- skill exchange (技能交换) ---------------------------------------------------------------


def _points_value(value, field: str = "points") -> int:
    if value is None or value == "":
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("Points are a whole number."), field) from None
    if not 0 <= number <= MAX_POINTS:
        raise DomainError(_l("Between 0 and %(n)s points.", n=MAX_POINTS), field)
    return number


def create_listing(
    author: Membership, kind: str, title: str, body: str, tags: list[str], points_value
) -> SkillListing:
    """An offer ("I can…") or a request ("who can…?") with skill tags and the points for one exchange."""
    if kind not in set(SkillKind):
        raise DomainError(_l("Offer or request?"), "kind")
    if not tags:
        raise DomainError(_l("Add at least one skill tag."), "tags")
    amount = _points_value(points_value)
    if kind == SkillKind.REQUEST and amount > points.balance(author.user_id, author.community_id):
        raise DomainError(_l("You do not have that many points."), "points")
    body = _text(body, "body", 2000, required=False)
    listing = SkillListing(
        community_id=author.community_id,
        author_id=author.user_id,
        kind=kind,
        title=_text(title, "title", 120, label=_l("Say what the skill is.")),
        body=body,
        body_html=clean_html(body),
        points=amount,
        status=initial_status(author),
    )
    listing.tags = tags_named(list(tags))
    db.session.add(listing)
    db.session.flush()
    _announce_pending("skill", listing)
    return listing


def listings_query(viewer: Membership, kind: str = "", tag: str = ""):
    query = (
        sa.select(SkillListing)
        .where(SkillListing.community_id == viewer.community_id, visible_clause(SkillListing, viewer))
        .order_by(SkillListing.open.desc(), SkillListing.created_at.desc(), SkillListing.id.desc())
    )
    if kind in set(SkillKind):
        query = query.where(SkillListing.kind == kind)
    query, _name = _tag_filter(query, SkillListing, skill_tags, tag)
    return query


def respond(responder: Membership, listing: SkillListing, message: str) -> SkillExchange:
    """Answer a listing: for an offer I become the requester, for a request the helper."""
    if listing.status != ContentStatus.VISIBLE or not listing.open:
        raise DomainError(_l("This listing is closed."))
    if listing.author_id == responder.user_id:
        raise DomainError(_l("This is your own listing."))
    active = db.session.scalar(
        sa.select(SkillExchange.id).where(
            SkillExchange.listing_id == listing.id,
            SkillExchange.responder_id == responder.user_id,
            SkillExchange.state.in_([ExchangeState.PROPOSED, ExchangeState.AGREED]),
        )
    )
    if active:
        raise DomainError(_l("You responded already."))
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
        message=_text(message, "message", 300, label=_l("Say a few words to your neighbour.")),
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


# --- help-day needs (互助日) ----------------------------------------------------------------


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
    if needed_on < local_today():
        raise DomainError(_l("The day has passed."), "needed_on")
    if needed_on > local_today() + timedelta(days=365):
        raise DomainError(_l("At most a year ahead."), "needed_on")
    amount = _points_value(bounty, "bounty")
    if amount > points.balance(author.user_id, author.community_id):
        raise DomainError(_l("You do not have that many points."), "bounty")
    details = _text(details, "details", 2000, required=False)
    need = HelpNeed(
        community_id=author.community_id,
        author_id=author.user_id,
        what=_text(what, "what", 120, label=_l("Say what you need.")),
        details=details,
        details_html=clean_html(details),
        needed_on=needed_on,
        time_note=_text(time_note, "time_note", 40, required=False),
        place=_text(place, "place", 80, required=False),
        bounty=amount,
        status=initial_status(author),
    )
    need.tags = tags_named(list(tags))
    db.session.add(need)
    db.session.flush()
    _announce_pending("need", need)
    return need


def needs_query(viewer: Membership, tag: str = "", state: str = "open", day: date | None = None):
    query = sa.select(HelpNeed).where(
        HelpNeed.community_id == viewer.community_id, visible_clause(HelpNeed, viewer)
    )
    if state == "open":
        query = query.where(HelpNeed.state == NeedState.OPEN, HelpNeed.needed_on >= local_today())
    elif state == "mine":
        query = query.where(
            sa.or_(HelpNeed.author_id == viewer.user_id, HelpNeed.helper_id == viewer.user_id)
        )
    elif state in set(NeedState):
        query = query.where(HelpNeed.state == state)
    if day is not None:
        query = query.where(HelpNeed.needed_on == day)
    query, _name = _tag_filter(query, HelpNeed, need_tags, tag)
    return query.order_by(HelpNeed.needed_on, HelpNeed.id)


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
    message = _text(message, "message", 300, required=False)
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


def my_offer(need: HelpNeed, user_id: int) -> HelpOffer | None:
    return next((o for o in need.offers if o.helper_id == user_id), None)


# --- mutual-aid groups (互助小组) -------------------------------------------------------------


def create_group(by: Membership, name: str, description: str, icon: str = "🤝") -> AidGroup:
    """Volunteers and admins start a mutual-aid group (老人照护, 宠物互助…)."""
    if not (is_moderator(by)):
        raise DomainError(_l("Volunteers and admins start groups."))
    name = _text(name, "name", 40, label=_l("Name the group."))
    if db.session.scalar(
        sa.select(AidGroup.id).where(AidGroup.community_id == by.community_id, AidGroup.name == name)
    ):
        raise DomainError(_l("A group with this name exists."), "name")
    group = AidGroup(
        community_id=by.community_id,
        name=name,
        description=_text(description, "description", 300, required=False),
        icon=(icon or "🤝")[:8],
        created_by_id=by.user_id,
    )
    db.session.add(group)
    db.session.flush()
    join_group(by, group)
    return group


def groups(community_id: int) -> list[tuple[AidGroup, int]]:
    counts = (
        sa.select(GroupMember.group_id, sa.func.count().label("n")).group_by(GroupMember.group_id).subquery()
    )
    rows = db.session.execute(
        sa.select(AidGroup, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.group_id == AidGroup.id)
        .where(AidGroup.community_id == community_id)
        .order_by(AidGroup.name)
    ).all()
    return [(g, n) for g, n in rows]


def is_group_member(group: AidGroup | None, user_id: int) -> bool:
    if group is None:
        return False
    return db.session.get(GroupMember, (group.id, user_id)) is not None


def my_group_ids(community_id: int, user_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(GroupMember.group_id)
            .join(AidGroup, AidGroup.id == GroupMember.group_id)
            .where(GroupMember.user_id == user_id, AidGroup.community_id == community_id)
        )
    )


def join_group(member: Membership, group: AidGroup) -> bool:
    """Join (a second join does nothing); True when joined now."""
    if group.community_id != member.community_id:
        raise DomainError(_l("Unknown group."))
    if is_group_member(group, member.user_id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(GroupMember(group_id=group.id, user_id=member.user_id))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def leave_group(member: Membership, group: AidGroup) -> bool:
    result = db.session.execute(
        sa.delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == member.user_id)
    )
    return result.rowcount > 0


def group_members(group: AidGroup) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(GroupMember, GroupMember.user_id == Membership.user_id)
            .where(GroupMember.group_id == group.id, Membership.community_id == group.community_id)
            .order_by(GroupMember.joined_at)
        )
    )


# --- moderation: what the boards register --------------------------------------------------


def _post_link(post: Post) -> str:
    return url_for("boards.post", post_id=post.parent_id or post.id)


def _post_preview(post: Post) -> str:
    return (post.title + " — " if post.title else "") + plain_excerpt(post.body_html, 160)


register_kind("post", Post, _l("Board post"), _post_link, _post_preview, _post_status_changed)
register_kind(
    "skill",
    SkillListing,
    _l("Skill listing"),
    lambda item: url_for("boards.skill", listing_id=item.id),
    lambda item: item.title + " — " + plain_excerpt(item.body_html, 140),
    _exchange_listing_status_changed,
)
register_kind(
    "need",
    HelpNeed,
    _l("Help need"),
    lambda item: url_for("boards.need", need_id=item.id),
    lambda item: item.what + " — " + plain_excerpt(item.details_html, 140),
    _need_status_changed,
)


def author_is_volunteer(membership: Membership | None) -> bool:
    return membership is not None and membership.has(Role.VOLUNTEER)
