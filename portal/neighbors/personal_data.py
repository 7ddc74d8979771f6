"""A person's profiles (with tags and photo), contact requests and purchase hints.

The other side of a contact request is named only as the privacy rule lets the person see them.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.community.models import Membership
from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.neighbors.models import PROFILE_FIELDS, ContactRequest, Profile, ProfileTag, PurchaseHint
from portal.neighbors.privacy import person_views


def _my_memberships(user) -> dict[int, Membership]:
    return {
        m.id: m
        for m in db.session.scalars(
            sa.select(Membership)
            .where(Membership.user_id == user.id)
            .options(selectinload(Membership.community))
        )
    }


def export(user, limit: int | None = None) -> dict:
    mine = _my_memberships(user)
    profiles = db.session.scalars(
        sa.select(Profile)
        .where(Profile.user_id == user.id)
        .options(selectinload(Profile.tags))
        .order_by(Profile.id)
    )
    requests = list(
        db.session.scalars(
            latest(
                sa.select(ContactRequest)
                .where(
                    sa.or_(
                        ContactRequest.from_membership_id.in_(mine), ContactRequest.to_membership_id.in_(mine)
                    )
                )
                .options(
                    selectinload(ContactRequest.from_membership), selectinload(ContactRequest.to_membership)
                ),
                ContactRequest.id,
                limit,
            )
        )
    )
    # the other side of each request, as I may see them: one person_views per community
    others = defaultdict(list)
    for r in requests:
        sent = r.from_membership_id in mine
        other = r.to_membership if sent else r.from_membership
        others[r.community_id].append(other)
    viewer_in = {m.community_id: m for m in mine.values()}
    labels = {}
    for community_id, members in others.items():
        labels.update(
            {mid: view.label for mid, view in person_views(viewer_in.get(community_id), members).items()}
        )
    hints = db.session.scalars(
        sa.select(PurchaseHint).where(PurchaseHint.membership_id.in_(mine)).order_by(PurchaseHint.id)
    )
    return {
        "profiles": [
            {
                "community": mine[p.membership_id].community.name if p.membership_id in mine else None,
                **columns(
                    p,
                    "occupation",
                    "intro",
                    "discoverable",
                    "offers_experience",
                    "wants_suggestions",
                    "ambassador",
                    "updated_at",
                ),
                "has_photo": bool(p.avatar),
                "skills": p.tag_names("skill"),
                "interests": p.tag_names("interest"),
                "visibility": {name: p.visibility(name) for name in PROFILE_FIELDS},
            }
            for p in profiles
        ],
        "contact_requests": [
            {
                "direction": "sent" if r.from_membership_id in mine else "received",
                "neighbour": labels.get(
                    r.to_membership_id if r.from_membership_id in mine else r.from_membership_id
                ),
                **columns(
                    r, "message", "status", "from_shares_phone", "to_shares_phone", "created_at", "decided_at"
                ),
            }
            for r in requests
        ],
        "purchase_hints": [columns(h, "topic", "count", "last_at") for h in hints],
    }


def erase(user) -> list[str]:
    """Profiles with their tags, contact requests both ways and purchase hints deleted; returns
    the avatar files to remove once the deletion is committed."""
    mine = list(_my_memberships(user))
    profiles = list(db.session.scalars(sa.select(Profile).where(Profile.user_id == user.id)))
    avatars = [p.avatar for p in profiles if p.avatar]
    profile_ids = [p.id for p in profiles]
    if mine:
        db.session.execute(
            sa.delete(ContactRequest).where(
                sa.or_(ContactRequest.from_membership_id.in_(mine), ContactRequest.to_membership_id.in_(mine))
            )
        )
        db.session.execute(sa.delete(PurchaseHint).where(PurchaseHint.membership_id.in_(mine)))
    if profile_ids:
        db.session.execute(sa.delete(ProfileTag).where(ProfileTag.profile_id.in_(profile_ids)))
        db.session.execute(
            sa.delete(Profile)
            .where(Profile.id.in_(profile_ids))
            .execution_options(synchronize_session="fetch")
        )
    return avatars
