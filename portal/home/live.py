"""The community home's room `community:<id>`: the "what is happening" cards refetch when
something new appears in the community — a buy opens or ends, a topic is pinned, a neighbour
asks for help or introduces themselves, an event is announced or changes.

The pushes are queued from one place, a flush listener that looks at what the transaction
wrote, so that no domain has to remember the home: the event (`{"type": "community"}`) says
nothing but "look again", once per community and transaction (its key), and goes out only
after the commit (push_after_commit). Counters that change by a conditional UPDATE (a buy's
quantity when someone joins) are not ORM changes, so joins do not make every phone refetch.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.boards.models import Board, HelpNeed, Post, Topic
from portal.community.models import Role
from portal.community.services import active_membership_of
from portal.events.models import Event
from portal.groupbuy.models import GroupBuy
from portal.realtime import push_after_commit, register_room

PUSH = {"type": "community", "key": "home"}

# what a change of makes the home look again: new rows, and these columns changing
WATCHED = {GroupBuy: "status", Topic: "pinned_until", HelpNeed: "state", Event: "status", Post: "status"}


def community_room(community_id: int) -> str:
    return f"community:{community_id}"


def may_watch_community(user, community_id: int) -> bool:
    """The residents of a community (people, not kiosk screens) may watch its home's room."""
    membership = active_membership_of(user, community_id)
    return membership is not None and not membership.has(Role.KIOSK)


def _shown_on_home(obj) -> bool:
    if isinstance(obj, Post):
        return obj.board == Board.NEWCOMERS and obj.parent_id is None
    return True


def _changed(obj) -> bool:
    column = WATCHED.get(type(obj))
    return column is not None and sa.inspect(obj).attrs[column].history.has_changes()


@event.listens_for(Session, "after_flush")
def _queue_home_push(session: Session, _context) -> None:
    communities = {
        obj.community_id
        for obj in session.new
        if type(obj) in WATCHED and obj.community_id is not None and _shown_on_home(obj)
    }
    communities |= {obj.community_id for obj in session.dirty if _changed(obj) and _shown_on_home(obj)}
    for community_id in communities:
        push_after_commit(session, community_room(community_id), PUSH)


register_room("community", may_watch_community)
