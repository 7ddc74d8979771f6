"""Access checks: who is logged in, in which community, with which roles."""

from functools import wraps

import sqlalchemy as sa
from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from portal.core.db import db
from portal.core.htmx import wants_fragment


def current_membership():
    """The active membership in the person's current community, or None (cached per request)."""
    if "membership" not in g:
        g.membership = None
        if current_user.is_authenticated and current_user.active_community_id:
            from portal.community.models import Membership, MembershipStatus

            g.membership = db.session.scalar(
                sa.select(Membership).where(
                    Membership.user_id == current_user.id,
                    Membership.community_id == current_user.active_community_id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
    return g.membership


def login_redirect():
    """Anonymous: to the login page, through HX-Redirect for htmx requests."""
    target = url_for("accounts.login", next=request.full_path.rstrip("?"))
    if wants_fragment():
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_redirect()
        return view(*args, **kwargs)

    return wrapped


def community_required(view):
    """Logged in with an active membership in the current community."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_membership() is None:
            return redirect(url_for("community.mine"))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles):
    """Logged in, member of the current community, holding one of `roles` there (else 403)."""

    def decorator(view):
        @wraps(view)
        @community_required
        def wrapped(*args, **kwargs):
            membership = current_membership()
            if not any(membership.has(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def platform_admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def get_in_community(model, object_id: int):
    """An object of the current community by id; another community's (or none) is a 404."""
    membership = current_membership()
    obj = db.session.get(model, object_id)
    if obj is None or membership is None or obj.community_id != membership.community_id:
        abort(404)
    return obj
