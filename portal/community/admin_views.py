"""Community admin pages (members, roles, applications, buildings) and the platform admin's."""

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _

from portal.accounts.forms import PasswordResetForm
from portal.accounts.services import account_with_phone, set_password
from portal.community import bp
from portal.community.access import current_membership, get_in_community, role_required
from portal.community.forms import BuildingsForm, CommunityForm, RolesForm
from portal.community.models import Community, Membership, MembershipStatus, Role
from portal.community.services import (
    add_buildings,
    create_community,
    decide_application,
    invitation_chain,
    members_query,
    parse_buildings,
    pending_applications,
    remove_member,
    set_roles,
)
from portal.core.access import platform_admin_required
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import commit_or_422, invalid
from portal.core.htmx import redirect_to, render
from portal.core.paging import page_of, requested_page
from portal.core.people import Duty, staff_views
from portal.notifications.services import notify

MEMBERS_PAGE_SIZE = 50


@bp.get("/admin/members")
@role_required(Role.ADMIN)
def members():
    """Members of the community, searchable, with their roles."""
    search = request.args.get("q", "").strip()[:40]
    status = request.args.get("status", MembershipStatus.ACTIVE)
    me = current_membership()
    page = page_of(members_query(me, search, status), requested_page(), MEMBERS_PAGE_SIZE)
    people = staff_views(Duty.ADMIN, me, [m.user_id for m in page])
    return render(
        "community/admin/members.html", "rows", rows=page, people=people, q=search, status_filter=status
    )


def _member_page(member, roles_form=None, password_form=None, status=200, **extra):
    roles_form = roles_form or RolesForm(roles=[int(r) for r in member.role_list])
    return render(
        "community/admin/member.html",
        "member_forms",
        status=status,
        member=member,
        people=staff_views(Duty.ADMIN, current_membership(), [member.user_id, member.invited_by_id]),
        roles_form=roles_form,
        password_form=password_form or PasswordResetForm(formdata=None),
        **extra,
    )


@bp.get("/admin/members/<int:member_id>")
@role_required(Role.ADMIN)
def member(member_id: int):
    """One member: roles, password reset, removal."""
    return _member_page(get_in_community(Membership, member_id))


@bp.post("/admin/members/<int:member_id>/roles")
@role_required(Role.ADMIN)
def member_roles(member_id: int):
    """Change a member's roles."""
    target = get_in_community(Membership, member_id)
    form = RolesForm()
    commit_or_422(
        lambda: set_roles(current_membership(), target, form.selected_roles()),
        lambda _error: _member_page(target, roles_form=form, status=422),
        form,
    )
    return _member_page(target, saved=_("Roles saved."))


@bp.post("/admin/members/<int:member_id>/password")
@role_required(Role.ADMIN)
def member_password(member_id: int):
    """Set a new password for a member who forgot theirs (all their sessions end)."""
    target = get_in_community(Membership, member_id)
    form = PasswordResetForm()
    if not form.validate():
        return _member_page(target, password_form=form, status=422)
    set_password(target.user, form.password.data)
    notify(target.user_id, "password_reset", community_id=target.community_id)
    db.session.commit()
    return _member_page(target, saved=_("New password set. Tell the member in person."))


@bp.post("/admin/members/<int:member_id>/remove")
@role_required(Role.ADMIN)
def member_remove(member_id: int):
    """Take a member out of the community."""
    target = get_in_community(Membership, member_id)
    commit_or_422(
        lambda: remove_member(current_membership(), target),
        lambda error: _member_page(target, status=422, problem=error.message),
    )
    return redirect_to(url_for("community.members"))


@bp.get("/admin/applications")
@role_required(Role.ADMIN)
def applications():
    """Applications waiting for a decision."""
    rows = pending_applications(current_membership().community_id, requested_page())
    return render("community/admin/applications.html", "rows", rows=rows)


@bp.post("/admin/applications/<int:member_id>/<any(approve, reject):decision>")
@role_required(Role.ADMIN)
def decide(member_id: int, decision: str):
    """Approve or reject one application."""
    application = get_in_community(Membership, member_id)
    try:
        decide_application(current_membership(), application, approve=decision == "approve")
    except DomainError:
        db.session.rollback()
    else:
        db.session.commit()
    return applications()


@bp.route("/admin/buildings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def buildings():
    """The community's buildings and units; admins add more."""
    community = db.session.get(Community, current_membership().community_id)
    form = BuildingsForm()
    if request.method == "POST":
        commit_or_422(
            lambda: add_buildings(community, parse_buildings(form.buildings.data)),
            lambda _error: invalid("community/admin/buildings.html", "content", form, community=community),
            form,
        )
        return redirect_to(url_for("community.buildings"))
    return render("community/admin/buildings.html", "content", form=form, community=community)


@bp.get("/admin/invitations")
@role_required(Role.ADMIN)
def invitations():
    """The invitation chain: who brought whom into the community."""
    me = current_membership()
    rows = invitation_chain(me.community_id, requested_page())
    people = staff_views(Duty.ADMIN, me, [i for m in rows for i in (m.user_id, m.invited_by_id)])
    return render("community/admin/invitations.html", rows=rows, people=people)


@bp.route("/platform/communities", methods=["GET", "POST"])
@platform_admin_required
def platform_communities():
    """The platform admin's list of communities and the form for a new one."""
    form = CommunityForm()
    communities = db.session.scalars(sa.select(Community).order_by(Community.name)).all()
    if request.method == "POST":

        def save():
            phone = form.admin_phone.data
            admin = account_with_phone(phone, "admin_phone") if phone else None
            create_community(form.name.data, form.city.data, form.address.data, form.buildings.data, admin)

        def again(_error):
            return invalid("community/platform.html", "form", form, communities=communities)

        commit_or_422(save, again, form)
        return redirect_to(url_for("community.platform_communities"))
    return render("community/platform.html", "form", form=form, communities=communities)

