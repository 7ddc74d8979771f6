"""Posts and replies on the chat, newcomers and group boards; the chat board's weekly topics.

Residents' text goes through nh3 (moderation.richtext); new members' first posts wait for
approval (moderation.initial_status). Posts and replies are moderated as the kind "post".
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.boards.models import AidGroup, Board, Post, Topic, post_tags
from portal.boards.services.common import announce_pending, checked_text, tag_filter
from portal.boards.services.groups import is_group_member
from portal.community.models import Membership
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.moderation.models import ContentStatus
from portal.moderation.richtext import clean_html, plain_excerpt
from portal.moderation.services import initial_status, is_moderator, register_kind, visible_clause
from portal.neighbors.tags import tags_named
from portal.notifications.services import notify


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
        .options(selectinload(Post.tags))
        .order_by(Post.last_activity_at.desc(), Post.id.desc())
    )
    if topic_id:
        query = query.where(Post.topic_id == topic_id)
    if group_id:
        query = query.where(Post.group_id == group_id)
    return tag_filter(query, Post, post_tags, tag)


REPLIES_PAGE = 50


def replies_of(viewer: Membership, post: Post, page: int = 1) -> Page:
    """A page of the replies under a post, oldest first."""
    return page_of(
        sa.select(Post)
        .where(Post.parent_id == post.id, visible_clause(Post, viewer))
        .order_by(Post.created_at, Post.id),
        page,
        REPLIES_PAGE,
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
    title = checked_text(
        title,
        "title",
        120,
        required=board != Board.GROUP and board != Board.NEWCOMERS,
        label=_l("Give your post a title."),
    )
    body = checked_text(body, "body", 5000, label=_l("Write something."))
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
    announce_pending("post", post)
    return post


def reply(author: Membership, post: Post, body: str) -> Post:
    """A reply under a visible post; the post rises to the top of its board."""
    if post.parent_id is not None or post.status != ContentStatus.VISIBLE:
        raise DomainError(_l("You cannot reply to this."))
    if post.board == Board.GROUP and post.group_id:
        group = db.session.get(AidGroup, post.group_id)
        if not is_group_member(group, author.user_id):
            raise DomainError(_l("Join the group to reply."))
    body = checked_text(body, "body", 2000, label=_l("Write something."))
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
    announce_pending("post", answer)
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


# --- topics (邻里闲聊) ----------------------------------------------------------------------


def create_topic(by: Membership, title: str, prompt: str, pin_days: int = 7) -> Topic:
    """A volunteer or admin starts a topic, pinned on top of the chat board for a week."""
    if not is_moderator(by):
        raise DomainError(_l("Volunteers and admins start topics."))
    topic = Topic(
        community_id=by.community_id,
        title=checked_text(title, "title", 80, label=_l("Give the topic a title.")),
        prompt=checked_text(prompt, "prompt", 300, required=False),
        pinned_until=localtime.today() + timedelta(days=max(0, pin_days) - 1) if pin_days else None,
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
            .where(Topic.community_id == community_id, Topic.pinned_until >= localtime.today())
            .order_by(Topic.created_at.desc())
        )
    )


def recent_topics(community_id: int, limit: int = 20) -> list[Topic]:
    """Earlier topics, newest first: those pinned now are on top of the board already."""
    not_pinned_now = sa.or_(Topic.pinned_until.is_(None), Topic.pinned_until < localtime.today())
    return list(
        db.session.scalars(
            sa.select(Topic)
            .where(Topic.community_id == community_id, not_pinned_now)
            .order_by(Topic.id.desc())
            .limit(limit)
        )
    )


# --- moderation ---------------------------------------------------------------------------


def _post_link(post: Post) -> str:
    return url_for("boards.post", post_id=post.parent_id or post.id)


def _post_preview(post: Post) -> str:
    return (post.title + " — " if post.title else "") + plain_excerpt(post.body_html, 160)


register_kind("post", Post, _l("Board post"), _post_link, _post_preview, _post_status_changed)
