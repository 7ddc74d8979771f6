"""Boards 板块: chat with topics, newcomers, skill exchange, help days, mutual-aid groups."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import is_person
from portal.core.nav import register_tab
from portal.moderation.richtext import plain_excerpt, rich
from portal.notifications.services import register_messages

bp = Blueprint("boards", __name__)


@bp.app_template_filter("rich")
def rich_filter(html: str):
    """Residents' stored HTML for templates, cleaned once more on the way out (moderation.richtext)."""
    return rich(html)


@bp.app_template_filter("excerpt")
def excerpt_filter(html: str, length: int = 120) -> str:
    """The plain text of residents' HTML, cut at `length` characters."""
    return plain_excerpt(html, length)


register_tab("boards.index", _l("Boards"), "💬", order=45, visible=is_person)

register_messages(
    {
        "board_reply": _l("Someone replied to your post."),
        "skill_response": _l("A neighbour responded to your skill listing."),
        "skill_agreed": _l("Your skill exchange was agreed. Confirm once it has happened."),
        "skill_cancelled": _l("A skill exchange was called off."),
        "skill_confirm_please": _l("Your neighbour confirmed the skill exchange. Please confirm too."),
        "skill_completed": _l("Skill exchange completed: you received %(points)s points."),
        "help_offered": _l("A neighbour offered to help with your need."),
        "help_accepted": _l("Your offer to help was accepted. Thank you!"),
        "help_cancelled": _l("A help need you were helping with was cancelled."),
        "help_completed": _l("Thank you for helping: you received %(points)s points."),
    }
)

from portal.boards import sections, views  # noqa: E402,F401

sections.register()
