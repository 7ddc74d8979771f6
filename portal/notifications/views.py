"""The notification list and the unread badge."""

from flask import g
from flask_login import current_user

from portal.core.access import login_required
from portal.core.db import db
from portal.core.htmx import render
from portal.core.paging import Page, requested_page
from portal.notifications import bp
from portal.notifications.services import mark_all_read, message_for, recent_for, unread_count


@bp.get("/notifications")
@login_required
def index():
    """My notifications, newest first."""
    found = recent_for(current_user.id, requested_page())
    items = Page([(n, message_for(n)) for n in found], found.number, found.more)
    return render("notifications/index.html", "list", items=items)


@bp.post("/notifications/read")
@login_required
def read_all():
    """Mark all my notifications read."""
    mark_all_read(current_user.id)
    db.session.commit()
    return index()


@bp.get("/notifications/badge")
@login_required
def badge():
    """The unread count for the bell; refetched when a notification is pushed."""
    return render("notifications/_badge.html", count=unread_count(current_user.id))


@bp.app_context_processor
def unread_badge_globals() -> dict:
    """Let every page render the bell's count when it loads, not only after a push."""
    return {"unread_notifications": unread_for_this_request}


def unread_for_this_request() -> int:
    """My unread count, queried at most once per request (0 when logged out)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user.id)
    return g.unread_notifications
