"""Who an event is meant for (the whole community, a building, a mutual-aid group) and who runs
it; the open help needs a help day gathers."""

import logging

import sqlalchemy as sa

from portal.boards.services import groups as boards_groups
from portal.boards.services import help as boards_help
from portal.community.access import holds, is_person
from portal.community.models import Role
from portal.core import localtime
from portal.events.models import (
    Audience,
    Event,
)

log = logging.getLogger(__name__)


def group_ids_of(user_id: int, community_id: int) -> set[int]:
    """The mutual-aid groups a person belongs to in a community."""
    return boards_groups.my_group_ids(community_id, user_id)


def groups_of_community(community_id: int) -> list[tuple[int, str]]:
    """(id, name) of the community's mutual-aid groups, for the audience choice."""
    return [(group.id, group.name) for group, _members in boards_groups.groups(community_id)]


# admins and volunteers run events (volunteers check people in)
is_staff = holds(Role.ADMIN, Role.VOLUNTEER)


def in_audience(event: Event, membership) -> bool:
    """Whether the event is meant for this member: the whole community, their building, or a
    mutual-aid group they belong to."""
    if not is_person(membership) or membership.community_id != event.community_id:
        return False
    if event.audience == Audience.COMMUNITY:
        return True
    if event.audience == Audience.BUILDING:
        return event.building_id is not None and membership.building_id == event.building_id
    if event.audience == Audience.GROUP:
        return event.group_id in group_ids_of(membership.user_id, membership.community_id)
    return False


def audience_clause(membership):
    """SQL condition: events of the member's community meant for them."""
    if not is_person(membership):
        return sa.false()
    clauses = [Event.audience == Audience.COMMUNITY]
    if membership.building_id:
        clauses.append(
            sa.and_(Event.audience == Audience.BUILDING, Event.building_id == membership.building_id)
        )
    groups = group_ids_of(membership.user_id, membership.community_id)
    if groups:
        clauses.append(sa.and_(Event.audience == Audience.GROUP, Event.group_id.in_(groups)))
    return sa.and_(Event.community_id == membership.community_id, sa.or_(*clauses))


def help_needs_for(event: Event) -> list:
    """The open 互助日 help needs of a help day's date (the boards domain keeps them)."""
    return boards_help.open_help_needs_on(event.community_id, localtime.local_date(event.starts_at))
