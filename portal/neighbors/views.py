"""Neighbour pages: the directory, profiles, my profile, avatars, contact requests, ambassadors."""

import sqlalchemy as sa
from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.access import current_membership, get_in_community, role_required
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import redirect_to, render
from portal.extensions import limiter
from portal.neighbors import bp
from portal.neighbors.access import people_required
from portal.neighbors.forms import AnswerForm, ContactForm, ProfileForm, SearchForm
from portal.neighbors.models import PROFILE_FIELDS, ContactRequest, Visibility
from portal.neighbors.services import (
    FIELD_LABELS,
    VISIBILITY_LABELS,
    ambassadors,
    answer_contact,
    contacts_for,
    directory,
    ensure_profile,
    experienced_suggestions,
    person_view,
    person_views,
    profile_of,
    request_contact,
    set_ambassador,
    shared_phone,
    shared_tag_suggestions,
    tag_suggestions,
    update_profile,
)
from portal.neighbors.tags import parse_tags


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 1000))
    except ValueError:
        return 1


def member_in_community(membership_id: int) -> Membership:
    """An active (non-device) member of my community, else 404."""
    member = get_in_community(Membership, membership_id)
    if not member.is_active or member.roles & Role.KIOSK:
        abort(404)
    return member


def user_rate_key() -> str:
    return f"user:{current_user.get_id() or request.remote_addr}"


def contact_limit() -> str:
    return current_app.config.get("CONTACT_RATE_LIMIT", "10 per hour")


@bp.get("/neighbors", endpoint="directory")
@people_required
def directory_page():
    """Find neighbours by tag among those who chose to be listed; suggestions besides."""
    me = current_membership()
    form = SearchForm(request.args)
    form.validate()
    page = _page()
    tag = form.tag.data or ""
    people, more = directory(me, tag, bool(form.building.data), page)
    own = profile_of(me)
    context = dict(
        form=form,
        people=people,
        more=more,
        page=page,
        tag=tag,
        listed=bool(own and own.discoverable),
        suggestions=shared_tag_suggestions(me) if page == 1 and not tag else [],
        experienced=experienced_suggestions(me) if page == 1 and not tag else [],
        tag_options=tag_suggestions(me.community_id, "skill") + tag_suggestions(me.community_id, "interest"),
    )
    return render("neighbors/directory.html", "results", **context)


@bp.get("/neighbors/<int:membership_id>")
@people_required
def profile(membership_id: int):
    """A neighbour's profile: only the fields they let me see."""
    me = current_membership()
    member = member_in_community(membership_id)
    viewer = me
    preview = request.args.get("as", "")
    if member.id == me.id and preview in ("building", "community"):
        # "how others see me": a stand-in neighbour of my building, or of another one
        viewer = Membership(
            id=-1,
            user_id=-1,
            community_id=me.community_id,
            status=MembershipStatus.ACTIVE,
            roles=Role.RESIDENT,
            building_id=me.building_id if preview == "building" else -1,
        )
    from portal.points.services import BADGE_ICONS, BADGES, badges_of

    return render(
        "neighbors/profile.html",
        "profile",
        person=person_view(viewer, member),
        member=member,
        is_self=member.id == me.id,
        preview=preview if member.id == me.id else "",
        contact_form=ContactForm(formdata=None),
        badges=badges_of(member.user_id, member.community_id),
        badge_names=BADGES,
        badge_icons=BADGE_ICONS,
    )


def _profile_form(me: Membership) -> ProfileForm:
    profile = ensure_profile(me)
    data = {
        "display_name": me.user.display_name,
        "occupation": profile.occupation,
        "intro": profile.intro,
        "skills": ", ".join(profile.tag_names("skill")),
        "interests": ", ".join(profile.tag_names("interest")),
        "discoverable": profile.discoverable,
        "offers_experience": profile.offers_experience,
        "wants_suggestions": profile.wants_suggestions,
    }
    data.update({f"{name}_visibility": profile.visibility(name) for name in PROFILE_FIELDS})
    return ProfileForm(formdata=None, data=data)


def _edit_page(me, form, status=200, saved=False):
    profile = profile_of(me)
    return render(
        "neighbors/edit.html",
        "form",
        status=status,
        form=form,
        me=me,
        profile=profile,
        saved=saved,
        field_labels=FIELD_LABELS,
        visibility_labels=VISIBILITY_LABELS,
        skill_options=tag_suggestions(me.community_id, "skill"),
        interest_options=tag_suggestions(me.community_id, "interest"),
    )


@bp.route("/neighbors/me", methods=["GET", "POST"])
@people_required
def edit():
    """My profile: every field with who may see it (only me, my building, my community)."""
    from portal.core.uploads import delete_upload, save_image

    me = current_membership()
    if request.method == "GET":
        form = _profile_form(me)
        db.session.commit()
        return _edit_page(me, form)
    form = ProfileForm()
    if not form.validate():
        return _edit_page(me, form, status=422)
    old_avatar = None
    try:
        skills = parse_tags(form.skills.data, field="skills")
        interests = parse_tags(form.interests.data, field="interests")
        profile = update_profile(
            me,
            display_name=form.display_name.data,
            occupation=form.occupation.data or "",
            intro=form.intro.data or "",
            skills=skills,
            interests=interests,
            visibility=form.visibilities(),
            discoverable=form.discoverable.data,
            offers_experience=form.offers_experience.data,
            wants_suggestions=form.wants_suggestions.data,
        )
        upload = request.files.get("avatar")
        if upload is not None and upload.filename:
            path = save_image(upload, "avatars")
            old_avatar = profile.avatar or None
            profile.avatar = path
        elif form.remove_avatar.data and profile.avatar:
            old_avatar, profile.avatar = profile.avatar, ""
    except DomainError as error:
        db.session.rollback()
        field = error.field if error.field in form else ("avatar" if error.field is None else error.field)
        attach_error(form, DomainError(error.message, field))
        return _edit_page(me, form, status=422)
    db.session.commit()
    delete_upload(old_avatar)
    return _edit_page(me, _profile_form(me), saved=True)


@bp.get("/neighbors/<int:membership_id>/avatar")
@people_required
def avatar(membership_id: int):
    """A neighbour's photo, only for those their avatar visibility allows."""
    from portal.core.uploads import upload_root

    member = member_in_community(membership_id)
    view = person_view(current_membership(), member)
    profile = profile_of(member)
    if view.avatar_url is None or profile is None or not profile.avatar:
        abort(404)
    try:
        data = (upload_root() / profile.avatar).read_bytes()
    except (FileNotFoundError, OSError):
        abort(404)
    mimetype = "image/webp" if profile.avatar.endswith(".webp") else "image/jpeg"
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "private, max-age=300"})


@bp.post("/neighbors/<int:membership_id>/contact")
@people_required
@limiter.limit(contact_limit, key_func=user_rate_key)
def contact(membership_id: int):
    """Ask a neighbour to get in touch (inside the portal; phones only if shared)."""
    me = current_membership()
    member = member_in_community(membership_id)
    form = ContactForm()
    template = "neighbors/_contact_form.html"
    if not form.validate():
        return render(template, "contact_form", status=422, contact_form=form, member=member)
    try:
        request_contact(me, member, form.message.data, form.share_phone.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render(template, "contact_form", status=422, contact_form=form, member=member)
    db.session.commit()
    return render(template, "contact_form", contact_form=ContactForm(formdata=None), sent=True, member=member)


def _contacts_page(status=200, problem=None):
    me = current_membership()
    incoming, outgoing = contacts_for(me)
    others = [r.from_membership for r in incoming] + [r.to_membership for r in outgoing]
    views = person_views(me, others)
    return render(
        "neighbors/contacts.html",
        "contacts",
        status=status,
        incoming=incoming,
        outgoing=outgoing,
        views=views,
        phone_of=lambda r: shared_phone(me, r),
        answer_form=AnswerForm(formdata=None),
        problem=problem,
    )


@bp.get("/neighbors/contacts")
@people_required
def contacts():
    """Contact requests to me and from me; phones appear only when shared."""
    return _contacts_page()


@bp.post("/neighbors/contacts/<int:request_id>/<any(accept, decline):answer>")
@people_required
def answer(request_id: int, answer: str):
    """Accept (optionally sharing my phone) or decline a contact request."""
    contact_request = get_in_community(ContactRequest, request_id)
    me = current_membership()
    if contact_request.to_membership_id != me.id:
        abort(404)
    form = AnswerForm()
    if not form.validate():
        return _contacts_page(status=422)
    try:
        answer_contact(me, contact_request, answer == "accept", form.share_phone.data)
    except DomainError as error:
        db.session.rollback()
        return _contacts_page(status=422, problem=error.message)
    db.session.commit()
    return _contacts_page()


@bp.get("/neighbors/ambassadors", endpoint="ambassadors")
@role_required(Role.ADMIN)
def ambassadors_page():
    """Admins appoint residents as 邻里大使 (volunteers are ambassadors already)."""
    me = current_membership()
    search = request.args.get("q", "").strip()[:40]
    candidates = []
    if search:
        candidates = db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.community_id == me.community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.op("&")(int(Role.KIOSK)) == 0,
                User.display_name.ilike(f"%{search}%"),
            )
            .order_by(User.display_name)
            .limit(20)
        ).all()
    current = ambassadors(me.community_id)
    return render(
        "neighbors/ambassadors.html",
        "ambassadors",
        current=current,
        candidates=candidates,
        q=search,
        appointed={m.id for m in current if (profile_of(m) and profile_of(m).ambassador)},
    )


@bp.post("/neighbors/ambassadors/<int:membership_id>/<any(on, off):state>")
@role_required(Role.ADMIN)
def appoint(membership_id: int, state: str):
    """Appoint or stand down an ambassador."""
    member = member_in_community(membership_id)
    try:
        set_ambassador(current_membership(), member, state == "on")
    except DomainError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return redirect_to(url_for("neighbors.ambassadors"))


def visibility_label(level: str) -> str:
    return str(VISIBILITY_LABELS.get(Visibility(level), level)) if level in set(Visibility) else level


@bp.app_template_global("neighbour_label")
def neighbour_label_global(user_id: int, people: dict) -> str:
    """The label of an author from a people map (masked when unknown)."""
    person = people.get(user_id)
    return person.label if person else _("A neighbour")
