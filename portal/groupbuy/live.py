"""Live progress: after a join, a leave, a waitlist change or a cancellation commits, the
community's buy room hears `{"type": "groupbuy", "id": N}`. app.js turns it into the htmx events
`portal:groupbuy` and `portal:groupbuy:N`; the buy's progress fragment and its card on the
listing listen for the second, so only what shows that buy refetches (no eval under the CSP, so
no trigger filter), and an open listing does not refetch itself whole on every join."""

from portal.community.services import active_membership_of
from portal.core.db import db
from portal.realtime import push_after_commit, register_room

ROOM = "groupbuy"


def buys_room(community_id: int) -> str:
    """The room of a community's buy pages (`<body data-rooms>` on the listing and a buy)."""
    return f"{ROOM}:{community_id}"


def push_progress(buy) -> None:
    """Before commit: every open page showing the buy refetches its progress once it is in."""
    push_after_commit(db.session(), buys_room(buy.community_id), {"type": "groupbuy", "id": buy.id})


def push_listing(community_id: int) -> None:
    """Before commit: open listings refetch themselves (a new buy is out)."""
    push_after_commit(db.session(), buys_room(community_id), {"type": "groupbuys"})


def may_watch_buys(user, community_id: int) -> bool:
    """Active members of the community (whoever may open its buy pages)."""
    return active_membership_of(user, community_id) is not None


register_room(ROOM, may_watch_buys)
