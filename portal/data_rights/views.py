"""My data (a page and a JSON download) and deleting my account."""

import json

from flask import abort, make_response, session, url_for
from flask_login import current_user, logout_user

from portal.community.access import current_membership
from portal.community.models import Role
from portal.core.access import login_required
from portal.core.db import utcnow
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.localtime import local_date
from portal.core.uploads import delete_upload
from portal.data_rights import bp
from portal.data_rights.forms import DeleteAccountForm
from portal.data_rights.labels import label, readable_time, yes_no
from portal.data_rights.services import (
    PAGE_ROWS,
    SECTIONS,
    delete_account,
    deletion_blockers,
    export_data,
    export_document,
)
from portal.extensions import limiter, per_person

WRONG_PASSWORDS = "10 per hour"  # refused deletions per person: no password guessing from a session


def _refused(response) -> bool:
    return response.status_code == 422


def _person():
    """The logged-in resident (kiosk screens have no personal data pages)."""
    user = current_user._get_current_object()
    membership = current_membership()
    if user.is_device or (membership is not None and membership.roles & Role.KIOSK):
        abort(404)
    return user


@bp.get("/me/data")
@login_required
def data():
    """Everything the portal holds about me, one section per domain (long lists: the latest 50)."""
    user = _person()
    return render(
        "data_rights/data.html",
        sections=export_data(user, limit=PAGE_ROWS + 1),
        page_rows=PAGE_ROWS,
        label=label,
        yes_no=yes_no,
        readable_time=readable_time,
    )


@bp.get("/me/data.json")
@login_required
def data_json():
    """The same, complete, as a JSON file to keep."""
    user = _person()
    body = json.dumps(export_document(user), ensure_ascii=False, indent=2, default=str)
    response = make_response(body)
    response.mimetype = "application/json"
    filename = f"linli-my-data-{local_date(utcnow()):%Y%m%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(WRONG_PASSWORDS, key_func=per_person, methods=["POST"], deduct_when=_refused)
def delete():
    """What deleting my account removes and keeps; confirmed by my password."""
    user = _person()
    form = DeleteAccountForm()
    context = {"form": form, "blockers": deletion_blockers(user), "sections": SECTIONS}
    if not form.is_submitted():
        return render("data_rights/delete.html", "delete_form", **context)

    def refused(error):
        return render("data_rights/delete.html", "delete_form", status=422, **context)

    files = commit_or_422(lambda: delete_account(user, form.password.data), refused, form)
    for path in files:
        delete_upload(path)
    locale = user.locale or session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    return redirect_to(url_for("data_rights.deleted"))


@bp.get("/me/deleted")
def deleted():
    """The confirmation after a deletion (the person is logged out by then)."""
    return render("data_rights/deleted.html")
