"""Joining communities (invitation or application), switching, and one's own invitations."""


import sqlalchemy as sa
from flask import abort, request, url_for
from flask_login import current_user, login_user

from portal.accounts.models import User
from portal.accounts.services import create_user, start_login_session
from portal.community import bp
from portal.community.access import community_required, current_membership, get_in_community
from portal.community.forms import (
    ApplyForm,
    JoinForm,
    NewcomerApplyForm,
    NewcomerJoinForm,
    unit_choices,
)
from portal.community.models import Community, Invite
from portal.community.services import (
    active_membership_of,
    apply_to_join,
    create_invite,
    find_invite,
    invites_of,
    join_by_invite,
    my_memberships,
    revoke_invite,
    switch_community,
    unit_in_community,
)
from portal.core.access import login_required
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.export import qr_svg
from portal.core.forms import commit_or_422, invalid
from portal.core.htmx import redirect_to, render, wants_fragment


def _joining_person(form) -> User:
    """Who joins: the person logged in, or a new account (its login session opened) for a
    newcomer, who is logged in once everything is committed."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    user = create_user(form.phone.data, form.display_name.data, form.password.data)
    start_login_session(user, remember=False, user_agent=request.user_agent.string)
    return user


def _logged_in(user: User) -> None:
    if not current_user.is_authenticated:
        login_user(user)


@bp.get("/communities")
@login_required
def mine():
    """The person's communities, the current one marked, with a switch and pending applications."""
    return render("community/mine.html", memberships=my_memberships(current_user))


@bp.post("/communities/<int:community_id>/switch")
@login_required
def switch(community_id: int):
    """Make another of my communities the current one."""
    try:
        switch_community(current_user, community_id)
    except DomainError:
        abort(404)
    db.session.commit()
    return redirect_to("/")


@bp.get("/apply")
def apply_choose():
    """Communities that take applications."""
    communities = db.session.scalars(
        sa.select(Community).where(Community.accepts_applications).order_by(Community.name)
    ).all()
    return render("community/apply_choose.html", communities=communities)


@bp.route("/apply/<int:community_id>", methods=["GET", "POST"])
def apply(community_id: int):
    """Apply to join a community, with an account created on the way for newcomers."""
    community = db.session.get(Community, community_id)
    if community is None or not community.accepts_applications:
        abort(404)
    form = ApplyForm() if current_user.is_authenticated else NewcomerApplyForm()
    form.unit.choices = unit_choices(community)
    context = {"community": community}
    if request.method == "GET":
        return render("community/apply.html", "form", form=form, **context)

    def save() -> User:
        unit = unit_in_community(community.id, form.unit.data)
        user = _joining_person(form)
        apply_to_join(user, community, unit, form.note.data or "")
        return user

    user = commit_or_422(save, lambda _: invalid("community/apply.html", "form", form, **context), form)
    _logged_in(user)
    return redirect_to(url_for("community.mine"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """Accept an invitation: choose building and unit (and make an account if needed)."""
    invite = find_invite(token)
    if invite is None:
        abort(404)
    if not invite.is_usable(utcnow()):
        return _invite_stopped(invite)
    form = JoinForm() if current_user.is_authenticated else NewcomerJoinForm()
    form.unit.choices = unit_choices(invite.community)
    context = {"invite": invite}
    if request.method == "GET":
        return render("community/join.html", "form", form=form, **context)

    def save() -> User:
        unit = unit_in_community(invite.community_id, form.unit.data)
        user = _joining_person(form)
        join_by_invite(user, invite, unit)
        return user

    user = commit_or_422(save, lambda _: invalid("community/join.html", "form", form, **context), form)
    _logged_in(user)
    return redirect_to("/")


def _invite_stopped(invite: Invite):
    """410, with the ways forward: apply to join, or ask the inviter for a new link (and, for a
    member already in, the way in)."""
    mine = active_membership_of(current_user, invite.community_id) if current_user.is_authenticated else None
    response = render(
        "community/join_stopped.html",
        "content",
        status=410,
        invite=invite,
        revoked=invite.revoked_at is not None,
        already_member=mine is not None,
    )
    if wants_fragment():  # the join form posted by htmx: the page's main part, not the form
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "innerHTML"})
    return response


def _my_invites():
    return invites_of(current_membership())


@bp.get("/invites")
@community_required
def invites():
    """My invitations to the current community, with links and QR codes."""
    return render("community/invites.html", "invites", invites=_my_invites(), now=utcnow())


@bp.post("/invites")
@community_required
def new_invite():
    """Make a fresh invitation link."""
    create_invite(current_membership())
    db.session.commit()
    return render("community/invites.html", "invites", invites=_my_invites(), now=utcnow())


def _own_invite(invite_id: int) -> Invite:
    invite = get_in_community(Invite, invite_id)
    if invite.inviter_id != current_user.id:
        abort(404)
    return invite


@bp.post("/invites/<int:invite_id>/revoke")
@community_required
def revoke(invite_id: int):
    """Stop an invitation from working."""
    revoke_invite(_own_invite(invite_id))
    db.session.commit()
    return render("community/invites.html", "invites", invites=_my_invites(), now=utcnow())


@bp.get("/invites/<int:invite_id>/qr.svg")
@community_required
def invite_qr(invite_id: int):
    """The invitation link as a QR code, to show on the phone or print."""
    invite = _own_invite(invite_id)
    url = url_for("community.join", token=invite.token, _external=True)
    return qr_svg(url, box_size=12)
