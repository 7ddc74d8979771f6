"""Neighbours: profiles whose every field has its own visibility, the directory, suggestions,
contact requests and the ambassadors who welcome newcomers.

The one rule: a field is shown to a viewer only when its owner's visibility for it allows
that viewer (only me / my building / my community). Everything a page shows about another
resident comes through `person_view` or `public_label`, which apply it.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.neighbors.models import (
    PROFILE_FIELDS,
    ContactRequest,
    ContactStatus,
    Profile,
    ProfileTag,
    PurchaseHint,
    Tag,
    Visibility,
)
from portal.neighbors.tags import normalize_tag, tags_named
from portal.notifications.services import notify

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

# "experienced neighbour" suggestions: what an order mentions → the tags of neighbours who can help
EXPERIENCE_TOPICS = {
    "parenting": (
        _l("parenting"),
        ("婴儿", "宝宝", "奶粉", "尿不湿", "纸尿裤", "母婴", "辅食", "童装", "baby"),
        ("育儿经验", "育儿", "带娃"),
    ),
    "pets": (_l("pets"), ("猫粮", "狗粮", "猫砂", "宠物", "pet"), ("养宠经验", "宠物", "养猫", "养狗")),
    "gardening": (_l("gardening"), ("花苗", "种子", "绿植", "花土", "多肉", "盆栽"), ("园艺", "种花")),
    "baking": (_l("baking"), ("面粉", "黄油", "烤箱", "酵母", "淡奶油"), ("烘焙",)),
    "elder_care": (
        _l("caring for elders"),
        ("轮椅", "血压计", "护理垫", "助行器", "老人"),
        ("照护老人", "老人照护"),
    ),
    "repairs": (_l("repairs"), ("电钻", "工具箱", "水龙头", "灯泡", "插座"), ("会修家电", "修水管", "电工")),
}

NEWCOMER_DAYS = 30


# --- who may see what ---------------------------------------------------------------------


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


def mask_name(name: str) -> str:
    """王阿姨 → 王**: the first character only."""
    name = (name or "").strip()
    return (name[:1] + "**") if name else "**"


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


def person_view(
    viewer: Membership | None, member: Membership, profile: Profile | None = None, load_profile: bool = True
) -> PersonView:
    """The member as `viewer` may see them: every field checked against its visibility."""
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


def person_views(viewer: Membership | None, members: list[Membership]) -> dict[int, PersonView]:
    """person_view for many members at once (one query for their profiles), keyed by membership id."""
    ids = [m.id for m in members if m is not None]
    profiles = {}
    if ids:
        profiles = {
            p.membership_id: p
            for p in db.session.scalars(sa.select(Profile).where(Profile.membership_id.in_(ids)))
        }
    return {
        m.id: person_view(viewer, m, profiles.get(m.id), load_profile=False) for m in members if m is not None
    }


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


# --- editing one's profile ----------------------------------------------------------------


def update_profile(
    membership: Membership,
    *,
    display_name: str,
    occupation: str,
    intro: str,
    skills: list[str],
    interests: list[str],
    visibility: dict[str, str],
    discoverable: bool,
    offers_experience: bool,
    wants_suggestions: bool,
) -> Profile:
    """Save the member's profile; tags are normalised, visibilities must be known values."""
    display_name = (display_name or "").strip()
    if not display_name:
        raise DomainError(_l("Enter the name neighbours see."), "display_name")
    profile = ensure_profile(membership)
    for name in PROFILE_FIELDS:
        level = visibility.get(name, Visibility.ME)
        if level not in set(Visibility):
            raise DomainError(_l("Choose who sees this."), f"{name}_visibility")
        setattr(profile, f"{name}_visibility", level)
    membership.user.display_name = display_name[:40]
    profile.occupation = (occupation or "").strip()[:40]
    profile.intro = (intro or "").strip()[:500]
    profile.discoverable = bool(discoverable)
    profile.offers_experience = bool(offers_experience)
    profile.wants_suggestions = bool(wants_suggestions)
    _set_tags(profile, skills, interests)
    if not profile.wants_suggestions:  # nothing derived from orders is kept without consent
        db.session.execute(sa.delete(PurchaseHint).where(PurchaseHint.membership_id == membership.id))
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def _set_tags(profile: Profile, skills: list[str], interests: list[str]) -> None:
    profile.tags.clear()
    db.session.flush()
    for kind, names in (("skill", skills), ("interest", interests)):
        for position, tag in enumerate(tags_named([normalize_tag(n) for n in names if normalize_tag(n)])):
            profile.tags.append(ProfileTag(tag_id=tag.id, tag=tag, kind=kind, position=position))


def set_avatar(membership: Membership, path: str) -> str | None:
    """Store a new avatar path; returns the old one (for the caller to delete after commit)."""
    profile = ensure_profile(membership)
    old, profile.avatar = profile.avatar, path
    profile.updated_at = utcnow()
    db.session.flush()
    return old or None


# --- the directory and suggestions --------------------------------------------------------


def _discoverable_query(viewer: Membership):
    """Profiles of active members of the viewer's community who chose to be listed (not the viewer)."""
    return (
        sa.select(Profile, Membership)
        .join(Membership, Membership.id == Profile.membership_id)
        .where(
            Profile.community_id == viewer.community_id,
            Profile.discoverable,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.id != viewer.id,
            Membership.roles.op("&")(int(Role.KIOSK)) == 0,
        )
    )


def _visible_tag_clause(viewer: Membership, tag_ids, owner_building):
    """Profiles having one of `tag_ids` as a tag whose visibility lets the viewer see it."""
    pt = aliased(ProfileTag)
    return sa.exists(
        sa.select(pt.profile_id).where(
            pt.profile_id == Profile.id,
            pt.tag_id.in_(tag_ids),
            sa.or_(
                sa.and_(
                    pt.kind == "skill",
                    visible_level_clause(Profile.skills_visibility, owner_building, viewer),
                ),
                sa.and_(
                    pt.kind == "interest",
                    visible_level_clause(Profile.interests_visibility, owner_building, viewer),
                ),
            ),
        )
    )


def directory(
    viewer: Membership, tag: str = "", building_only: bool = False, page: int = 1, per_page: int = 20
):
    """Discoverable neighbours, optionally those with a (visible) tag; returns (people, more)."""
    query = _discoverable_query(viewer)
    name = normalize_tag(tag)
    if name:
        tag_row = db.session.scalar(sa.select(Tag).where(Tag.name == name))
        if tag_row is None:
            return [], False
        query = query.where(_visible_tag_clause(viewer, [tag_row.id], Membership.building_id))
    if building_only:
        if viewer.building_id is None:
            return [], False
        # only those who show their building to the viewer can be found by it
        query = query.where(
            Membership.building_id == viewer.building_id,
            Profile.building_visibility.in_([Visibility.BUILDING, Visibility.COMMUNITY]),
        )
    rows = db.session.execute(
        query.order_by(Profile.updated_at.desc(), Profile.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    people = [person_view(viewer, m, p, load_profile=False) for p, m in rows[:per_page]]
    return people, len(rows) > per_page


def shared_tag_suggestions(viewer: Membership, limit: int = 6) -> list[PersonView]:
    """Discoverable neighbours who share tags with the viewer (tags they let the viewer see)."""
    own = profile_of(viewer)
    if own is None or not own.tags:
        return []
    my_tag_ids = list({pt.tag_id for pt in own.tags})
    rows = db.session.execute(
        _discoverable_query(viewer)
        .where(_visible_tag_clause(viewer, my_tag_ids, Membership.building_id))
        .order_by(Profile.updated_at.desc())
        .limit(100)
    ).all()
    mine = {pt.tag.name for pt in own.tags}
    ranked = []
    for profile, member in rows:
        view = person_view(viewer, member, profile, load_profile=False)
        view.shared_tags = [t for t in [*view.skills, *view.interests] if t in mine]
        if view.shared_tags:
            ranked.append(view)
    ranked.sort(key=lambda v: -len(v.shared_tags))
    return ranked[:limit]


def topics_for_text(text: str) -> list[str]:
    text = (text or "").casefold()
    return [
        topic for topic, (_label, words, _tags) in EXPERIENCE_TOPICS.items() if any(w in text for w in words)
    ]


def note_purchase(user_id: int, community_id: int, text: str) -> list[str]:
    """Remember what an order suggests, only for a resident who asked for such suggestions."""
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user_id, Membership.community_id == community_id)
    )
    profile = profile_of(membership) if membership else None
    if profile is None or not profile.wants_suggestions:
        return []
    topics = topics_for_text(text)
    for topic in topics:
        updated = db.session.execute(
            sa.update(PurchaseHint)
            .where(PurchaseHint.membership_id == membership.id, PurchaseHint.topic == topic)
            .values(count=PurchaseHint.count + 1, last_at=utcnow())
        )
        if updated.rowcount == 0:
            db.session.add(PurchaseHint(membership_id=membership.id, topic=topic))
    db.session.flush()
    return topics


def experienced_suggestions(viewer: Membership, limit: int = 6) -> list[tuple[str, PersonView]]:
    """(topic label, neighbour): both sides opted in — the viewer to suggestions from what they
    buy, the neighbour to being suggested — and the matching tag is one the viewer may see."""
    own = profile_of(viewer)
    if own is None or not own.wants_suggestions:
        return []
    topics = list(
        db.session.scalars(
            sa.select(PurchaseHint.topic)
            .where(PurchaseHint.membership_id == viewer.id)
            .order_by(PurchaseHint.count.desc())
        )
    )
    results, seen = [], set()
    for topic in topics:
        if topic not in EXPERIENCE_TOPICS:
            continue
        label, _words, tag_names = EXPERIENCE_TOPICS[topic]
        tag_ids = list(db.session.scalars(sa.select(Tag.id).where(Tag.name.in_(tag_names))))
        if not tag_ids:
            continue
        rows = db.session.execute(
            sa.select(Profile, Membership)
            .join(Membership, Membership.id == Profile.membership_id)
            .where(
                Profile.community_id == viewer.community_id,
                Profile.offers_experience,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.id != viewer.id,
                _visible_tag_clause(viewer, tag_ids, Membership.building_id),
            )
            .limit(20)
        ).all()
        for profile, member in rows:
            if member.id in seen:
                continue
            seen.add(member.id)
            view = person_view(viewer, member, profile, load_profile=False)
            view.shared_tags = [t for t in [*view.skills, *view.interests] if t in tag_names]
            results.append((str(label), view))
    return results[:limit]


def tag_suggestions(community_id: int, kind: str, limit: int = 12) -> list[str]:
    """Tags to offer while typing: the common ones and those used openly in the community."""
    from portal.neighbors.tags import SUGGESTED_INTERESTS, SUGGESTED_SKILLS

    level = Profile.skills_visibility if kind == "skill" else Profile.interests_visibility
    used = db.session.execute(
        sa.select(Tag.name, sa.func.count())
        .join(ProfileTag, ProfileTag.tag_id == Tag.id)
        .join(Profile, Profile.id == ProfileTag.profile_id)
        .where(Profile.community_id == community_id, ProfileTag.kind == kind, level == Visibility.COMMUNITY)
        .group_by(Tag.name)
        .having(sa.func.count() >= 2)  # a tag only one person uses could point at them
        .order_by(sa.func.count().desc())
        .limit(limit)
    ).all()
    names = [name for name, _count in used]
    for name in SUGGESTED_SKILLS if kind == "skill" else SUGGESTED_INTERESTS:
        if name not in names:
            names.append(name)
    return names[:limit]


# --- contact requests ---------------------------------------------------------------------


def request_contact(
    sender: Membership, target: Membership, message: str, share_phone: bool
) -> ContactRequest:
    """Ask a neighbour to get in touch, inside the portal; my phone travels only if I share it."""
    if sender.id == target.id:
        raise DomainError(_l("That is you."))
    if target.community_id != sender.community_id or not target.is_active:
        raise DomainError(_l("This neighbour is not in your community."))
    pending = db.session.scalar(
        sa.select(ContactRequest.id).where(
            ContactRequest.from_membership_id == sender.id,
            ContactRequest.to_membership_id == target.id,
            ContactRequest.status == ContactStatus.PENDING,
        )
    )
    if pending:
        raise DomainError(_l("You have asked already; wait for an answer."))
    message = (message or "").strip()
    if not message:
        raise DomainError(_l("Say a few words: who you are and why you write."), "message")
    request = ContactRequest(
        community_id=sender.community_id,
        from_membership_id=sender.id,
        to_membership_id=target.id,
        message=message[:300],
        from_shares_phone=bool(share_phone),
    )
    db.session.add(request)
    db.session.flush()
    notify(
        target.user_id,
        "contact_request",
        community_id=target.community_id,
        link=url_for("neighbors.contacts"),
        name=public_label(target, sender),
    )
    return request


def answer_contact(me: Membership, request: ContactRequest, accept: bool, share_phone: bool) -> None:
    """Accept (optionally sharing my phone) or decline a request sent to me — once."""
    if request.to_membership_id != me.id:
        raise DomainError(_l("This request is not for you."))
    result = db.session.execute(
        sa.update(ContactRequest)
        .where(ContactRequest.id == request.id, ContactRequest.status == ContactStatus.PENDING)
        .values(
            status=ContactStatus.ACCEPTED if accept else ContactStatus.DECLINED,
            to_shares_phone=bool(accept and share_phone),
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("You answered this request already."))
    db.session.refresh(request)
    if accept:
        notify(
            request.from_membership.user_id,
            "contact_accepted",
            community_id=me.community_id,
            link=url_for("neighbors.contacts"),
            name=public_label(request.from_membership, me),
        )


def contacts_for(me: Membership) -> tuple[list[ContactRequest], list[ContactRequest]]:
    """(requests to me, requests from me), newest first."""
    base = sa.select(ContactRequest).where(ContactRequest.community_id == me.community_id)
    incoming = db.session.scalars(
        base.where(ContactRequest.to_membership_id == me.id).order_by(ContactRequest.id.desc()).limit(50)
    ).all()
    outgoing = db.session.scalars(
        base.where(ContactRequest.from_membership_id == me.id).order_by(ContactRequest.id.desc()).limit(50)
    ).all()
    return list(incoming), list(outgoing)


def shared_phone(me: Membership, request: ContactRequest) -> str | None:
    """The other side's phone, only once accepted and only if they chose to share it."""
    if request.status != ContactStatus.ACCEPTED:
        return None
    if request.from_membership_id == me.id and request.to_shares_phone:
        return request.to_membership.user.phone
    if request.to_membership_id == me.id and request.from_shares_phone:
        return request.from_membership.user.phone
    return None


# --- newcomers and ambassadors ------------------------------------------------------------


def recent_newcomers(community_id: int, days: int = NEWCOMER_DAYS) -> list[Membership]:
    since = utcnow() - timedelta(days=days)
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.decided_at >= since,
                Membership.roles.op("&")(int(Role.KIOSK)) == 0,
            )
            .order_by(Membership.decided_at.desc())
            .limit(50)
        )
    )


def ambassadors(community_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .outerjoin(Profile, Profile.membership_id == Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                sa.or_(Profile.ambassador, Membership.roles.op("&")(int(Role.VOLUNTEER)) != 0),
            )
            .order_by(User.display_name)
        )
    )


def set_ambassador(admin: Membership, member: Membership, on: bool) -> None:
    """Appoint (or stand down) a resident as 邻里大使."""
    if member.community_id != admin.community_id or not member.is_active:
        raise DomainError(_l("This neighbour is not in your community."))
    profile = ensure_profile(member)
    if profile.ambassador == on:
        return
    profile.ambassador = on
    db.session.flush()
    if on:
        from portal.moderation.services import trust

        trust(member.user_id, member.community_id)  # an ambassador's welcomes appear at once
        notify(
            member.user_id, "ambassador_appointed", community_id=member.community_id, link="/boards/newcomers"
        )


def welcome_newcomer_notifications(membership: Membership) -> None:
    """A new member: ambassadors hear of it (building only if the newcomer shows it — not yet)."""
    for ambassador in ambassadors(membership.community_id):
        if ambassador.user_id != membership.user_id:
            notify(
                ambassador.user_id,
                "newcomer_joined",
                community_id=membership.community_id,
                link="/boards/newcomers",
            )
    notify(
        membership.user_id, "newcomer_hello", community_id=membership.community_id, link="/boards/newcomers"
    )
