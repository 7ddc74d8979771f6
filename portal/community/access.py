"""Access by membership: who is in which community, holding which roles.

Load-or-404 lives here too (`get_in_community`, after flaskr's `get_post`): another
community's object answers 404, never 403, so ids tell nobody what exists elsewhere.
Logging in itself is portal.core.access.
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort, g, redirect, url_for
from flask_login import current_user

from portal.community.models import Membership, MembershipStatus, Role
from portal.core.access import login_required
from portal.core.db import db
from portal.core.nav import nav_for

PERSON_ROLES = (Role.RESIDENT, Role.LEADER, Role.VOLUNTEER, Role.ADMIN)


def current_membership() -> Membership | None:
    """The active membership in the person's current community, or None (cached per request)."""
    if "membership" not in g:
        g.membership = None
        if current_user.is_authenticated and current_user.active_community_id:
            g.membership = db.session.scalar(
                sa.select(Membership).where(
                    Membership.user_id == current_user.id,
                    Membership.community_id == current_user.active_community_id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
    return g.membership


def holds(*roles: Role) -> Callable[[Membership | None], bool]:
    """A test "has one of these roles" for navigation entries: `visible=holds(Role.ADMIN)`."""

    def test(membership: Membership | None) -> bool:
        return membership is not None and any(membership.has(role) for role in roles)

    return test


is_person = holds(*PERSON_ROLES)
is_person.__doc__ = "An active member who is a person, not a pickup point's kiosk screen."


def community_required(view):
    """Logged in with an active membership in the current community."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_membership() is None:
            return redirect(url_for("community.mine"))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: Role):
    """Logged in, member of the current community, holding one of `roles` there (else 403)."""
    allowed = holds(*roles)

    def decorator(view):
        @wraps(view)
        @community_required
        def wrapped(*args, **kwargs):
            if not allowed(current_membership()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# The neighbourly pages (neighbours, boards, points, events) are for people: a kiosk is a device
# logged in at a public place and has no business there (403; others as `community_required`).
people_required = role_required(*PERSON_ROLES)


def get_in_community(model, object_id: int):
    """An object of the current community by id; another community's (or none) is a 404."""
    membership = current_membership()
    obj = db.session.get(model, object_id)
    if obj is None or membership is None or obj.community_id != membership.community_id:
        abort(404)
    return obj


def get_member(membership_id: int) -> Membership:
    """An active member of my community who is a person (not a kiosk screen); else 404."""
    member = get_in_community(Membership, membership_id)
    if not member.is_active or member.roles & Role.KIOSK:
        abort(404)
    return member


def membership_globals() -> dict:
    """What every template knows: the current membership and the navigation it may see."""
    membership = current_membership()
    return {"membership": membership, **nav_for(membership)}
