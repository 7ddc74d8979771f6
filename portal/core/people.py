"""What staff see of the people their job puts in front of them: a leader handing over goods,
event staff at the door, a neighbour collecting an order (代取), community admins.

The rule and its words live in portal.neighbors.privacy (STAFF_POLICY), which needs the
neighbours' profiles; it registers itself here at start-up so that the domains below the
neighbours (community's member pages and searches) apply the same rule:

    views = staff_views(Duty.ADMIN, me, user_ids)   # {user id: StaffView}, a few queries in all
    query = query.where(name_search_clause(me, "王"))  # names the viewer may see, never hidden ones
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class Duty(enum.StrEnum):
    LEADER = "leader"  # a group leader, of a buy the person joined
    EVENT_STAFF = "event_staff"  # event admins and volunteers checking people in
    DELEGATE = "delegate"  # a neighbour collecting an order for the person (代取), or asked to
    ADMIN = "admin"  # the community's admins, on member pages and searches


@dataclass(frozen=True)
class StaffView:
    """One person as one member of staff may see them."""

    user_id: int
    name: str  # the name the person shows this viewer, else masked (王**)
    home: str | None = None  # building and unit, when the duty needs them
    phone: str | None = None  # masked (138****1234), when the duty needs it

    @property
    def label(self) -> str:
        return f"{self.name} · {self.home}" if self.home else self.name


_rule: dict[str, Callable] = {}


def register_staff_rule(views: Callable, name_clause: Callable) -> None:
    _rule.update(views=views, name_clause=name_clause)


def staff_views(duty: Duty, viewer, user_ids: Iterable[int]) -> dict[int, StaffView]:
    """{user id: what `viewer` (a Membership) doing `duty` sees of them}, batched."""
    return _rule["views"](duty, viewer, user_ids)


def name_search_clause(viewer, search: str):
    """SQL: the person's name contains `search` and the viewer may see that name (a search
    never matches on a hidden name: it would tell who is behind it)."""
    return _rule["name_clause"](viewer, search)
