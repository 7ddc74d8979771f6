"""Who may see what of a neighbour: the one rule, in one place.

A field of a profile is shown to a viewer only when its owner's visibility for it allows that
viewer (only me / my building / my community); private by default. Everything a page shows
about another resident comes through `person_view`, `person_views`, `people_for_users` or
`public_label`, which apply it; a name the viewer may not see is masked (core.masking).

Staff see what their job needs and no more (STAFF_POLICY, shown to residents where they set
their visibility): the name as a neighbour would see it, else masked, and with some duties the
building and unit and a masked number. Pages apply it through core.people.staff_views, which
this module registers (`register`) so that the domains below the neighbours can use it.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User, shown_name
from portal.community.models import Building, Membership, Role, Unit
from portal.core.db import db
from portal.core.masking import mask_name, mask_phone
from portal.core.people import Duty, StaffView, register_staff_rule
from portal.neighbors.models import (
    Profile,
    Visibility,
)

VISIBILITY_LABELS = {
    Visibility.ME: _l("Only me"),
    Visibility.BUILDING: _l("My building"),
    Visibility.COMMUNITY: _l("My community"),
}
FIELD_LABELS = {
    "name": _l("Name neighbours see"),
    "avatar": _l("Photo"),
    "building": _l("Building"),
    "occupation": _l("Occupation"),
    "intro": _l("About me"),
    "skills": _l("Skills"),
    "interests": _l("Interests"),
}

def can_see(viewer: Membership | None, owner: Membership, level: str) -> bool:
    """May `viewer` see a field of `owner` whose visibility is `level`?"""
    if viewer is None or owner is None:
        return False
    if viewer.id == owner.id:
        return True
    if viewer.community_id != owner.community_id or not viewer.is_active or not owner.is_active:
        return False
    if level == Visibility.COMMUNITY:
        return True
    if level == Visibility.BUILDING:
        return owner.building_id is not None and viewer.building_id == owner.building_id
    return False


def visible_level_clause(level_column, owner_building_column, viewer: Membership):
    """The SQL form of can_see for a field (viewer ≠ owner, same community checked elsewhere)."""
    clauses = [level_column == Visibility.COMMUNITY]
    if viewer.building_id is not None:
        clauses.append(
            sa.and_(level_column == Visibility.BUILDING, owner_building_column == viewer.building_id)
        )
    return sa.or_(*clauses)


@dataclass(frozen=True)
class DutyRule:
    home: bool  # building and unit, whatever the building's visibility
    phone: bool  # the mobile number, masked
    who: str  # who they are, for the resident
    why: str  # what they see and why


STAFF_POLICY = {
    Duty.LEADER: DutyRule(
        home=True,
        phone=True,
        who=_l("The group leader of a buy you joined"),
        why=_l(
            "sees your name as your neighbours see it (else masked, like 王**), your building and "
            "unit and your number masked (138****1234): enough to hand over your goods."
        ),
    ),
    Duty.EVENT_STAFF: DutyRule(
        home=True,
        phone=False,
        who=_l("Event staff at the door"),
        why=_l(
            "see your name as your neighbours see it (else masked) and your building and unit, to check "
            "you in."
        ),
    ),
    Duty.DELEGATE: DutyRule(
        home=False,
        phone=False,
        who=_l("A neighbour who collects an order for you (代取)"),
        why=_l("sees your name as they may see it as a neighbour, else masked; never your number."),
    ),
    Duty.ADMIN: DutyRule(
        home=True,
        phone=True,
        who=_l("Your community's admins"),
        why=_l(
            "see your name as your neighbours see it (else masked), your building and unit and your "
            "number masked; while deciding on your application, the name and note you applied with. "
            "Searching, they find you by your full number or your unit, and by name only when they may "
            "see it."
        ),
    ),
}


def _staff_views(duty: Duty, viewer: Membership, user_ids) -> dict[int, StaffView]:
    """core.people.staff_views: the people behind `user_ids` as `viewer` doing `duty` may see
    them, in one query (their accounts, memberships of the viewer's community, name
    visibility, building and unit)."""
    ids = {u for u in user_ids if u}
    if not ids:
        return {}
    rule = STAFF_POLICY[duty]
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.phone, Membership, Profile.name_visibility)
        .add_columns(Building.name, Unit.name, User.deleted_at)
        .select_from(User)
        .outerjoin(
            Membership, sa.and_(Membership.user_id == User.id, Membership.community_id == viewer.community_id)
        )
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .outerjoin(Building, Building.id == Membership.building_id)
        .outerjoin(Unit, Unit.id == Membership.unit_id)
        .where(User.id.in_(ids))
    )
    views = {}
    for user_id, full_name, phone, member, level, building, unit, deleted_at in rows:
        shown = user_id == viewer.user_id or (
            member is not None and can_see(viewer, member, level or Visibility.ME)
        )
        home = " ".join(part for part in (building, unit) if part) if rule.home else ""
        if deleted_at is not None:
            name = shown_name(full_name, deleted_at)
        else:
            name = full_name if shown else mask_name(full_name)
        views[user_id] = StaffView(
            user_id=user_id,
            name=name,
            home=home or None,
            phone=mask_phone(phone) if rule.phone else None,
        )
    return views


def _name_search_clause(viewer: Membership, search: str):
    """core.people.name_search_clause, for a select of Membership joined with User."""
    visible = (
        sa.select(Profile.id)
        .where(
            Profile.membership_id == Membership.id,
            visible_level_clause(Profile.name_visibility, Membership.building_id, viewer),
        )
        .exists()
    )
    named = User.display_name.icontains(search, autoescape=True)
    return sa.and_(named, sa.or_(Membership.id == viewer.id, visible))


def register() -> None:
    register_staff_rule(_staff_views, _name_search_clause)


@dataclass
class PersonView:
    """What one viewer may see of one member."""

    membership_id: int
    user_id: int
    label: str  # full name when allowed, else masked; building appended when allowed
    name: str  # full or masked
    name_shown: bool
    is_self: bool = False
    avatar_url: str | None = None
    building: str | None = None
    occupation: str | None = None
    intro: str | None = None
    skills: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    ambassador: bool = False
    shared_tags: list[str] = field(default_factory=list)
    profile_open: bool = False  # may the viewer open their profile page (may_open_profile)

    @property
    def initial(self) -> str:
        return (self.name or "?")[:1]


def profile_of(membership: Membership) -> Profile | None:
    return db.session.scalar(sa.select(Profile).where(Profile.membership_id == membership.id))


def ensure_profile(membership: Membership) -> Profile:
    profile = profile_of(membership)
    if profile is None:
        profile = Profile(
            membership_id=membership.id, user_id=membership.user_id, community_id=membership.community_id
        )
        db.session.add(profile)
        db.session.flush()
    return profile


def is_ambassador(membership: Membership, profile: Profile | None = None) -> bool:
    if membership is None:
        return False
    if membership.has(Role.VOLUNTEER):
        return True
    profile = profile if profile is not None else profile_of(membership)
    return bool(profile and profile.ambassador)


def may_open_profile(viewer: Membership | None, member: Membership, profile: Profile | None) -> bool:
    """A profile page opens to its owner, and to a neighbour when its owner is listed in the
    directory or shows them their name; to anyone else it is as if it did not exist."""
    if viewer is not None and viewer.id == member.id:
        return True
    if profile is None or not can_see(viewer, member, Visibility.COMMUNITY):
        return False
    return profile.discoverable or can_see(viewer, member, profile.name_visibility)


def person_view(
    viewer: Membership | None, member: Membership, profile: Profile | None = None, load_profile: bool = True
) -> PersonView:
    """The member as `viewer` may see them: every field checked against its visibility. A
    deleted account is "Former resident" to everyone, with nothing else shown."""
    if member.user.deleted_at is not None:
        label = member.user.display_name  # the accounts' one label for a deleted account
        return PersonView(
            membership_id=member.id, user_id=member.user_id, label=label, name=label, name_shown=False
        )
    if profile is None and load_profile:
        profile = profile_of(member)
    is_self = viewer is not None and viewer.id == member.id

    def allowed(name: str) -> bool:
        level = profile.visibility(name) if profile is not None else Visibility.ME
        return can_see(viewer, member, level)

    full_name = member.user.display_name
    name_shown = allowed("name")
    name = full_name if name_shown else mask_name(full_name)
    building = member.building.name if member.building is not None and allowed("building") else None
    view = PersonView(
        membership_id=member.id,
        user_id=member.user_id,
        label=f"{name} · {building}" if building else name,
        name=name,
        name_shown=name_shown,
        is_self=is_self,
        building=building,
        ambassador=member.has(Role.VOLUNTEER) or bool(profile and profile.ambassador),
        profile_open=may_open_profile(viewer, member, profile),
    )
    if profile is None:
        return view
    if profile.avatar and allowed("avatar"):
        view.avatar_url = url_for("neighbors.avatar", membership_id=member.id, v=profile.avatar[-12:-5])
    if profile.occupation and allowed("occupation"):
        view.occupation = profile.occupation
    if profile.intro and allowed("intro"):
        view.intro = profile.intro
    if allowed("skills"):
        view.skills = profile.tag_names("skill")
    if allowed("interests"):
        view.interests = profile.tag_names("interest")
    return view


# loader options for a select of (Profile, Membership) rows that person_view then reads
PERSON_LOADING = (
    selectinload(Membership.user),
    selectinload(Membership.building),
    selectinload(Profile.tags),
)


def person_views(viewer: Membership | None, members: list[Membership]) -> dict[int, PersonView]:
    """person_view for many members at once, keyed by membership id: their profiles with tags,
    their accounts and buildings in one query each, however many they are."""
    members = [m for m in members if m is not None]
    if not members:
        return {}
    # held while the views are made, so each member's .user and .building is found in the
    # session instead of being queried one by one
    loaded = [
        *db.session.scalars(sa.select(User).where(User.id.in_({m.user_id for m in members}))),
        *db.session.scalars(sa.select(Building).where(Building.id.in_({m.building_id for m in members}))),
    ]
    profiles = {
        p.membership_id: p
        for p in db.session.scalars(
            sa.select(Profile)
            .where(Profile.membership_id.in_({m.id for m in members}))
            .options(selectinload(Profile.tags))
        )
    }
    views = {m.id: person_view(viewer, m, profiles.get(m.id), load_profile=False) for m in members}
    loaded.clear()
    return views


def memberships_of_users(community_id: int, user_ids) -> dict[int, Membership]:
    """The community memberships of these people, keyed by user id (for author labels)."""
    ids = list({u for u in user_ids if u})
    if not ids:
        return {}
    return {
        m.user_id: m
        for m in db.session.scalars(
            sa.select(Membership).where(Membership.community_id == community_id, Membership.user_id.in_(ids))
        )
    }


def people_for_users(viewer: Membership | None, community_id: int, user_ids) -> dict[int, PersonView]:
    """person_view of the people behind user ids (authors, helpers…), keyed by user id."""
    by_user = memberships_of_users(community_id, user_ids)
    views = person_views(viewer, list(by_user.values()))
    return {user_id: views[m.id] for user_id, m in by_user.items()}


def public_label(viewer_membership: Membership | None, member_membership: Membership) -> str:
    """Masked name (full name if its visibility allows) + building only if the member's building
    visibility allows it for this viewer — for participant lists in other domains."""
    return person_view(viewer_membership, member_membership).label


