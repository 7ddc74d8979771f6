"""Neighbours: editing one's profile, the directory and suggestions, contact requests, and the
ambassadors who welcome newcomers. What a viewer may see of a neighbour is privacy.py."""

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from portal.community.models import Membership, MembershipStatus, Role, roles_holding
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.core.signals import ambassador_appointed
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
from portal.neighbors.privacy import (
    PERSON_LOADING,
    PersonView,
    ensure_profile,
    person_view,
    profile_of,
    public_label,
    visible_level_clause,
)
from portal.neighbors.tags import normalize_tag, tags_named
from portal.notifications.services import notify

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
            Membership.roles.not_in(roles_holding(Role.KIOSK)),
        )
    )


def _visible_tags_of_profile(pt, viewer: Membership, tag_ids, owner_building):
    """The profile tags `pt` of the profile at hand that are among `tag_ids` and whose kind's
    visibility (skills, interests) lets the viewer see them."""
    return sa.and_(
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


def _visible_tag_clause(viewer: Membership, tag_ids, owner_building):
    """Profiles having one of `tag_ids` as a tag whose visibility lets the viewer see it."""
    pt = aliased(ProfileTag)
    return sa.exists(
        sa.select(pt.profile_id).where(_visible_tags_of_profile(pt, viewer, tag_ids, owner_building))
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
    query = query.options(*PERSON_LOADING).order_by(Profile.updated_at.desc(), Profile.id.desc())
    found = page_of(query, page, per_page, rows=True)
    return [person_view(viewer, m, p, load_profile=False) for p, m in found], found.more


SUGGESTION_POOL = 50  # of the latest updated matching profiles, those who share most are suggested


def _visible_shared_count(viewer: Membership, tag_ids, owner_building):
    """How many of `tag_ids` a profile has as tags the viewer may see (a correlated count)."""
    pt = aliased(ProfileTag)
    return (
        sa.select(sa.func.count(sa.distinct(pt.tag_id)))
        .where(_visible_tags_of_profile(pt, viewer, tag_ids, owner_building))
        .correlate(Profile, Membership)
        .scalar_subquery()
    )


def shared_tag_suggestions(viewer: Membership, limit: int = 6) -> list[PersonView]:
    """Discoverable neighbours who share tags with the viewer (tags they let the viewer see):
    of the SUGGESTION_POOL latest updated, those who share most, ranked in SQL."""
    own = profile_of(viewer)
    if own is None or not own.tags:
        return []
    my_tag_ids = list({pt.tag_id for pt in own.tags})
    pool = (
        _discoverable_query(viewer)
        .with_only_columns(Profile.id)
        .where(_visible_tag_clause(viewer, my_tag_ids, Membership.building_id))
        .order_by(Profile.updated_at.desc(), Profile.id.desc())
        .limit(SUGGESTION_POOL)
    )
    shared = _visible_shared_count(viewer, my_tag_ids, Membership.building_id)
    rows = db.session.execute(
        sa.select(Profile, Membership)
        .join(Membership, Membership.id == Profile.membership_id)
        .where(Profile.id.in_(pool))
        .options(*PERSON_LOADING)
        .order_by(shared.desc(), Profile.updated_at.desc(), Profile.id.desc())
        .limit(limit)
    ).all()
    mine = {pt.tag.name for pt in own.tags}
    ranked = []
    for profile, member in rows:
        view = person_view(viewer, member, profile, load_profile=False)
        view.shared_tags = [t for t in [*view.skills, *view.interests] if t in mine]
        ranked.append(view)
    return ranked


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


EXPERIENCED_POOL = 20


def experienced_suggestions(viewer: Membership, limit: int = 6) -> list[tuple[str, PersonView]]:
    """(topic label, neighbour): both sides opted in — the viewer to suggestions from what they
    buy, the neighbour to being suggested — and the matching tag is one the viewer may see.
    Topics in the order of the viewer's hints; the same few queries however many there are."""
    own = profile_of(viewer)
    if own is None or not own.wants_suggestions:
        return []
    topics = [
        topic
        for topic in db.session.scalars(
            sa.select(PurchaseHint.topic)
            .where(PurchaseHint.membership_id == viewer.id)
            .order_by(PurchaseHint.count.desc(), PurchaseHint.topic)
        )
        if topic in EXPERIENCE_TOPICS
    ]
    names = {name for topic in topics for name in EXPERIENCE_TOPICS[topic][2]}
    tag_ids = list(db.session.scalars(sa.select(Tag.id).where(Tag.name.in_(names)))) if names else []
    if not tag_ids:
        return []
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
        .options(*PERSON_LOADING)
        .order_by(Profile.updated_at.desc(), Profile.id.desc())
        .limit(EXPERIENCED_POOL)
    ).all()
    views = [person_view(viewer, member, profile, load_profile=False) for profile, member in rows]
    results, seen = [], set()
    for topic in topics:
        label, _words, tag_names = EXPERIENCE_TOPICS[topic]
        for view in views:
            shared = [t for t in [*view.skills, *view.interests] if t in tag_names]
            if shared and view.membership_id not in seen:
                seen.add(view.membership_id)
                view.shared_tags = shared
                results.append((str(label), view))
    return results[:limit]


TAG_SAMPLE = 500


def tag_suggestions(community_id: int, kind: str, limit: int = 12) -> list[str]:
    """Tags to offer while typing: the common ones and those used openly by the TAG_SAMPLE
    neighbours who updated their profile last."""
    from portal.neighbors.tags import SUGGESTED_INTERESTS, SUGGESTED_SKILLS

    level = Profile.skills_visibility if kind == "skill" else Profile.interests_visibility
    recent = (  # the profiles updated last: the counting costs the same in any community
        sa.select(Profile.id)
        .where(Profile.community_id == community_id, level == Visibility.COMMUNITY)
        .order_by(Profile.updated_at.desc())
        .limit(TAG_SAMPLE)
        .subquery()
    )
    used = db.session.execute(
        sa.select(Tag.name, sa.func.count())
        .join(ProfileTag, ProfileTag.tag_id == Tag.id)
        .join(recent, recent.c.id == ProfileTag.profile_id)
        .where(ProfileTag.kind == kind)
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


CONTACTS_PAGE = 20


def contacts_for(me: Membership, page: int = 1, sent_page: int = 1) -> tuple[Page, Page]:
    """A page of the requests to me and of those from me, newest first, with both sides'
    memberships and accounts (shared_phone reads them)."""
    base = (
        sa.select(ContactRequest)
        .where(ContactRequest.community_id == me.community_id)
        .options(
            selectinload(ContactRequest.from_membership).selectinload(Membership.user),
            selectinload(ContactRequest.to_membership).selectinload(Membership.user),
        )
        .order_by(ContactRequest.id.desc())
    )
    incoming = page_of(base.where(ContactRequest.to_membership_id == me.id), page, CONTACTS_PAGE)
    outgoing = page_of(base.where(ContactRequest.from_membership_id == me.id), sent_page, CONTACTS_PAGE)
    return incoming, outgoing


RECENT_ANSWERS = timedelta(days=7)


def contacts_needing_me(me: Membership, limit: int) -> tuple[list[ContactRequest], bool]:
    """Requests to me still waiting for my answer, then the replies to mine of the last week
    (accepted: they are how we get in touch), newest first; and whether there are more."""
    since = utcnow() - RECENT_ANSWERS
    waiting_first = sa.case((ContactRequest.status == ContactStatus.PENDING, 0), else_=1)
    found = list(
        db.session.scalars(
            sa.select(ContactRequest)
            .where(
                ContactRequest.community_id == me.community_id,
                sa.or_(
                    sa.and_(
                        ContactRequest.to_membership_id == me.id,
                        ContactRequest.status == ContactStatus.PENDING,
                    ),
                    sa.and_(
                        ContactRequest.from_membership_id == me.id,
                        ContactRequest.status == ContactStatus.ACCEPTED,
                        ContactRequest.decided_at >= since,
                    ),
                ),
            )
            .options(selectinload(ContactRequest.from_membership), selectinload(ContactRequest.to_membership))
            .order_by(waiting_first, ContactRequest.id.desc())
            .limit(limit + 1)
        )
    )
    return found[:limit], len(found) > limit


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


NEWCOMERS_PAGE = 12


def recent_newcomers(community_id: int, days: int = NEWCOMER_DAYS, page: int = 1) -> Page:
    """A page of the members who joined in the last `days` days, the latest first."""
    since = utcnow() - timedelta(days=days)
    return page_of(
        sa.select(Membership)
        .where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.decided_at >= since,
            Membership.roles.not_in(roles_holding(Role.KIOSK)),
        )
        .order_by(Membership.decided_at.desc(), Membership.id.desc()),
        page,
        NEWCOMERS_PAGE,
    )


def _ambassadors_query(community_id: int):
    """Active volunteers and appointed ambassadors, by name; each half found through an index."""
    volunteers = sa.select(Membership.id).where(
        Membership.community_id == community_id, Membership.roles.in_(roles_holding(Role.VOLUNTEER))
    )
    appointed = sa.select(Profile.membership_id).where(
        Profile.community_id == community_id, Profile.ambassador
    )
    return (
        sa.select(Membership)
        .where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            sa.or_(Membership.id.in_(volunteers), Membership.id.in_(appointed)),
        )
        .order_by(Membership.id)  # never by name: the order would tell something of hidden names
    )


def ambassador_user_ids(community_id: int) -> sa.Select:
    """The user ids of the community's ambassadors, as a subquery to filter by."""
    return _ambassadors_query(community_id).with_only_columns(Membership.user_id).order_by(None)


def ambassadors_among(community_id: int, user_ids) -> set[int]:
    """Which of these people are ambassadors (appointed, or volunteers)."""
    ids = list({u for u in user_ids if u})
    if not ids:
        return set()
    return set(db.session.scalars(ambassador_user_ids(community_id).where(Membership.user_id.in_(ids))))


def ambassadors(community_id: int) -> list[Membership]:
    """Every ambassador (appointed, or a volunteer): whom a newcomer's arrival is told."""
    return list(db.session.scalars(_ambassadors_query(community_id)))


def ambassadors_listed(community_id: int, page: int = 1) -> Page:
    """A page of the ambassadors, by name, with their accounts and buildings."""
    return page_of(
        _ambassadors_query(community_id).options(
            selectinload(Membership.user), selectinload(Membership.building)
        ),
        page,
        CONTACTS_PAGE,
    )


def appointed_among(membership_ids) -> set[int]:
    """Which of these members were appointed ambassadors (volunteers are ambassadors anyway)."""
    return set(
        db.session.scalars(
            sa.select(Profile.membership_id).where(
                Profile.membership_id.in_(list(membership_ids)), Profile.ambassador
            )
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
        ambassador_appointed.send(member)
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
