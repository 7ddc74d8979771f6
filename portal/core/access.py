"""Access by login: who is logged in, and the platform admin.

Membership of a community and its roles are checked by portal.community.access.
"""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.core.htmx import wants_fragment


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


def platform_admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
