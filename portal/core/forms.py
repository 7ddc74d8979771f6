"""Form helpers shared by the views: domain errors beside fields, 422 on invalid input."""

from portal.core.errors import DomainError
from portal.core.htmx import render


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
