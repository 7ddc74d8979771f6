"""Points pages: my balance and history."""

from flask import request
from flask_login import current_user

from portal.core.access import community_required, current_membership
from portal.core.htmx import render
from portal.points import bp
from portal.points.services import BADGE_ICONS, BADGES, badges_of, balance, history, reason_label

PAGE_SIZE = 20


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


@bp.get("/points")
@community_required
def index():
    """My balance, badges and the history of every change."""
    membership = current_membership()
    page = _page()
    rows = history(current_user.id, membership.community_id, page, PAGE_SIZE)
    return render(
        "points/index.html",
        "history" if page > 1 else None,
        balance=balance(current_user.id, membership.community_id),
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        badges=badges_of(current_user.id, membership.community_id),
        badge_names=BADGES,
        badge_icons=BADGE_ICONS,
        reason_label=reason_label,
    )
