"""Running events: admins create, edit and cancel them; admins and volunteers follow signups
and attendance live and check people in at the door."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.community.access import current_membership, get_in_community, role_required
from portal.community.models import Role
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.export import csv_download
from portal.core.forms import commit_or_422, invalid
from portal.core.htmx import redirect_to, render
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.core.uploads import delete_upload, save_image
from portal.events import bp
from portal.events.forms import EventForm
from portal.events.live import event_room, push_counts
from portal.events.models import Event, Signup, SignupStatus
from portal.events.services.attendees import attendees_csv
from portal.events.services.audience import groups_of_community
from portal.events.services.organising import cancel_event, check_data, create_event, update_event
from portal.events.services.reading import community_events, counts, counts_for, door_search, signups_page
from portal.events.services.tickets import check_in

STAFF = (Role.ADMIN, Role.VOLUNTEER)
CANCELLED_PAGE = 20


@bp.get("/events/manage")
@role_required(Role.ADMIN)
def manage():
    """Every event of the community: upcoming first, then the past ones with attendance."""
    community_id = current_membership().community_id
    now = utcnow()
    upcoming = community_events(community_id, upcoming=True, now=now, page=requested_page())
    past = community_events(community_id, upcoming=False, now=now, page=requested_page("past"))
    return render(
        "events/admin/manage.html",
        upcoming=upcoming,
        past=past,
        counts=counts_for([e.id for e in [*upcoming, *past]]),
        now=now,
    )


def _with_choices(form: EventForm) -> EventForm:
    community = current_membership().community
    buildings = [SelectChoice(b.id, b.name) for b in community.buildings]
    form.building_id.choices = [SelectChoice(0, "—"), *buildings]
    form.group_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(gid, name) for gid, name in groups_of_community(community.id)
    ]
    return form


def _form_page(form, event=None, status=200):
    return render("events/admin/form.html", "event_form", status=status, form=form, event=event)


def _photo_from(form):
    """The uploaded picture stored (its path), or None when none was sent."""
    upload = form.photo.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return save_image(upload, "events")


def _save(form, event=None):
    """Validate, store the photo, create or update; returns (event, promoted) or raises DomainError."""
    membership = current_membership()
    data = form.event_data()
    check_data(membership.community_id, data)
    data.photo = _photo_from(form)
    try:
        if event is None:
            return create_event(membership, data, utcnow()), []
        old_photo = event.photo
        promoted = update_event(event, data, utcnow())
        if data.photo and old_photo:
            delete_upload(old_photo)
        return event, promoted
    except DomainError:
        delete_upload(data.photo)
        raise


def _form_again(form, event):
    return invalid("events/admin/form.html", "event_form", form, event=event)


@bp.route("/events/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Create an event."""
    form = _with_choices(EventForm())
    form.is_new = True
    if request.method == "GET":
        return _form_page(form)
    event, _promoted = commit_or_422(lambda: _save(form), lambda _error: _form_again(form, None), form)
    return redirect_to(url_for("events.admin_event", event_id=event.id))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(event_id: int):
    """Change an event; people signed up hear about a new time or place."""
    event = get_in_community(Event, event_id)
    if request.method == "GET":
        return _form_page(_with_choices(EventForm.for_event(event)), event)
    form = _with_choices(EventForm())
    form.current_deadline = event.signup_deadline

    def save():
        _save(form, event)
        push_counts(event)

    commit_or_422(save, lambda _error: _form_again(form, event), form)
    return redirect_to(url_for("events.admin_event", event_id=event.id))


@bp.post("/events/<int:event_id>/cancel-event")
@role_required(Role.ADMIN)
def event_cancel(event_id: int):
    """Cancel the event: everyone signed up or waiting is told and refunded."""
    event = get_in_community(Event, event_id)

    def save():
        cancel_event(event, utcnow())
        push_counts(event)

    commit_or_422(save, lambda error: _admin_page(event, status=422, problem=error.message))
    return redirect_to(url_for("events.admin_event", event_id=event.id))


def _staff_view(*signup_lists) -> dict:
    """The people of these signups as event staff may see them."""
    user_ids = [s.user_id for rows in signup_lists for s in rows]
    return staff_views(Duty.EVENT_STAFF, current_membership(), user_ids)


def _admin_page(event, status=200, **extra):
    confirmed = signups_page(event, SignupStatus.CONFIRMED, requested_page())
    waitlisted = signups_page(event, SignupStatus.WAITLISTED, requested_page("waiting"))
    cancelled = signups_page(event, SignupStatus.CANCELLED, requested_page("cancelled"), CANCELLED_PAGE)
    return render(
        "events/admin/event.html",
        status=status,
        event=event,
        counts=counts(event),
        confirmed=confirmed,
        waitlisted=waitlisted,
        cancelled=cancelled,
        people=_staff_view(confirmed, waitlisted, cancelled),
        room=event_room(event.id),
        now=utcnow(),
        **extra,
    )


@bp.get("/events/<int:event_id>/admin")
@role_required(*STAFF)
def admin_event(event_id: int):
    """The event's admin page: live counts, who is coming, who waits, who came."""
    return _admin_page(get_in_community(Event, event_id))


@bp.get("/events/<int:event_id>/attendees.csv")
@role_required(*STAFF)
def attendees_download(event_id: int):
    """Who is coming and who waits, as CSV, shown as event staff may see them."""
    event = get_in_community(Event, event_id)
    header, rows = attendees_csv(event, current_membership())
    return csv_download(f"event-{event.id}-attendees.csv", header, rows)


@bp.get("/events/<int:event_id>/counts")
@role_required(*STAFF)
def event_counts(event_id: int):
    """The attendance counts fragment (refetched when the event's room hears a change)."""
    event = get_in_community(Event, event_id)
    return render("events/_counts.html", event=event, counts=counts(event))


def _door_page(event, status=200, **extra):
    search = request.values.get("q", "").strip()[:40]
    rows = door_search(event, current_membership(), search) if search else []
    return render(
        "events/admin/door.html",
        "results",
        status=status,
        event=event,
        q=search,
        rows=rows,
        people=_staff_view(rows),
        counts=counts(event),
        room=event_room(event.id),
        **extra,
    )


@bp.get("/events/<int:event_id>/door")
@role_required(*STAFF)
def door(event_id: int):
    """Check-in at the door by searching a name (or the last digits of a mobile number)."""
    return _door_page(get_in_community(Event, event_id))


@bp.post("/events/<int:event_id>/signups/<int:signup_id>/check-in")
@role_required(*STAFF)
def door_check_in(event_id: int, signup_id: int):
    """Check one person in from the door list."""
    event = get_in_community(Event, event_id)
    signup = get_in_community(Signup, signup_id)
    if signup.event_id != event.id:
        abort(404)

    def save() -> bool:
        fresh = check_in(signup, current_user.id, utcnow())
        push_counts(event)
        return fresh

    fresh = commit_or_422(save, lambda error: _door_page(event, 422, problem=error.message))
    name = _staff_view([signup])[signup.user_id].name
    message = (
        _("%(name)s is checked in.", name=name) if fresh else _("%(name)s was checked in already.", name=name)
    )
    return _door_page(event, done=message)
