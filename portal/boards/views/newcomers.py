"""新邻居报到: newcomers introduce themselves; the ambassadors see who is new and welcome them."""

from flask import request

from portal.boards import bp
from portal.boards.models import Board
from portal.boards.services import newcomers as boards_newcomers
from portal.boards.views.common import posting
from portal.boards.views.posts import _create_post, _list_context, _post_form
from portal.community.access import current_membership, people_required
from portal.core.htmx import render
from portal.core.paging import Page, requested_page
from portal.neighbors.privacy import is_ambassador, person_views
from portal.neighbors.services import recent_newcomers


def _newcomers_page(block="posts", status=200, **over):
    me = current_membership()
    context = _list_context(Board.NEWCOMERS)
    ambassador = is_ambassador(me)
    post_ids = [p.id for p in context["posts"]]
    context.update(
        welcomed=boards_newcomers.welcomed_ids(me.community_id, post_ids),
        is_ambassador=ambassador,
    )
    if ambassador:
        found = recent_newcomers(me.community_id, page=requested_page("new"))
        views = person_views(me, found.items)
        context["newcomers"] = Page([views[m.id] for m in found], found.number, found.more)
    context.update(form=_post_form())
    context.update(over)
    return render("boards/newcomers.html", block, status=status, **context)


@bp.get("/boards/newcomers")
@people_required
def newcomers():
    """新邻居报到: newcomers introduce themselves; ambassadors welcome them."""
    # the next page of newcomers is picked out of the whole page; of posts, out of its block
    return _newcomers_page(block=None if "new" in request.args else "posts")


@bp.post("/boards/newcomers")
@people_required
@posting
def newcomers_post():
    """Introduce myself on the newcomers board."""
    return _create_post(Board.NEWCOMERS, _newcomers_page)
