"""Neighbour pages: the directory, profiles, my profile, avatars, contact requests, ambassadors."""

from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _

from portal.community.access import (
    current_membership,
    get_in_community,
    get_member,
    people_required,
    role_required,
)
from portal.community.models import Membership, MembershipStatus, Role
from portal.community.services import find_members
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.core.sections import sections
from portal.extensions import limiter, per_person
from portal.neighbors import bp
from portal.neighbors.forms import AnswerForm, ContactForm, ProfileForm, SearchForm
from portal.neighbors.models import PROFILE_FIELDS, ContactRequest, Visibility
from portal.neighbors.privacy import (
    FIELD_LABELS,
    STAFF_POLICY,
    VISIBILITY_LABELS,
    ensure_profile,
    may_open_profile,
    person_view,
    person_views,
    profile_of,
)
from portal.neighbors.services import (
    ambassadors_listed,
    answer_contact,
    appointed_among,
    contacts_for,
    directory,
    experienced_suggestions,
    request_contact,
    set_ambassador,
    set_avatar,
    shared_phone,
    shared_tag_suggestions,
    tag_suggestions,
    update_profile,
)
from portal.neighbors.tags import parse_tags


def contact_limit() -> str:
    return current_app.config.get("CONTACT_RATE_LIMIT", "10 per hour")


@bp.get("/neighbors", endpoint="directory")
@people_required
def directory_page():
    """Find neighbours by tag among those who chose to be listed; suggestions besides."""
    me = current_membership()
    form = SearchForm(request.args)
    form.validate()
    page = requested_page()
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
    member = get_member(membership_id)
    if not may_open_profile(me, member, profile_of(member)):
        abort(404)
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
    return render(
        "neighbors/profile.html",
        "profile",
        person=person_view(viewer, member),
        member=member,
        is_self=member.id == me.id,
        preview=preview if member.id == me.id else "",
        contact_form=ContactForm(formdata=None),
        sections=sections("neighbors.profile", member=member),
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
        staff_policy=STAFF_POLICY.values(),
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

    def save() -> str | None:
        """The profile, then the photo: returns the replaced photo, deleted once committed."""
        update_profile(
            me,
            display_name=form.display_name.data,
            occupation=form.occupation.data or "",
            intro=form.intro.data or "",
            skills=parse_tags(form.skills.data, field="skills"),
            interests=parse_tags(form.interests.data, field="interests"),
            visibility=form.visibilities(),
            discoverable=form.discoverable.data,
            offers_experience=form.offers_experience.data,
            wants_suggestions=form.wants_suggestions.data,
        )
        upload = request.files.get("avatar")
        if upload is not None and upload.filename:
            try:
                return set_avatar(me, save_image(upload, "avatars"))
            except DomainError as refused:  # the picture's reason, beside the photo field
                raise DomainError(refused.message, "avatar") from None
        if form.remove_avatar.data:
            return set_avatar(me, "")
        return None

    old_avatar = commit_or_422(save, lambda _error: _edit_page(me, form, status=422), form)
    delete_upload(old_avatar)
    return _edit_page(me, _profile_form(me), saved=True)


@bp.get("/neighbors/<int:membership_id>/avatar")
@people_required
def avatar(membership_id: int):
    """A neighbour's photo, only for those their avatar visibility allows."""
    from portal.core.uploads import upload_root

    member = get_member(membership_id)
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
@limiter.limit(contact_limit, key_func=per_person)
def contact(membership_id: int):
    """Ask a neighbour to get in touch (inside the portal; phones only if shared)."""
    me = current_membership()
    member = get_member(membership_id)
    form = ContactForm()
    template = "neighbors/_contact_form.html"
    commit_or_422(
        lambda: request_contact(me, member, form.message.data, form.share_phone.data),
        lambda _error: render(template, "contact_form", contact_form=form, member=member),
        form,
    )
    return render(template, "contact_form", contact_form=ContactForm(formdata=None), sent=True, member=member)


def _contacts_page(status=200, problem=None):
    me = current_membership()
    incoming, outgoing = contacts_for(me, requested_page(), requested_page("sent"))
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
    commit_or_422(
        lambda: answer_contact(me, contact_request, answer == "accept", form.share_phone.data),
        lambda error: _contacts_page(status=422, problem=error.message if error else None),
        form,
    )
    return _contacts_page()


@bp.get("/neighbors/ambassadors", endpoint="ambassadors")
@role_required(Role.ADMIN)
def ambassadors_page():
    """Admins appoint residents as 邻里大使 (volunteers are ambassadors already)."""
    me = current_membership()
    search = request.args.get("q", "").strip()[:40]
    candidates = find_members(me, search)
    current = ambassadors_listed(me.community_id, requested_page())
    return render(
        "neighbors/ambassadors.html",
        "ambassadors",
        current=current,
        candidates=candidates,
        q=search,
        people=staff_views(Duty.ADMIN, me, [m.user_id for m in [*current, *candidates]]),
        appointed=appointed_among([m.id for m in [*current, *candidates]]),
    )


@bp.post("/neighbors/ambassadors/<int:membership_id>/<any(on, off):state>")
@role_required(Role.ADMIN)
def appoint(membership_id: int, state: str):
    """Appoint or stand down an ambassador."""
    member = get_member(membership_id)
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
