"""Domain errors and the error pages (fragments for htmx, pages otherwise)."""

import logging

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core.db import db
from portal.core.htmx import render, wants_fragment

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; `message` is shown to the user beside the form."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("You don't have permission to do this here.")),
    404: (_l("Not found"), _l("There is nothing here. It may have been removed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    410: (_l("Expired"), _l("This link has expired or was revoked.")),
    413: (_l("Too large"), _l("The upload is larger than allowed.")),
    422: (_l("Please check your input"), _l("Some of what was sent is not valid.")),
    429: (_l("Slow down"), _l("Too many attempts. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An error on our side. Please try again later.")),
    503: (_l("Busy"), _l("Many neighbours are saving at once. Nothing was changed; please try again.")),
}
CSRF_TEXT = (_l("Page expired"), _l("Your session changed. Reload the page and try again."))


def error_response(status: int, title=None, detail=None):
    default_title, default_detail = ERROR_TEXT.get(status, ERROR_TEXT[500])
    response = render(
        "errors/error.html",
        "content",
        status=status,
        code=status,
        title=title or default_title,
        detail=detail or default_detail,
    )
    if wants_fragment():
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def handle_http_error(error: HTTPException):
    if (error.code or 500) >= 500:
        _roll_back()
    if isinstance(error, CSRFError):
        log.info("CSRF refused on %s %s: %s", request.method, request.path, error.description)
        return error_response(400, *CSRF_TEXT)
    return error_response(error.code or 500)


def _roll_back() -> None:
    """A failed request's transaction ends before its error page renders (which may query)."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: the page renders without it
        log.exception("rollback after an error failed")


def handle_unexpected_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    _roll_back()
    return error_response(500)


def handle_refused_by_database(error: DataError):
    """Input the database will not store (a number beyond its column, a malformed value) that
    slipped past the forms: a 422 that changes nothing, never a 500."""
    log.warning("the database refused input on %s %s: %s", request.method, request.path, error.orig)
    _roll_back()
    return error_response(422)


def handle_database_busy(error: OperationalError):
    """SQLite: a write that waited its whole busy timeout for another's lock changed nothing; a
    503 that says so, rather than a 500. Any other operational error is unexpected."""
    if "database is locked" not in str(error.orig):
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return handle_unexpected_error(error)
    log.warning("database busy on %s %s: %s", request.method, request.path, error.orig)
    _roll_back()
    response = error_response(503)
    response.headers["Retry-After"] = "2"
    return response


def register_error_handlers(app):
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_http_error)
    app.register_error_handler(DataError, handle_refused_by_database)
    app.register_error_handler(OperationalError, handle_database_busy)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected_error)
