"""What every domain's `personal_data` module shares: plain JSON values of its rows.

Each domain that holds rows about a person has `portal/<domain>/personal_data.py` with
`export(user, limit=None)` (plain JSON-able values: times as ISO 8601 UTC strings, other people
only as the label the person may already see, or left out), `erase(user)` (what deleting the
account does to the domain's rows; it may return upload paths to remove after the commit) and,
where the domain can refuse a deletion, `blockers(user)` (Blocker: a sentence and where to settle
it). `portal.data_rights` calls them in the domains' order.
"""

import enum
from datetime import UTC, date, datetime
from typing import NamedTuple


class Blocker(NamedTuple):
    """Why an account cannot be deleted yet, and the page where the person settles it."""

    reason: str
    link: str | None = None


def plain(value):
    """A column's value as JSON: aware times in UTC ISO 8601, dates ISO, enums their value."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def columns(obj, *names: str) -> dict:
    """{name: plain(obj.name)} for the named attributes."""
    return {name: plain(getattr(obj, name)) for name in names}


def latest(query, order_column, limit: int | None):
    """A query ordered newest first, cut to `limit` rows when given."""
    query = query.order_by(order_column.desc())
    return query.limit(limit) if limit else query
