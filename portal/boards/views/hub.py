"""The /boards index: all the boards at a glance."""

from portal.boards import bp
from portal.boards.models import Board
from portal.boards.services import groups as boards_groups
from portal.boards.services import help as boards_help
from portal.boards.services import posts as boards_posts
from portal.boards.services import skills as boards_skills
from portal.boards.views.common import _context, _people
from portal.community.access import current_membership, people_required
from portal.core.htmx import render
from portal.core.paging import page_of


@bp.get("/boards")
@people_required
def index():
    """All the boards at a glance: latest chat, open help needs, skills, groups."""
    me = current_membership()
    chat = page_of(boards_posts.posts_query(me, Board.CHAT), 1, 3).items
    needs = page_of(boards_help.needs_query(me), 1, 3).items
    skills = page_of(boards_skills.listings_query(me), 1, 3).items
    return render(
        "boards/index.html",
        **_context(
            chat=chat,
            needs=needs,
            skills=skills,
            topics=boards_posts.pinned_topics(me.community_id),
            groups=boards_groups.groups(me.community_id),
            people=_people([*chat, *needs, *skills]),
        ),
    )
