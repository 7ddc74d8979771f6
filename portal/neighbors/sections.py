"""The community home's contacts card (core/sections.py page "home.community"): a neighbour
asks to get in touch, or answered my request. Names as the neighbours' visibility rules allow."""

from portal.core.sections import register_section
from portal.neighbors.privacy import person_views
from portal.neighbors.services import contacts_needing_me

CARD_ROWS = 3


def contacts_card(membership=None, **_):
    """Needs me now: requests waiting for my answer, replies to mine; hidden when none."""
    requests, more = contacts_needing_me(membership, CARD_ROWS)
    if not requests:
        return None
    others = [r.from_membership if r.to_membership_id == membership.id else r.to_membership for r in requests]
    views = person_views(membership, others)
    rows = [
        (r, views[o.id], r.to_membership_id == membership.id) for r, o in zip(requests, others, strict=True)
    ]
    return {"rows": rows, "more": more}


def register() -> None:
    register_section(
        "home.community",
        "neighbors/_home_contacts.html",
        contacts_card,
        order=6,
        name="contacts",
        live=("notification",),
    )
