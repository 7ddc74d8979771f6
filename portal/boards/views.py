"""Board pages: the hub, chat with topics, newcomers, skill exchange, help days, groups.

Posting and replying are htmx forms that update in place: a successful post answers with a
fresh form plus the new item swapped out-of-band into the list.
"""

from datetime import date

from flask import abort, current_app, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.boards import bp
from portal.boards import services as boards
from portal.boards.forms import (
    GroupForm,
    ListingForm,
    NeedForm,
    OfferForm,
    PostForm,
    ReplyForm,
    RespondForm,
    TopicForm,
)
from portal.boards.models import (
    AidGroup,
    Board,
    ExchangeState,
    HelpNeed,
    HelpOffer,
    NeedState,
    Post,
    SkillExchange,
    SkillListing,
    Topic,
)
from portal.core.access import current_membership, get_in_community
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.extensions import limiter
from portal.moderation.models import ContentStatus
from portal.moderation.richtext import plain_excerpt, rich
from portal.moderation.services import can_view, is_moderator
from portal.neighbors.access import people_required
from portal.neighbors.services import ambassadors, people_for_users, person_views, recent_newcomers
from portal.neighbors.tags import parse_tags
from portal.points.services import balance


def user_rate_key() -> str:
    return f"user:{current_user.get_id() or request.remote_addr}"


def posting_limit() -> str:
    return current_app.config.get("POST_RATE_LIMIT", "6 per minute;60 per day")


posting = limiter.shared_limit(posting_limit, scope="board-posting", key_func=user_rate_key)


@bp.errorhandler(429)
def too_fast(error):
    """Posting too fast: say so beside the form (htmx), or as a page."""
    message = _("You are posting too fast. Please wait a little and try again.")
    if wants_fragment():
        response = make_response(f'<p class="form-error" role="alert">{message}</p>', 429)
        response.headers["HX-Retarget"] = "#board-flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    from portal.core.errors import error_response

    return error_response(429)


@bp.app_template_filter("rich")
def rich_filter(html: str):
    return rich(html)


@bp.app_template_filter("excerpt")
def excerpt_filter(html: str, length: int = 120) -> str:
    return plain_excerpt(html, length)


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 1000))
    except ValueError:
        return 1


def _tag_arg() -> str:
    return request.args.get("tag", "").strip()[:40]


def _people(items, *extra_user_ids):
    """Author labels as the viewer may see them, for a list of items."""
    me = current_membership()
    ids = [getattr(i, "author_id", None) for i in items] + list(extra_user_ids)
    return people_for_users(me, me.community_id, ids)


def _visible_or_404(item):
    if not can_view(item, current_membership()):
        abort(404)
    return item


def _context(**extra):
    me = current_membership()
    return dict(me=me, moderator=is_moderator(me), ContentStatus=ContentStatus, **extra)


def _domain_error(form, error: DomainError):
    db.session.rollback()
    attach_error(form, error)


# --- the hub ------------------------------------------------------------------------------


@bp.get("/boards")
@people_required
def index():
    """All the boards at a glance: latest chat, open help needs, skills, groups."""
    me = current_membership()
    chat, _more = boards.page_of(boards.posts_query(me, Board.CHAT), 1, 3)
    needs, _more = boards.page_of(boards.needs_query(me), 1, 3)
    skills, _more = boards.page_of(boards.listings_query(me), 1, 3)
    return render(
        "boards/index.html",
        **_context(
            chat=chat,
            needs=needs,
            skills=skills,
            topics=boards.pinned_topics(me.community_id),
            groups=boards.groups(me.community_id),
            people=_people([*chat, *needs, *skills]),
        ),
    )


# --- chat (邻里闲聊) and newcomers (新邻居报到) -----------------------------------------------


def _list_context(board: str, group: AidGroup | None = None):
    me = current_membership()
    page, tag = _page(), _tag_arg()
    topic = None
    topic_id = request.args.get("topic", type=int)
    if topic_id:
        topic = db.session.get(Topic, topic_id)
        if topic is None or topic.community_id != me.community_id:
            abort(404)
    query = boards.posts_query(me, board, tag, topic.id if topic else None, group.id if group else None)
    posts, more = boards.page_of(query, page)
    context = _context(
        board=board,
        posts=posts,
        more=more,
        page=page,
        tag=tag,
        topic=topic,
        group=group,
        people=_people(posts),
    )
    if board == Board.NEWCOMERS:
        ambassador_ids = {m.user_id for m in ambassadors(me.community_id)}
        context.update(
            welcomed=boards.welcomed_ids(me.community_id, [p.id for p in posts], ambassador_ids),
            is_ambassador=me.user_id in ambassador_ids,
        )
        if me.user_id in ambassador_ids:
            newcomers = recent_newcomers(me.community_id)
            context["newcomers"] = list(person_views(me, newcomers).values())
    return context


def _post_form(topic=None) -> PostForm:
    return PostForm(formdata=None, topic_id=topic.id if topic else None)


def _chat_page(block="posts", status=200, **over):
    me = current_membership()
    context = _list_context(Board.CHAT)
    context.update(
        form=_post_form(context["topic"]),
        topic_form=TopicForm(formdata=None),
        pinned=boards.pinned_topics(me.community_id),
        topics=boards.recent_topics(me.community_id),
    )
    context.update(over)
    return render("boards/chat.html", block, status=status, **context)


def _newcomers_page(block="posts", status=200, **over):
    context = _list_context(Board.NEWCOMERS)
    context.update(form=_post_form())
    context.update(over)
    return render("boards/newcomers.html", block, status=status, **context)


@bp.get("/boards/chat")
@people_required
def chat():
    """邻里闲聊: pinned weekly topics on top, then posts; filter by tag or topic."""
    return _chat_page()


def _create_post(board: str, page, group: AidGroup | None = None):
    """Shared by the chat, newcomers and group boards: the form back, fresh or with its errors."""
    me = current_membership()
    form = PostForm()
    topic = None
    if form.topic_id.data and board == Board.CHAT:
        topic = db.session.get(Topic, form.topic_id.data)
        if topic is None or topic.community_id != me.community_id:
            topic = None
    if not form.validate():
        return page("post_form", 422, form=form)
    try:
        tags = parse_tags(form.tags.data, limit=5, field="tags")
        post = boards.create_post(me, board, form.title.data or "", form.body.data, tags, topic, group)
    except DomainError as error:
        _domain_error(form, error)
        return page("post_form", 422, form=form)
    db.session.commit()
    if not wants_fragment():
        return redirect_to(
            request.path if board != Board.CHAT or not topic else url_for("boards.chat", topic=topic.id)
        )
    return page("post_form", 200, form=_post_form(topic), created=post, people=_people([post]))


@bp.post("/boards/chat")
@people_required
@posting
def chat_post():
    """Post on the chat board (a new member's first posts wait for approval)."""
    return _create_post(Board.CHAT, _chat_page)


@bp.get("/boards/newcomers")
@people_required
def newcomers():
    """新邻居报到: newcomers introduce themselves; ambassadors welcome them."""
    return _newcomers_page()


@bp.post("/boards/newcomers")
@people_required
@posting
def newcomers_post():
    """Introduce myself on the newcomers board."""
    return _create_post(Board.NEWCOMERS, _newcomers_page)


def _post_page(item: Post, block=None, status=200, **over):
    me = current_membership()
    group = db.session.get(AidGroup, item.group_id) if item.group_id else None
    if group is not None and not (boards.is_group_member(group, me.user_id) or is_moderator(me)):
        abort(404)
    replies = boards.replies_of(me, item)
    ambassador_ids = (
        {m.user_id for m in ambassadors(me.community_id)} if item.board == Board.NEWCOMERS else set()
    )
    context = _context(
        post=item,
        replies=replies,
        people=_people([item, *replies]),
        form=ReplyForm(formdata=None),
        group=group,
        ambassador_ids=ambassador_ids,
    )
    context.update(over)
    return render("boards/post.html", block, status=status, **context)


@bp.get("/boards/posts/<int:post_id>")
@people_required
def post(post_id: int):
    """A post with its replies (a reply's address leads to its post)."""
    item = _visible_or_404(get_in_community(Post, post_id))
    if item.parent_id is not None:
        return redirect_to(url_for("boards.post", post_id=item.parent_id) + f"#post-{item.id}")
    return _post_page(item)


@bp.post("/boards/posts/<int:post_id>/replies")
@people_required
@posting
def post_reply(post_id: int):
    """Reply under a post; the reply appears in place."""
    me = current_membership()
    item = _visible_or_404(get_in_community(Post, post_id))
    if item.parent_id is not None:
        abort(404)
    form = ReplyForm()
    if not form.validate():
        return _post_page(item, "reply_form", 422, form=form)
    try:
        answer = boards.reply(me, item, form.body.data)
    except DomainError as error:
        _domain_error(form, error)
        return _post_page(item, "reply_form", 422, form=form)
    db.session.commit()
    if not wants_fragment():
        return redirect_to(url_for("boards.post", post_id=item.id) + f"#post-{answer.id}")
    return _post_page(item, "reply_form", created=answer, people=_people([item, answer]))


@bp.post("/boards/topics")
@people_required
def topic_create():
    """A volunteer or admin starts a weekly topic, pinned on the chat board."""
    me = current_membership()
    if not is_moderator(me):
        abort(403)
    form = TopicForm()
    if not form.validate():
        return _chat_page("topic_form", 422, topic_form=form)
    try:
        boards.create_topic(
            me,
            form.title.data,
            form.prompt.data or "",
            form.pin_days.data if form.pin_days.data is not None else 7,
        )
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _chat_page("topic_form", 422, topic_form=form)
    db.session.commit()
    return redirect_to(url_for("boards.chat"))


@bp.post("/boards/topics/<int:topic_id>/unpin")
@people_required
def topic_unpin(topic_id: int):
    """Take a topic off the top of the chat board."""
    me = current_membership()
    topic = get_in_community(Topic, topic_id)
    if not is_moderator(me):
        abort(403)
    boards.unpin_topic(me, topic)
    db.session.commit()
    return redirect_to(url_for("boards.chat"))


# --- skill exchange (技能交换) ---------------------------------------------------------------


def _skills_page(block="listings", status=200, **over):
    me = current_membership()
    page, tag, kind = _page(), _tag_arg(), request.args.get("kind", "")
    listings, more = boards.page_of(boards.listings_query(me, kind, tag), page)
    context = _context(
        listings=listings,
        more=more,
        page=page,
        tag=tag,
        kind=kind,
        people=_people(listings),
        form=ListingForm(formdata=None),
    )
    context.update(over)
    return render("boards/skills.html", block, status=status, **context)


@bp.get("/boards/skills")
@people_required
def skills():
    """技能交换: offers and requests with skill tags; filter by tag or kind."""
    return _skills_page()


@bp.post("/boards/skills")
@people_required
@posting
def skill_create():
    """Offer a skill or ask for one."""
    me = current_membership()
    form = ListingForm()
    if not form.validate():
        return _skills_page("listing_form", 422, form=form)
    try:
        tags = parse_tags(form.tags.data, limit=5, field="tags")
        listing = boards.create_listing(
            me, form.kind.data, form.title.data, form.body.data or "", tags, form.points.data
        )
    except DomainError as error:
        _domain_error(form, error)
        return _skills_page("listing_form", 422, form=form)
    db.session.commit()
    if not wants_fragment():
        return redirect_to(url_for("boards.skill", listing_id=listing.id))
    return _skills_page(
        "listing_form", form=ListingForm(formdata=None), created=listing, people=_people([listing])
    )


def _skill_page(listing: SkillListing, status=200, form=None, problem=None):
    me = current_membership()
    exchanges = boards.exchanges_of_listing(listing, me)
    user_ids = [listing.author_id] + [e.responder_id for e in exchanges]
    return render(
        "boards/skill.html",
        "skill",
        status=status,
        **_context(
            listing=listing,
            exchanges=exchanges,
            people=_people([], *user_ids),
            form=form or RespondForm(formdata=None),
            problem=problem,
            ExchangeState=ExchangeState,
            can_respond=listing.open
            and listing.status == ContentStatus.VISIBLE
            and listing.author_id != me.user_id
            and not any(
                e.state in (ExchangeState.PROPOSED, ExchangeState.AGREED)
                for e in exchanges
                if e.responder_id == me.user_id
            ),
            balance=balance(me.user_id, me.community_id),
        ),
    )


@bp.get("/boards/skills/<int:listing_id>")
@people_required
def skill(listing_id: int):
    """A listing with its exchanges: respond, agree, confirm."""
    return _skill_page(_visible_or_404(get_in_community(SkillListing, listing_id)))


@bp.post("/boards/skills/<int:listing_id>/respond")
@people_required
@posting
def skill_respond(listing_id: int):
    """Respond to an offer or a request."""
    listing = _visible_or_404(get_in_community(SkillListing, listing_id))
    form = RespondForm()
    if not form.validate():
        return _skill_page(listing, 422, form)
    try:
        boards.respond(current_membership(), listing, form.message.data)
    except DomainError as error:
        _domain_error(form, error)
        return _skill_page(listing, 422, form)
    db.session.commit()
    return _skill_page(listing)


@bp.post("/boards/skills/<int:listing_id>/<any(close, reopen):action>")
@people_required
def skill_close(listing_id: int, action: str):
    """The author closes (or reopens) a listing."""
    listing = _visible_or_404(get_in_community(SkillListing, listing_id))
    if listing.author_id != current_user.id:
        abort(403)
    boards.close_listing(current_membership(), listing, is_open=action == "reopen")
    db.session.commit()
    return _skill_page(listing)


@bp.post("/boards/exchanges/<int:exchange_id>/<any(agree, decline, confirm, cancel):action>")
@people_required
def exchange_action(exchange_id: int, action: str):
    """Agree to / decline a response, confirm it happened, or call it off."""
    me = current_membership()
    exchange = get_in_community(SkillExchange, exchange_id)
    if me.user_id not in (exchange.helper_id, exchange.requester_id):
        abort(404)
    listing = exchange.listing
    try:
        {
            "agree": boards.agree,
            "decline": boards.decline,
            "confirm": boards.confirm,
            "cancel": boards.cancel_exchange,
        }[action](me, exchange)
    except DomainError as error:
        db.session.rollback()
        return _skill_page(listing, 422, problem=error.message)
    db.session.commit()
    return _skill_page(listing)


# --- help days (互助日) ---------------------------------------------------------------------


def _day_arg() -> date | None:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None


def _help_page(block="needs", status=200, **over):
    me = current_membership()
    page, tag, day = _page(), _tag_arg(), _day_arg()
    state = request.args.get("state", "open")
    if state not in ("open", "mine", "completed"):
        state = "open"
    needs, more = boards.page_of(boards.needs_query(me, tag, state, day), page)
    form = NeedForm(formdata=None, needed_on=day or boards.local_today())
    context = _context(
        needs=needs,
        more=more,
        page=page,
        tag=tag,
        day=day,
        state=state,
        form=form,
        people=_people(needs),
        balance=balance(me.user_id, me.community_id),
    )
    context.update(over)
    return render("boards/help.html", block, status=status, **context)


@bp.get("/boards/help")
@people_required
def help_needs():
    """互助日: needs by day; offer help; filter by tag, day, or my own."""
    return _help_page()


@bp.post("/boards/help")
@people_required
@posting
def need_create():
    """Post a need: what, when, where, optional points bounty."""
    me = current_membership()
    form = NeedForm()
    if not form.validate():
        return _help_page("need_form", 422, form=form)
    try:
        tags = parse_tags(form.tags.data, limit=5, field="tags")
        need = boards.create_need(
            me,
            form.what.data,
            form.details.data or "",
            form.needed_on.data,
            form.time_note.data or "",
            form.place.data or "",
            form.bounty.data,
            tags,
        )
    except DomainError as error:
        _domain_error(form, error)
        return _help_page("need_form", 422, form=form)
    db.session.commit()
    if not wants_fragment():
        return redirect_to(url_for("boards.need", need_id=need.id))
    return _help_page(
        "need_form",
        form=NeedForm(formdata=None, needed_on=boards.local_today()),
        created=need,
        people=_people([need]),
        balance=balance(me.user_id, me.community_id),
    )


def _need_page(need: HelpNeed, status=200, form=None, problem=None):
    me = current_membership()
    offers = (
        need.offers if need.author_id == me.user_id else [o for o in need.offers if o.helper_id == me.user_id]
    )
    helper_ids = [o.helper_id for o in offers] + ([need.helper_id] if need.helper_id else [])
    mine = boards.my_offer(need, me.user_id)
    return render(
        "boards/need.html",
        "need",
        status=status,
        **_context(
            need=need,
            offers=offers,
            offer_count=len([o for o in need.offers if o.state == "offered"]),
            people=_people([need], *helper_ids),
            form=form or OfferForm(formdata=None),
            problem=problem,
            mine=mine,
            NeedState=NeedState,
            can_offer=need.state == NeedState.OPEN
            and need.status == ContentStatus.VISIBLE
            and need.author_id != me.user_id
            and (mine is None or mine.state == "withdrawn"),
        ),
    )


@bp.get("/boards/help/<int:need_id>")
@people_required
def need(need_id: int):
    """A help need: offers (the asker sees them all), accept one, confirm completion."""
    return _need_page(_visible_or_404(get_in_community(HelpNeed, need_id)))


@bp.post("/boards/help/<int:need_id>/offer")
@people_required
@posting
def need_offer(need_id: int):
    """Offer to help."""
    need = _visible_or_404(get_in_community(HelpNeed, need_id))
    form = OfferForm()
    if not form.validate():
        return _need_page(need, 422, form)
    try:
        boards.offer_help(current_membership(), need, form.message.data or "")
    except DomainError as error:
        _domain_error(form, error)
        return _need_page(need, 422, form)
    db.session.commit()
    return _need_page(need)


@bp.post("/boards/help/offers/<int:offer_id>/<any(accept, withdraw):action>")
@people_required
def offer_action(offer_id: int, action: str):
    """The asker accepts an offer; the helper may withdraw theirs."""
    me = current_membership()
    offer = get_in_community(HelpOffer, offer_id)
    need = offer.need
    if me.user_id not in (need.author_id, offer.helper_id):
        abort(404)
    try:
        if action == "accept":
            boards.accept_offer(me, offer)
        else:
            boards.withdraw_offer(me, offer)
    except DomainError as error:
        db.session.rollback()
        return _need_page(need, 422, problem=error.message)
    db.session.commit()
    return _need_page(need)


@bp.post("/boards/help/<int:need_id>/<any(complete, cancel):action>")
@people_required
def need_action(need_id: int, action: str):
    """The asker confirms the help happened (points go to the helper) or calls the need off."""
    me = current_membership()
    need = _visible_or_404(get_in_community(HelpNeed, need_id))
    if need.author_id != me.user_id:
        abort(403)
    try:
        if action == "complete":
            boards.complete_need(me, need)
        else:
            boards.cancel_need(me, need)
    except DomainError as error:
        db.session.rollback()
        return _need_page(need, 422, problem=error.message)
    db.session.commit()
    return _need_page(need)


# --- mutual-aid groups (互助小组) -------------------------------------------------------------


def _groups_page(block="groups", status=200, **over):
    me = current_membership()
    context = _context(
        groups=boards.groups(me.community_id),
        mine=boards.my_group_ids(me.community_id, me.user_id),
        form=GroupForm(formdata=None),
    )
    context.update(over)
    return render("boards/groups.html", block, status=status, **context)


@bp.get("/boards/groups")
@people_required
def groups():
    """互助小组: join a group to read and post on its board."""
    return _groups_page()


@bp.post("/boards/groups")
@people_required
def group_create():
    """Volunteers and admins start a group."""
    me = current_membership()
    if not is_moderator(me):
        abort(403)
    form = GroupForm()
    if not form.validate():
        return _groups_page(status=422, form=form)
    try:
        group = boards.create_group(me, form.name.data, form.description.data or "", form.icon.data or "🤝")
    except DomainError as error:
        _domain_error(form, error)
        return _groups_page(status=422, form=form)
    db.session.commit()
    return redirect_to(url_for("boards.group", group_id=group.id))


def _group_page(group: AidGroup, block="posts", status=200, **over):
    me = current_membership()
    member = boards.is_group_member(group, me.user_id)
    if member or is_moderator(me):
        context = _list_context(Board.GROUP, group)
    else:
        context = _context(posts=[], more=False, page=1, tag="", topic=None, board=Board.GROUP, people={})
    context.update(
        group=group,
        member=member,
        form=_post_form(),
        members=list(person_views(me, boards.group_members(group)).values()),
    )
    context.update(over)
    return render("boards/group.html", block, status=status, **context)


@bp.get("/boards/groups/<int:group_id>")
@people_required
def group(group_id: int):
    """A group: who is in it (as each allows), and its board for members."""
    return _group_page(get_in_community(AidGroup, group_id))


@bp.post("/boards/groups/<int:group_id>/<any(join, leave):action>")
@people_required
def group_membership(group_id: int, action: str):
    """Join or leave a group."""
    me = current_membership()
    group = get_in_community(AidGroup, group_id)
    if action == "join":
        boards.join_group(me, group)
    else:
        boards.leave_group(me, group)
    db.session.commit()
    return redirect_to(url_for("boards.group", group_id=group.id))


@bp.post("/boards/groups/<int:group_id>/posts")
@people_required
@posting
def group_post(group_id: int):
    """Post on a group's board (members only)."""
    group = get_in_community(AidGroup, group_id)
    if not boards.is_group_member(group, current_user.id):
        abort(403)
    return _create_post(
        Board.GROUP, lambda block, status=200, **over: _group_page(group, block, status, **over), group
    )
