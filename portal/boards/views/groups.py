"""互助小组: mutual-aid groups, who is in them, and each group's board for its members."""

from flask import abort, request, url_for
from flask_login import current_user

from portal.boards import bp
from portal.boards.forms import GroupForm
from portal.boards.models import AidGroup, Board
from portal.boards.services import groups as boards_groups
from portal.boards.views.common import _context, posting
from portal.boards.views.posts import _create_post, _list_context, _post_form
from portal.community.access import current_membership, get_in_community, people_required
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.paging import Page, requested_page
from portal.moderation.services import is_moderator
from portal.neighbors.privacy import person_views


def _groups_page(block="groups", status=200, **over):
    me = current_membership()
    context = _context(
        groups=boards_groups.groups(me.community_id),
        mine=boards_groups.my_group_ids(me.community_id, me.user_id),
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
    group = commit_or_422(
        lambda: boards_groups.create_group(
            me, form.name.data, form.description.data or "", form.icon.data or "🤝"
        ),
        lambda _error: _groups_page(status=422, form=form),
        form,
    )
    return redirect_to(url_for("boards.group", group_id=group.id))


def _members(group: AidGroup) -> Page:
    """A page of the group's members as the viewer may see each of them."""
    found = boards_groups.group_members(group, requested_page("members"))
    views = person_views(current_membership(), found.items)
    return Page([views[m.id] for m in found], found.number, found.more)


def _group_page(group: AidGroup, block="posts", status=200, **over):
    me = current_membership()
    member = boards_groups.is_group_member(group, me.user_id)
    if member or is_moderator(me):
        context = _list_context(Board.GROUP, group)
    else:
        context = _context(posts=[], more=False, page=1, tag="", topic=None, board=Board.GROUP, people={})
    context.update(
        group=group,
        member=member,
        form=_post_form(),
        members=_members(group),
        member_count=boards_groups.member_count(group),
    )
    context.update(over)
    return render("boards/group.html", block, status=status, **context)


@bp.get("/boards/groups/<int:group_id>")
@people_required
def group(group_id: int):
    """A group: who is in it (as each allows), and its board for members."""
    group = get_in_community(AidGroup, group_id)
    # the next page of members is picked out of the whole page; of posts, out of its block
    return _group_page(group, block=None if "members" in request.args else "posts")


@bp.post("/boards/groups/<int:group_id>/<any(join, leave):action>")
@people_required
def group_membership(group_id: int, action: str):
    """Join or leave a group."""
    me = current_membership()
    group = get_in_community(AidGroup, group_id)
    if action == "join":
        boards_groups.join_group(me, group)
    else:
        boards_groups.leave_group(me, group)
    db.session.commit()
    return redirect_to(url_for("boards.group", group_id=group.id))


@bp.post("/boards/groups/<int:group_id>/posts")
@people_required
@posting
def group_post(group_id: int):
    """Post on a group's board (members only)."""
    group = get_in_community(AidGroup, group_id)
    if not boards_groups.is_group_member(group, current_user.id):
        abort(403)
    return _create_post(
        Board.GROUP, lambda block, status=200, **over: _group_page(group, block, status, **over), group
    )
