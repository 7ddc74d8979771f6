"""The commit-or-422 step every view that changes something goes through, and form helpers.

Views own the transaction (services flush, never commit). A view that writes calls
`commit_or_422` once: it validates the form, runs the service calls, and either commits or
rolls back and answers 422 with the errors in place — Indico's one commit per request, kept
in one place.
"""

from collections.abc import Callable
from typing import TypeVar

from flask import abort, make_response
from flask_babel import gettext as _
from wtforms.validators import InputRequired, StopValidation, ValidationError

from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.htmx import render
from portal.core.uploads import check_image

T = TypeVar("T")


def strip(value):
    """A filter for text fields: what a resident typed without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


class Required(InputRequired):
    """Filled in, and with more than spaces: InputRequired alone took "   " for a title
    (DataRequired would refuse a 0 in a number field)."""

    def __call__(self, form, field):
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            message = self.message or field.gettext("This field is required.")
            field.errors[:] = []
            raise StopValidation(message)


def named(field, problem, name=None) -> str:
    """A message that names its field (by `name`, else its label), e.g. "Photos: This file is
    not a picture…"."""
    return _("%(field)s: %(problem)s", field=name or field.label.text, problem=problem)


class Pictures:
    """A file field's uploads are pictures save_image takes (checked, not stored), at most
    `limit` of them (None: the form counts them otherwise) together with the `kept(form)`
    already stored; messages name the field.

    The service that stores them keeps its own check (a request can skip the form)."""

    def __init__(self, limit: int | None, kept: Callable[[object], int] = lambda form: 0, name=None):
        self.limit = limit
        self.kept = kept
        self.name = name  # the field's name in messages, when its label says more ("Photo (optional)")

    def __call__(self, form, field):
        data = field.data if isinstance(field.data, list) else [field.data]
        files = [f for f in data if f is not None and getattr(f, "filename", None)]
        if self.limit is not None and len(files) + self.kept(form) > self.limit:
            raise ValidationError(named(field, _("at most %(n)s pictures.", n=self.limit), self.name))
        for upload in files:
            try:
                check_image(upload)
            except DomainError as error:
                raise ValidationError(named(field, error.message, self.name)) from error


def attach_errors(form, errors: list[DomainError]) -> bool:
    """Put each domain error beside its field, unless the field says what is wrong with it
    already (a number that did not parse needs no rule about its size); True when none was."""
    for error in errors:
        field = getattr(form, error.field, None) if error.field else None
        if field is None or not field.errors:
            attach_error(form, error)
    return not errors


def attach_error(form, error: DomainError) -> None:
    """Show a domain error beside its field (or above the form when it names none)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if field.errors else [error.message]
    else:
        form.form_errors.append(error.message)


def invalid(template: str, block: str, form, **context):
    """The form again with its errors, status 422 (htmx swaps it in place)."""
    return render(template, block, status=422, form=form, **context)


def commit_or_422(save: Callable[[], T], answer: Callable[[DomainError | None], object], form=None) -> T:
    """Validate `form` (when given), run `save()` — the service calls — and commit; return what
    save() returned. Pushes save() queued go out with the commit.

    Refused input ends the request with `answer(error)` as a 422 (its own status if it has an
    error status already): `error` is None for a form that did not validate, else the
    DomainError, which is rolled back first and put beside its field of `form`.
    """
    if form is not None and not form.validate():
        _end_with(answer(None))
    try:
        result = save()
    except DomainError as error:
        db.session.rollback()
        if form is not None:
            attach_error(form, error)
        _end_with(answer(error))
    db.session.commit()
    return result


def _end_with(response) -> None:
    response = make_response(response)
    if response.status_code < 400:
        response.status_code = 422
    abort(response)
