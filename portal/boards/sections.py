"""The community home's board cards (core/sections.py page "home.community"): this week's
topic, neighbours who need a hand, and the newcomers' introductions to welcome (authors named
as the neighbours' visibility rules allow)."""

from portal.boards.models import Board
from portal.boards.services.help import needs_query
from portal.boards.services.posts import pinned_topics, posts_query
from portal.core.paging import page_of
from portal.core.sections import register_section
from portal.neighbors.privacy import people_for_users

CARD_ROWS = 3


def topic_card(membership=None, **_):
    """What is happening: the topic pinned this week; else an invitation to start one."""
    topics = pinned_topics(membership.community_id)
    return {"topic": topics[0] if topics else None}


def help_card(membership=None, **_):
    """What is happening: open needs for a hand, soonest first; else an invitation to ask."""
    needs = page_of(needs_query(membership), 1, CARD_ROWS)
    return {"needs": needs}


def newcomers_card(membership=None, **_):
    """What is happening: the latest introductions on the newcomers board, to welcome."""
    posts = page_of(posts_query(membership, Board.NEWCOMERS), 1, CARD_ROWS)
    people = people_for_users(membership, membership.community_id, [p.author_id for p in posts])
    return {"posts": posts, "people": people}


LIVE = ("community", "notification")  # something new in the community; a reply to me


def register() -> None:
    page = "home.community"
    register_section(page, "boards/_home_topic.html", topic_card, order=30, name="topic", live=LIVE)
    register_section(page, "boards/_home_help.html", help_card, order=32, name="help", live=LIVE)
    register_section(
        page, "boards/_home_newcomers.html", newcomers_card, order=34, name="newcomers", live=LIVE
    )
