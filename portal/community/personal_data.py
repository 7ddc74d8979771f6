"""A person's memberships and the invitations they made; the last admin cannot leave."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from portal.community.models import Invite, Membership, MembershipStatus, Role, roles_holding
from portal.core.db import db, utcnow
from portal.core.personal_data import Blocker, columns, latest


def export(user, limit: int | None = None) -> dict:
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == user.id)
        .options(
            selectinload(Membership.community),
            selectinload(Membership.building),
            selectinload(Membership.unit),
        )
        .order_by(Membership.id)
    )
    invites = db.session.scalars(
        latest(
            sa.select(Invite).where(Invite.inviter_id == user.id).options(selectinload(Invite.community)),
            Invite.id,
            limit,
        )
    )
    return {
        "memberships": [
            {
                "community": m.community.name,
                "building": m.building.name if m.building else None,
                "unit": m.unit.name if m.unit else None,
                "roles": [role.name.lower() for role in m.role_list],
                **columns(m, "status", "application_note", "created_at", "decided_at"),
            }
            for m in memberships
        ],
        "invitations": [
            {"community": i.community.name, **columns(i, "created_at", "expires_at", "revoked_at")}
            for i in invites
        ],
    }


def blockers(user) -> list[Blocker]:
    """A community whose only active admin is this person would be left without one."""
    mine = aliased(Membership)
    other = aliased(Membership)
    admin_roles = roles_holding(Role.ADMIN)
    others = (
        sa.select(other.id)
        .where(
            other.community_id == mine.community_id,
            other.user_id != user.id,
            other.status == MembershipStatus.ACTIVE,
            other.roles.in_(admin_roles),
        )
        .exists()
    )
    alone = db.session.scalars(
        sa.select(mine)
        .where(
            mine.user_id == user.id,
            mine.status == MembershipStatus.ACTIVE,
            mine.roles.in_(admin_roles),
            ~others,
        )
        .options(selectinload(mine.community))
    )
    return [
        Blocker(
            _(
                "You are the only admin of %(community)s: make another member admin first.",
                community=m.community.name,
            ),
            url_for("community.members"),
        )
        for m in alone
    ]


def erase(user) -> None:
    """Every membership ends (removed): the person leaves directories, member searches, staff
    lists and role holders; the invitations they made stop working."""
    now = utcnow()
    db.session.execute(
        sa.update(Membership)
        .where(Membership.user_id == user.id, Membership.status != MembershipStatus.REMOVED)
        .values(status=MembershipStatus.REMOVED, decided_at=now)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.update(Invite)
        .where(Invite.inviter_id == user.id, Invite.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
