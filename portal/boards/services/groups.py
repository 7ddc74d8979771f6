"""互助小组: mutual-aid groups (老人照护, 宠物互助…) and their members.

A group's board is made of posts (`posts.create_post` with the group); only members read and
post on it.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.boards.models import AidGroup, GroupMember
from portal.boards.services.common import checked_text
from portal.community.models import Membership
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.moderation.services import is_moderator


def create_group(by: Membership, name: str, description: str, icon: str = "🤝") -> AidGroup:
    """Volunteers and admins start a mutual-aid group (老人照护, 宠物互助…)."""
    if not (is_moderator(by)):
        raise DomainError(_l("Volunteers and admins start groups."))
    name = checked_text(name, "name", 40, label=_l("Name the group."))
    if db.session.scalar(
        sa.select(AidGroup.id).where(AidGroup.community_id == by.community_id, AidGroup.name == name)
    ):
        raise DomainError(_l("A group with this name exists."), "name")
    group = AidGroup(
        community_id=by.community_id,
        name=name,
        description=checked_text(description, "description", 300, required=False),
        icon=(icon or "🤝")[:8],
        created_by_id=by.user_id,
    )
    db.session.add(group)
    db.session.flush()
    join_group(by, group)
    return group


def groups(community_id: int) -> list[tuple[AidGroup, int]]:
    """The community's groups by name, each with its number of members."""
    counts = (
        sa.select(GroupMember.group_id, sa.func.count().label("n"))
        .join(AidGroup, AidGroup.id == GroupMember.group_id)
        .where(AidGroup.community_id == community_id)
        .group_by(GroupMember.group_id)
        .subquery()
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


MEMBERS_PAGE = 30


def group_members(group: AidGroup, page: int = 1) -> Page:
    """A page of the group's members, in the order they joined."""
    return page_of(
        sa.select(Membership)
        .join(GroupMember, GroupMember.user_id == Membership.user_id)
        .where(GroupMember.group_id == group.id, Membership.community_id == group.community_id)
        .order_by(GroupMember.joined_at, GroupMember.user_id),
        page,
        MEMBERS_PAGE,
    )


def member_count(group: AidGroup) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(GroupMember).where(GroupMember.group_id == group.id)
    )
