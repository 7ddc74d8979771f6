"""Communities and membership: creating communities, invitations, applications, roles."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.community.models import (
    Building,
    Community,
    Invite,
    Membership,
    MembershipStatus,
    Role,
    Unit,
    roles_holding,
)
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.masking import mask_name
from portal.core.paging import Page, page_of
from portal.core.people import name_search_clause
from portal.core.signals import member_joined
from portal.notifications.services import notify

ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.LEADER: _l("Group leader"),
    Role.VOLUNTEER: _l("Volunteer"),
    Role.ADMIN: _l("Admin"),
    Role.KIOSK: _l("Kiosk screen"),
}


def role_names(roles: Role) -> str:
    return ", ".join(str(label) for role, label in ROLE_LABELS.items() if roles & role)


def parse_buildings(text: str) -> list[tuple[str, list[str]]]:
    """Parse lines like "1栋: 1单元, 2单元" into (building, [units]); a bare name gets "1单元"."""
    result, seen = [], set()
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, units = line.replace("：", ":").partition(":")
        name = name.strip()
        unit_names = [u.strip() for u in units.replace("，", ",").split(",") if u.strip()]
        if not name or len(name) > 40 or any(len(u) > 40 for u in unit_names):
            raise DomainError(
                _l("Each line needs a building name, then units: 1栋: 1单元, 2单元"), "buildings"
            )
        if name in seen or len(set(unit_names)) != len(unit_names):
            raise DomainError(
                _l("Building “%(name)s” or one of its units is listed twice.", name=name), "buildings"
            )
        seen.add(name)
        result.append((name, unit_names or ["1单元"]))
    if not result:
        raise DomainError(_l("List at least one building."), "buildings")
    return result


def create_community(
    name: str, city: str, address: str, buildings_text: str, admin: User | None = None
) -> Community:
    """A new community with its buildings and units, and optionally its first admin."""
    name = name.strip()
    if db.session.scalar(sa.select(Community.id).where(Community.name == name)):
        raise DomainError(_l("A community with this name exists already."), "name")
    community = Community(name=name, city=city.strip(), address=address.strip())
    db.session.add(community)
    add_buildings(community, parse_buildings(buildings_text))
    if admin is not None:
        db.session.add(
            Membership(
                user_id=admin.id,
                community_id=community.id,
                roles=Role.RESIDENT | Role.ADMIN,
                status=MembershipStatus.ACTIVE,
                decided_at=utcnow(),
            )
        )
        admin.active_community_id = admin.active_community_id or community.id
    db.session.flush()
    return community


def add_buildings(community: Community, spec: list[tuple[str, list[str]]]) -> None:
    """Add buildings (and units) that the community does not have yet."""
    existing = {b.name: b for b in community.buildings}
    for position, (building_name, unit_names) in enumerate(spec, start=len(existing)):
        building = existing.get(building_name)
        if building is None:
            building = Building(name=building_name, sort_key=position)
            community.buildings.append(building)
        have = {u.name for u in building.units}
        for unit_position, unit_name in enumerate(unit_names, start=len(have)):
            if unit_name not in have:
                building.units.append(Unit(name=unit_name, sort_key=unit_position))
    db.session.flush()


def unit_in_community(community_id: int, unit_id: int | None) -> Unit:
    """The unit if it belongs to the community, else a DomainError on the unit field."""
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.building.community_id != community_id:
        raise DomainError(_l("Choose your building and unit from the list."), "unit")
    return unit


def membership_of(user: User, community_id: int) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.community_id == community_id)
    )


def active_membership_of(user: User, community_id: int) -> Membership | None:
    """The person's membership of the community if it is active (who may watch its rooms)."""
    membership = membership_of(user, community_id)
    return membership if membership is not None and membership.is_active else None


def active_memberships(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(Community)
            .where(Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE)
            .order_by(Community.name)
        )
    )


# what a list of members shows of each: their account, building and unit
MEMBER_LOADING = (
    selectinload(Membership.user),
    selectinload(Membership.building),
    selectinload(Membership.unit),
)


def members_query(viewer: Membership, search: str = "", status: str = MembershipStatus.ACTIVE):
    """The admins' member list: members in a status (active by default), newest first; `search`
    matches a full mobile number, a building or unit, or a name the admin may see."""
    query = (
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.community_id == viewer.community_id, User.deleted_at.is_(None))
        .options(*MEMBER_LOADING)
        .order_by(Membership.created_at.desc(), Membership.id.desc())
    )
    status = status if status in set(MembershipStatus) else MembershipStatus.ACTIVE
    query = query.where(Membership.status == status)
    if search:
        query = query.where(_member_search(viewer, search))
    return query


def _member_search(viewer: Membership, search: str):
    """A member whose full number, building and unit ("3栋 1201", "1201") or visible name matches."""
    building, _space, unit = search.partition(" ")
    home = sa.select(Unit.id).join(Building, Building.id == Unit.building_id).where(
        Unit.id == Membership.unit_id,
        sa.or_(Unit.name == search, sa.and_(Building.name == building, Unit.name == unit.strip()))
        if unit
        else sa.or_(Unit.name == search, Building.name == search),
    )
    return sa.or_(User.phone == search, home.exists(), name_search_clause(viewer, search))


def my_memberships(user: User) -> list[Membership]:
    """The person's communities: active and pending memberships, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.user_id == user.id,
                Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
            )
            .order_by(Membership.created_at)
        )
    )


def invites_of(inviter: Membership, limit: int = 20) -> list[Invite]:
    """The latest invitations a member made to their community."""
    return list(
        db.session.scalars(
            sa.select(Invite)
            .where(Invite.inviter_id == inviter.user_id, Invite.community_id == inviter.community_id)
            .order_by(Invite.created_at.desc())
            .limit(limit)
        )
    )


APPLICATIONS_PAGE = 20


def pending_applications(community_id: int, page: int = 1) -> Page:
    """A page of the applications waiting for a decision, oldest first, with who applied."""
    return page_of(
        sa.select(Membership)
        .where(Membership.community_id == community_id, Membership.status == MembershipStatus.PENDING)
        .options(*MEMBER_LOADING)
        .order_by(Membership.created_at, Membership.id),
        page,
        APPLICATIONS_PAGE,
    )


def find_members(viewer: Membership, search: str, limit: int = 20) -> list[Membership]:
    """Active members (people, not kiosk screens) matching `search` as the admins' member search
    does, newest first: the search of the pages where staff pick a member (ambassadors, badges)."""
    search = search.strip()[:40]
    if not search:
        return []
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.community_id == viewer.community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.not_in(roles_holding(Role.KIOSK)),
                _member_search(viewer, search),
            )
            .options(*MEMBER_LOADING)
            .order_by(Membership.created_at.desc(), Membership.id.desc())
            .limit(limit)
        )
    )


def _ensure_can_join(user: User, community_id: int) -> Membership | None:
    existing = membership_of(user, community_id)
    if existing and existing.status in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        raise DomainError(_l("You are already a member of this community or have applied."))
    return existing


def _admins_of(community_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Membership.user_id).where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.op("&")(int(Role.ADMIN)) != 0,
            )
        )
    )


def create_invite(inviter: Membership) -> Invite:
    """An expiring invitation to the inviter's community."""
    hours = current_app.config["INVITE_TTL_HOURS"]
    invite = Invite(
        token=secrets.token_urlsafe(32),
        community_id=inviter.community_id,
        inviter_id=inviter.user_id,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    db.session.add(invite)
    db.session.flush()
    return invite


def find_invite(token: str) -> Invite | None:
    return db.session.scalar(sa.select(Invite).where(Invite.token == token))


def revoke_invite(invite: Invite) -> None:
    invite.revoked_at = invite.revoked_at or utcnow()


def join_by_invite(user: User, invite: Invite, unit: Unit) -> Membership:
    """Join the invite's community as a resident, recording who invited whom."""
    if not invite.is_usable(utcnow()):
        raise DomainError(_l("This invitation has expired. Ask your neighbour for a new one."))
    if invite.inviter_id == user.id:
        raise DomainError(_l("You cannot accept your own invitation."))
    membership = _ensure_can_join(user, invite.community_id) or Membership(
        user_id=user.id, community_id=invite.community_id
    )
    membership.building_id, membership.unit_id = unit.building_id, unit.id
    membership.roles = Role.RESIDENT
    membership.status = MembershipStatus.ACTIVE
    membership.invite_id, membership.invited_by_id = invite.id, invite.inviter_id
    membership.decided_at = utcnow()
    db.session.add(membership)
    user.active_community_id = invite.community_id
    db.session.flush()
    notify(  # a newcomer has shown neighbours nothing yet: the inviter sees the name masked
        invite.inviter_id,
        "invite_accepted",
        community_id=invite.community_id,
        name=mask_name(user.display_name),
        community=invite.community.name,
    )
    member_joined.send(membership, via="invite")
    return membership


def apply_to_join(user: User, community: Community, unit: Unit, note: str) -> Membership:
    """Apply to join a community; its admins are told and decide."""
    if not community.accepts_applications:
        raise DomainError(_l("This community only accepts invitations."))
    membership = _ensure_can_join(user, community.id) or Membership(
        user_id=user.id, community_id=community.id
    )
    membership.building_id, membership.unit_id = unit.building_id, unit.id
    membership.status = MembershipStatus.PENDING
    membership.roles = Role.RESIDENT
    membership.application_note = note.strip()
    db.session.add(membership)
    db.session.flush()
    for admin_id in _admins_of(community.id):
        notify(
            admin_id,
            "application_received",
            community_id=community.id,
            link="/admin/applications",
            name=mask_name(user.display_name),  # in full on the applications page, not in a push
            community=community.name,
        )
    return membership


def decide_application(admin: Membership, application: Membership, approve: bool) -> None:
    """Approve or reject a pending application; exactly once, the applicant is told."""
    result = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == application.id, Membership.status == MembershipStatus.PENDING)
        .values(
            status=MembershipStatus.ACTIVE if approve else MembershipStatus.REJECTED,
            decided_by_id=admin.user_id,
            decided_at=utcnow(),
        )
    )
    if result.rowcount != 1:
        raise DomainError(_l("This application was already decided."))
    db.session.refresh(application)
    user = application.user
    if approve and user.active_community_id is None:
        user.active_community_id = application.community_id
    notify(
        application.user_id,
        "application_approved" if approve else "application_rejected",
        community_id=application.community_id,
        link="/",
        community=application.community.name,
    )
    if approve:
        member_joined.send(application, via="application")


def set_roles(admin: Membership, member: Membership, roles: Role) -> None:
    """Change a member's roles; a community never loses its last admin."""
    if not roles:
        raise DomainError(_l("Choose at least one role."), "roles")
    if member.roles & Role.ADMIN and not roles & Role.ADMIN and len(_admins_of(member.community_id)) <= 1:
        raise DomainError(_l("The community needs at least one admin."), "roles")
    if member.roles == roles:
        return
    member.roles = roles
    notify(
        member.user_id,
        "roles_changed",
        community_id=member.community_id,
        community=member.community.name,
        roles=role_names(roles),
    )


def remove_member(admin: Membership, member: Membership) -> None:
    """Take a member out of the community (their records stay)."""
    if member.id == admin.id:
        raise DomainError(_l("You cannot remove yourself."))
    member.status = MembershipStatus.REMOVED
    member.decided_by_id, member.decided_at = admin.user_id, utcnow()
    if member.user.active_community_id == member.community_id:
        member.user.active_community_id = None


def switch_community(user: User, community_id: int) -> Membership:
    """Make one of the person's communities the current one."""
    membership = membership_of(user, community_id)
    if membership is None or not membership.is_active:
        raise DomainError(_l("You are not a member of that community."))
    user.active_community_id = community_id
    return membership


INVITATIONS_PAGE = 30


def invitation_chain(community_id: int, page: int = 1) -> Page:
    """A page of the members who came by invitation, with who invited them, oldest first."""
    return page_of(
        sa.select(Membership)
        .where(Membership.community_id == community_id, Membership.invited_by_id.is_not(None))
        .options(selectinload(Membership.user), selectinload(Membership.invited_by))
        .order_by(Membership.created_at, Membership.id),
        page,
        INVITATIONS_PAGE,
    )
