"""What the portal accepts from a request before any view sees it.

- No NUL bytes: PostgreSQL refuses them in text (a 500 on every text field, before), so they are
  removed from form fields and query strings, and a path segment holding one names nothing (404).
- Ids within the database's integer range: `<int:id>` beyond 2**31 - 1 names nothing (404),
  where PostgreSQL would fail on the comparison.
"""

from flask import request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError

DB_INT_MAX = 2**31 - 1  # an INTEGER column (ids, quantities)


def database_int(value) -> int:
    """A number from a form or query string (a SelectField's coerce, request.args' type) that
    fits an INTEGER column; ValueError otherwise, so the field is invalid or the argument unset."""
    number = int(value)
    if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
        raise ValueError(f"{value!r} is beyond the database's integers")
    return number


def optional_int(value) -> int | None:
    """database_int, or None for an empty choice ("— none —")."""
    return database_int(value) if value not in (None, "") else None


class DatabaseInt(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


class _NoNul:
    def to_python(self, value: str) -> str:
        if "\x00" in value:
            raise ValidationError()
        return super().to_python(value)


class Text(_NoNul, UnicodeConverter):
    pass


class Path(_NoNul, PathConverter):
    pass


def _cleaned(values: ImmutableMultiDict) -> ImmutableMultiDict | None:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return None
    return ImmutableMultiDict(
        [(key.replace("\x00", ""), value.replace("\x00", "")) for key, value in values.items(multi=True)]
    )


def drop_nul_bytes() -> None:
    """(before_request) Form fields and query strings without NUL bytes."""
    for name in ("args", "form") if request.method in ("POST", "PUT", "PATCH") else ("args",):
        cleaned = _cleaned(getattr(request, name))
        if cleaned is not None:
            request.__dict__[name] = cleaned  # werkzeug caches them there (cached_property)
            request.__dict__.pop("values", None)


def register_converters(app) -> None:
    """Before any route is added: rules take their converters when they are added."""
    app.url_map.converters.update(int=DatabaseInt, default=Text, string=Text, path=Path)
