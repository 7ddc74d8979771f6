"""邻里闲聊: the chat board with its pinned weekly topics, and a post's page with its replies.

The post list and the posting form here serve the newcomers and group boards as well.
"""

from flask import abort, request, url_for

from portal.boards import bp
from portal.boards.forms import PostForm, ReplyForm, TopicForm
from portal.boards.models import AidGroup, Board, Post, Topic
from portal.boards.services import groups as boards_groups
from portal.boards.services import posts as boards_posts
from portal.boards.views.common import _context, _people, _tag_arg, _visible_or_404, posting
from portal.community.access import current_membership, get_in_community, people_required
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.inputs import database_int
from portal.core.paging import page_of, requested_page
from portal.moderation.services import is_moderator
from portal.neighbors.services import ambassadors_among
from portal.neighbors.tags import parse_tags


def _list_context(board: str, group: AidGroup | None = None):
    """A page of a board's posts (of a group's board with `group`), by tag or topic."""
    me = current_membership()
    tag = _tag_arg()
    topic_id = request.args.get("topic", type=database_int)
    topic = get_in_community(Topic, topic_id) if topic_id else None
    query = boards_posts.posts_query(me, board, tag, topic.id if topic else None, group.id if group else None)
    found = page_of(query, requested_page())
    return _context(
        board=board,
        posts=found.items,
        more=found.more,
        page=found.number,
        tag=tag,
        topic=topic,
        group=group,
        people=_people(found.items),
    )


def _post_form(topic=None) -> PostForm:
    return PostForm(formdata=None, topic_id=topic.id if topic else None)


def _create_post(board: str, page, group: AidGroup | None = None):
    """Shared by the chat, newcomers and group boards: the form back, fresh or with its errors."""
    me = current_membership()
    form = PostForm()
    topic = None
    if form.topic_id.data and board == Board.CHAT:
        topic = db.session.get(Topic, form.topic_id.data)
        if topic is None or topic.community_id != me.community_id:
            topic = None

    def save():
        tags = parse_tags(form.tags.data, limit=5, field="tags")
        return boards_posts.create_post(me, board, form.title.data or "", form.body.data, tags, topic, group)

    post = commit_or_422(save, lambda _error: page("post_form", 422, form=form), form)
    if not wants_fragment():
        return redirect_to(
            request.path if board != Board.CHAT or not topic else url_for("boards.chat", topic=topic.id)
        )
    return page("post_form", 200, form=_post_form(topic), created=post, people=_people([post]))


def _chat_page(block="posts", status=200, **over):
    me = current_membership()
    context = _list_context(Board.CHAT)
    context.update(
        form=_post_form(context["topic"]),
        topic_form=TopicForm(formdata=None),
        pinned=boards_posts.pinned_topics(me.community_id),
        topics=boards_posts.recent_topics(me.community_id),
    )
    context.update(over)
    return render("boards/chat.html", block, status=status, **context)


@bp.get("/boards/chat")
@people_required
def chat():
    """邻里闲聊: pinned weekly topics on top, then posts; filter by tag or topic."""
    return _chat_page()


@bp.post("/boards/chat")
@people_required
@posting
def chat_post():
    """Post on the chat board (a new member's first posts wait for approval)."""
    return _create_post(Board.CHAT, _chat_page)


def _post_page(item: Post, block=None, status=200, **over):
    me = current_membership()
    group = db.session.get(AidGroup, item.group_id) if item.group_id else None
    if group is not None and not (boards_groups.is_group_member(group, me.user_id) or is_moderator(me)):
        abort(404)
    replies = boards_posts.replies_of(me, item, requested_page())
    authors = [r.author_id for r in replies] if item.board == Board.NEWCOMERS else []
    ambassador_ids = ambassadors_among(me.community_id, authors)
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
    answer = commit_or_422(
        lambda: boards_posts.reply(me, item, form.body.data),
        lambda _error: _post_page(item, "reply_form", 422, form=form),
        form,
    )
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
    commit_or_422(
        lambda: boards_posts.create_topic(
            me,
            form.title.data,
            form.prompt.data or "",
            form.pin_days.data if form.pin_days.data is not None else 7,
        ),
        lambda _error: _chat_page("topic_form", 422, topic_form=form),
        form,
    )
    return redirect_to(url_for("boards.chat"))


@bp.post("/boards/topics/<int:topic_id>/unpin")
@people_required
def topic_unpin(topic_id: int):
    """Take a topic off the top of the chat board."""
    me = current_membership()
    topic = get_in_community(Topic, topic_id)
    if not is_moderator(me):
        abort(403)
    boards_posts.unpin_topic(me, topic)
    db.session.commit()
    return redirect_to(url_for("boards.chat"))
