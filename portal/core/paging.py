"""Paging for every list that grows: one page of a query plus whether there is more.

No COUNT(*): a page asks for one row more than it shows, so its cost does not grow with the
table. Templates show a "More" link (templates/_macros/paging.html) while `page.more` is set.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request

from portal.core.db import db

T = TypeVar("T")

PER_PAGE = 20
LAST_PAGE = 1000  # deeper than anyone scrolls; keeps OFFSET bounded


@dataclass
class Page(Generic[T]):
    items: list[T]
    number: int
    more: bool

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def requested_page(arg: str = "page") -> int:
    """The page number asked for in the query string (1 when missing or nonsense)."""
    try:
        return max(1, min(int(request.args.get(arg, 1)), LAST_PAGE))
    except ValueError:
        return 1


def page_number(number: int) -> int:
    """A page number within 1 … LAST_PAGE."""
    return max(1, min(number, LAST_PAGE))


def page_from(found: list, number: int, per_page: int) -> Page:
    """Page `number` out of up to `per_page + 1` items read from where it starts."""
    return Page(found[:per_page], number, len(found) > per_page)


def page_of(query, number: int = 1, per_page: int = PER_PAGE, *, rows: bool = False) -> Page:
    """Page `number` of a select; `rows=True` for selects of several entities (Row tuples)."""
    number = page_number(number)
    query = query.offset((number - 1) * per_page).limit(per_page + 1)
    found = list(db.session.execute(query).all() if rows else db.session.scalars(query))
    return page_from(found, number, per_page)
