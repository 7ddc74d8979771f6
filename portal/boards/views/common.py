"""What the board pages share: the posting rate limit, author labels as the viewer may see
them, the visibility check, the template context every board page has, the tag argument."""

from flask import abort, current_app, make_response, request
from flask_babel import gettext as _

from portal.boards import bp
from portal.community.access import current_membership
from portal.core.errors import error_response
from portal.core.htmx import wants_fragment
from portal.extensions import limiter, per_person
from portal.moderation.models import ContentStatus
from portal.moderation.services import can_view, is_moderator
from portal.neighbors.privacy import people_for_users


def posting_limit() -> str:
    return current_app.config.get("POST_RATE_LIMIT", "6 per minute;60 per day")


posting = limiter.shared_limit(posting_limit, scope="board-posting", key_func=per_person)


@bp.errorhandler(429)
def too_fast(error):
    """Posting too fast: say so beside the form (htmx), or as a page."""
    message = _("You are posting too fast. Please wait a little and try again.")
    if wants_fragment():
        response = make_response(f'<p class="form-error" role="alert">{message}</p>', 429)
        response.headers["HX-Retarget"] = "#board-flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return error_response(429)


def _tag_arg() -> str:
    return request.args.get("tag", "").strip()[:40]


def _people(items, *extra_user_ids):
    """Author labels as the viewer may see them, for a list of items."""
    me = current_membership()
    ids = [getattr(i, "author_id", None) for i in items] + list(extra_user_ids)
    return people_for_users(me, me.community_id, ids)


def _visible_or_404(item):
    if not can_view(item, current_membership()):
        abort(404)
    return item


def _context(**extra):
    me = current_membership()
    return dict(me=me, moderator=is_moderator(me), ContentStatus=ContentStatus, **extra)
