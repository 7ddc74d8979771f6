"""Boards 板块: chat with topics, newcomers, skill exchange, help days, mutual-aid groups."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tab
from portal.notifications.services import register_messages

bp = Blueprint("boards", __name__)


def _is_person(membership) -> bool:
    from portal.neighbors.access import is_person

    return is_person(membership)


register_tab("boards.index", _l("Boards"), "💬", order=45, visible=_is_person)

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

from portal.boards import views  # noqa: E402,F401
