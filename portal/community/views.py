"""Joining communities (invitation or application), switching, and one's own invitations."""

import io

import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from flask import abort, request, url_for
from flask_login import current_user, login_user

from portal.accounts.models import User
from portal.accounts.services import create_user, start_login_session
from portal.community import bp
from portal.community.forms import (
    ApplyForm,
    JoinForm,
    NewcomerApplyForm,
    NewcomerJoinForm,
    unit_choices,
)
from portal.community.models import Community, Invite, Membership, MembershipStatus
from portal.community.services import (
    apply_to_join,
    create_invite,
    find_invite,
    join_by_invite,
    revoke_invite,
    switch_community,
    unit_in_community,
)
from portal.core.access import (
    community_required,
    current_membership,
    get_in_community,
    login_required,
)
from portal.core.db import db, utcnow
from portal.core.errors import DomainError, error_response
from portal.core.forms import attach_error, invalid
from portal.core.htmx import redirect_to, render


def _account_for_newcomer(form) -> User:
    """Create the account of someone joining without one, and log them in."""
    user = create_user(form.phone.data, form.display_name.data, form.password.data)
    start_login_session(user, remember=False, user_agent=request.user_agent.string)
    login_user(user)
    return user


@bp.get("/communities")
@login_required
def mine():
    """The person's communities, the current one marked, with a switch and pending applications."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.user_id == current_user.id,
            Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
        )
        .order_by(Membership.created_at)
    ).all()
    return render("community/mine.html", memberships=memberships)


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
    if not form.validate():
        return invalid("community/apply.html", "form", form, **context)
    try:
        unit = unit_in_community(community.id, form.unit.data)
        user = current_user if current_user.is_authenticated else _account_for_newcomer(form)
        apply_to_join(user, community, unit, form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return invalid("community/apply.html", "form", form, **context)
    db.session.commit()
    return redirect_to(url_for("community.mine"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """Accept an invitation: choose building and unit (and make an account if needed)."""
    invite = find_invite(token)
    if invite is None:
        abort(404)
    if not invite.is_usable(utcnow()):
        return error_response(410)
    form = JoinForm() if current_user.is_authenticated else NewcomerJoinForm()
    form.unit.choices = unit_choices(invite.community)
    context = {"invite": invite}
    if request.method == "GET":
        return render("community/join.html", "form", form=form, **context)
    if not form.validate():
        return invalid("community/join.html", "form", form, **context)
    try:
        unit = unit_in_community(invite.community_id, form.unit.data)
        user = current_user if current_user.is_authenticated else _account_for_newcomer(form)
        join_by_invite(user, invite, unit)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return invalid("community/join.html", "form", form, **context)
    db.session.commit()
    return redirect_to("/")


def _my_invites():
    return db.session.scalars(
        sa.select(Invite)
        .where(
            Invite.inviter_id == current_user.id,
            Invite.community_id == current_membership().community_id,
        )
        .order_by(Invite.created_at.desc())
        .limit(20)
    ).all()


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
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue(), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "private"}
