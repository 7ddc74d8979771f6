"""What several board features share: the check of a resident's text, a points amount,
telling moderators about pending items, and the tag filter of the lists."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError
from portal.moderation.models import ContentStatus
from portal.moderation.services import notify_moderators_of_pending
from portal.neighbors.models import Tag
from portal.neighbors.tags import normalize_tag

MAX_POINTS = 500


def checked_text(value: str, field: str, max_length: int, required: bool = True, label=None) -> str:
    """The text stripped; refused when required and empty, or longer than `max_length`."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(label or _l("This cannot be empty."), field)
    if len(value) > max_length:
        raise DomainError(_l("At most %(n)s characters.", n=max_length), field)
    return value


def announce_pending(kind: str, item) -> None:
    """Tell the moderators about an item that waits for their approval."""
    if item.status == ContentStatus.PENDING:
        notify_moderators_of_pending(kind, item)


def tag_filter(query, model, association, tag: str):
    """Only items carrying the (normalised) tag; the query unchanged when the tag is empty."""
    name = normalize_tag(tag)
    if not name:
        return query
    return query.where(
        sa.exists(
            sa.select(association.c.item_id)
            .join(Tag, Tag.id == association.c.tag_id)
            .where(association.c.item_id == model.id, Tag.name == name)
        )
    )


def points_amount(value, field: str = "points") -> int:
    """A points amount as typed (empty is 0), between 0 and MAX_POINTS."""
    if value is None or value == "":
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("Points are a whole number."), field) from None
    if not 0 <= number <= MAX_POINTS:
        raise DomainError(_l("Between 0 and %(n)s points.", n=MAX_POINTS), field)
    return number
