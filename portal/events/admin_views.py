"""Running events: admins create, edit and cancel them; admins and volunteers follow signups
and attendance live and check people in at the door."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.community.models import Role
from portal.core.access import current_membership, get_in_community, role_required
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.forms import attach_error, invalid
from portal.core.htmx import redirect_to, render
from portal.core.uploads import delete_upload, save_image
from portal.events import bp
from portal.events.forms import EventForm
from portal.events.live import event_room, push_counts
from portal.events.models import Event, Signup, SignupStatus
from portal.events.services import (
    cancel_event,
    check_data,
    check_in,
    community_events,
    counts,
    create_event,
    groups_of_community,
    signups_of,
    update_event,
)

STAFF = (Role.ADMIN, Role.VOLUNTEER)


@bp.get("/events/manage")
@role_required(Role.ADMIN)
def manage():
    """Every event of the community: upcoming first, then the past ones with attendance."""
    community_id = current_membership().community_id
    now = utcnow()
    upcoming = community_events(community_id, upcoming=True, now=now)
    past = community_events(community_id, upcoming=False, now=now, limit=30)
    return render(
        "events/admin/manage.html",
        upcoming=[(e, counts(e)) for e in upcoming],
        past=[(e, counts(e)) for e in past],
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


@bp.route("/events/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Create an event."""
    form = _with_choices(EventForm())
    if request.method == "GET":
        return _form_page(form)
    if not form.validate():
        return invalid("events/admin/form.html", "event_form", form, event=None)
    try:
        event, _promoted = _save(form)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return invalid("events/admin/form.html", "event_form", form, event=None)
    db.session.commit()
    return redirect_to(url_for("events.admin_event", event_id=event.id))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(event_id: int):
    """Change an event; people signed up hear about a new time or place."""
    event = get_in_community(Event, event_id)
    if request.method == "GET":
        return _form_page(_with_choices(EventForm.for_event(event)), event)
    form = _with_choices(EventForm())
    if not form.validate():
        return invalid("events/admin/form.html", "event_form", form, event=event)
    try:
        _save(form, event)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return invalid("events/admin/form.html", "event_form", form, event=event)
    push_counts(event)
    db.session.commit()
    return redirect_to(url_for("events.admin_event", event_id=event.id))


@bp.post("/events/<int:event_id>/cancel-event")
@role_required(Role.ADMIN)
def event_cancel(event_id: int):
    """Cancel the event: everyone signed up or waiting is told and refunded."""
    event = get_in_community(Event, event_id)
    try:
        cancel_event(event, utcnow())
    except DomainError as error:
        db.session.rollback()
        return _admin_page(event, status=422, problem=error.message)
    push_counts(event)
    db.session.commit()
    return redirect_to(url_for("events.admin_event", event_id=event.id))


def _admin_page(event, status=200, **extra):
    return render(
        "events/admin/event.html",
        status=status,
        event=event,
        counts=counts(event),
        confirmed=signups_of(event, SignupStatus.CONFIRMED),
        waitlisted=signups_of(event, SignupStatus.WAITLISTED),
        cancelled=signups_of(event, SignupStatus.CANCELLED),
        room=event_room(event.id),
        now=utcnow(),
        **extra,
    )


@bp.get("/events/<int:event_id>/admin")
@role_required(*STAFF)
def admin_event(event_id: int):
    """The event's admin page: live counts, who is coming, who waits, who came."""
    return _admin_page(get_in_community(Event, event_id))


@bp.get("/events/<int:event_id>/counts")
@role_required(*STAFF)
def event_counts(event_id: int):
    """The attendance counts fragment (refetched when the event's room hears a change)."""
    event = get_in_community(Event, event_id)
    return render("events/_counts.html", event=event, counts=counts(event))


def _door_page(event, status=200, **extra):
    search = request.values.get("q", "").strip()[:40]
    rows = signups_of(event, SignupStatus.CONFIRMED, search=search) if search else []
    return render(
        "events/admin/door.html",
        "results",
        status=status,
        event=event,
        q=search,
        rows=rows,
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
    try:
        fresh = check_in(signup, current_user.id, utcnow())
    except DomainError as error:
        db.session.rollback()
        return _door_page(event, 422, problem=error.message)
    push_counts(event)
    db.session.commit()
    name = signup.user.display_name
    message = (
        _("%(name)s is checked in.", name=name) if fresh else _("%(name)s was checked in already.", name=name)
    )
    return _door_page(event, done=message)
