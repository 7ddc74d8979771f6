"""Admin pages for lockers and kiosk screens, and the kiosk board itself."""


import sqlalchemy as sa
from flask import abort, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.community.access import current_membership, get_in_community, role_required
from portal.community.models import Role
from portal.core import localtime
from portal.core.access import platform_admin_required
from portal.core.db import db, utcnow
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.lockers import bp, screens, services
from portal.lockers.forms import AnnouncementForm, KioskForm, LockerEditForm, LockerForm, RemoteOpenForm
from portal.lockers.models import Announcement, IngestStats, KioskDevice, Locker, LockerAlarm, LockerEvent
from portal.pickup.models import PickupPoint
from portal.pickup.services import points_of
from portal.trace.chain import latest_root


def _community_id() -> int:
    return current_membership().community_id


def _points() -> list[PickupPoint]:
    return points_of(_community_id(), only_active=False)


# ------------------------------------------------------------------ lockers overview


def _overview(form=None, status=200, block="overview", created=None, password=None):
    community_id = _community_id()
    points = _points()
    form = form or LockerForm(formdata=None)
    form.set_points(points)
    lockers = db.session.scalars(
        sa.select(Locker).where(Locker.community_id == community_id).order_by(Locker.name)
    ).all()
    by_point = {p.id: [locker for locker in lockers if locker.pickup_point_id == p.id] for p in points}
    stats = db.session.scalars(sa.select(IngestStats).order_by(IngestStats.updated_at.desc()).limit(3)).all()
    return render(
        "lockers/admin/index.html",
        block,
        status=status,
        points=points,
        by_point=by_point,
        form=form,
        alarms=screens.open_alarms(community_id=community_id),
        stats=stats,
        now=utcnow(),
        created=created,
        password=password,
        room=services.community_room(community_id),
    )


@bp.get("/admin/lockers")
@role_required(Role.ADMIN)
def index():
    """Lockers of every pickup point, open alarms, lockers that called in unregistered, ingest."""
    return _overview()


@bp.post("/admin/lockers")
@role_required(Role.ADMIN)
def register():
    """Register a locker at a pickup point; its MQTT password is shown this once."""
    form = LockerForm()
    form.set_points(_points())

    def save():
        point = get_in_community(PickupPoint, form.pickup_point_id.data)
        return services.register_locker(point, form.device_id.data, form.name.data, form.layout.data)

    locker, password = commit_or_422(save, lambda _error: _overview(form, status=422, block="register"), form)
    return _overview(block="register", created=locker, password=password)


@bp.get("/platform/lockers")
@platform_admin_required
def platform_sightings():
    """Lockers that called in but are registered nowhere (the platform's, not a community's)."""
    return render("lockers/platform.html", sightings=services.sightings(limit=100))


# ------------------------------------------------------------------ one locker


def _locker_page(locker: Locker, status=200, block="live", edit_form=None, open_form=None, **extra):
    edit_form = edit_form or LockerEditForm(formdata=None, name=locker.name, enabled=locker.enabled)
    open_form = open_form or RemoteOpenForm(formdata=None)
    open_form.comp.choices = [(c.comp, c.comp) for c in locker.compartments]
    events = db.session.scalars(
        sa.select(LockerEvent)
        .where(LockerEvent.locker_id == locker.id)
        .order_by(LockerEvent.received_at.desc(), LockerEvent.id.desc())
        .limit(15)
    ).all()
    return render(
        "lockers/admin/locker.html",
        block,
        status=status,
        locker=locker,
        edit_form=edit_form,
        open_form=open_form,
        events=events,
        commands=services.recent_commands(locker),
        alarms=screens.open_alarms(locker_id=locker.id),
        now=utcnow(),
        pending=[c for c in locker.compartments if not c.approved],
        room=services.community_room(locker.community_id),
        **extra,
    )


@bp.get("/admin/lockers/<int:locker_id>")
@role_required(Role.ADMIN)
def locker(locker_id: int):
    """One locker: compartments live, alarms, keypad, remote open, events and commands."""
    return _locker_page(get_in_community(Locker, locker_id))


@bp.post("/admin/lockers/<int:locker_id>")
@role_required(Role.ADMIN)
def edit(locker_id: int):
    """Rename a locker or switch it off."""
    locker = get_in_community(Locker, locker_id)
    form = LockerEditForm()
    if not form.validate():
        return _locker_page(locker, status=422, block="controls", edit_form=form)
    services.update_locker(locker, form.name.data, form.enabled.data)
    db.session.commit()
    return _locker_page(locker, block="controls", saved=_("Saved."))


@bp.post("/admin/lockers/<int:locker_id>/credentials")
@role_required(Role.ADMIN)
def credentials(locker_id: int):
    """Give the locker a new MQTT password (the old one stops working); shown this once."""
    locker = get_in_community(Locker, locker_id)
    password = services.rotate_credentials(locker)
    db.session.commit()
    return _locker_page(locker, block="controls", password=password)


@bp.post("/admin/lockers/<int:locker_id>/open")
@role_required(Role.ADMIN)
def remote_open(locker_id: int):
    """Open a compartment from here (a fault, a stuck parcel)."""
    locker = get_in_community(Locker, locker_id)
    form = RemoteOpenForm()
    form.comp.choices = [(c.comp, c.comp) for c in locker.compartments]
    if not form.validate():
        return _locker_page(locker, status=422, block="controls", open_form=form)
    services.remote_open(locker, form.comp.data, current_user)
    db.session.commit()
    return _locker_page(
        locker, block="controls", saved=_("Open sent to compartment %(comp)s.", comp=form.comp.data)
    )


@bp.post("/admin/lockers/<int:locker_id>/approve")
@role_required(Role.ADMIN)
def approve(locker_id: int):
    """Approve the compartments the locker reported itself."""
    locker = get_in_community(Locker, locker_id)
    services.approve_compartments(locker)
    db.session.commit()
    return redirect_to(url_for("lockers.locker", locker_id=locker.id))


@bp.post("/admin/lockers/<int:locker_id>/unlock")
@role_required(Role.ADMIN)
def unlock(locker_id: int):
    """Unlock a keypad locked after wrong codes."""
    locker = get_in_community(Locker, locker_id)
    services.unlock_keypad(locker, current_user)
    db.session.commit()
    return redirect_to(url_for("lockers.locker", locker_id=locker.id))


@bp.post("/admin/lockers/alarms/<int:alarm_id>/resolve")
@role_required(Role.ADMIN)
def resolve(alarm_id: int):
    """Mark an alarm handled."""
    alarm = get_in_community(LockerAlarm, alarm_id)
    services.resolve_alarm(alarm, current_user)
    db.session.commit()
    return redirect_to(url_for("lockers.locker", locker_id=alarm.locker_id))


# ------------------------------------------------------------------ kiosk screens


def _kiosks_page(kiosk_form=None, note_form=None, status=200, **extra):
    points = _points()
    kiosk_form = kiosk_form or KioskForm(formdata=None, phone=screens.kiosk_login_suggestion())
    note_form = note_form or AnnouncementForm(formdata=None)
    kiosk_form.set_points(points)
    note_form.set_points(points)
    notes = {p.id: screens.announcements_at(p.id) for p in points}
    return render(
        "lockers/admin/kiosks.html",
        "kiosks",
        status=status,
        points=points,
        devices=screens.kiosks_of(_community_id()),
        kiosk_form=kiosk_form,
        note_form=note_form,
        notes=notes,
        **extra,
    )


@bp.get("/admin/kiosks")
@role_required(Role.ADMIN)
def kiosks():
    """Kiosk screens (device logins) per pickup point, and the announcements they show."""
    return _kiosks_page()


@bp.post("/admin/kiosks")
@role_required(Role.ADMIN)
def new_kiosk():
    """Create a device login for a pickup point's screen; its password is shown this once."""
    form = KioskForm()
    form.set_points(_points())

    def save():
        point = get_in_community(PickupPoint, form.pickup_point_id.data)
        return point, *screens.create_kiosk(point, form.name.data, form.phone.data, current_user)

    point, user, password = commit_or_422(save, lambda _: _kiosks_page(kiosk_form=form, status=422), form)
    return _kiosks_page(created=user, password=password, created_point=point)


@bp.post("/admin/kiosks/<int:user_id>/remove")
@role_required(Role.ADMIN)
def remove_kiosk(user_id: int):
    """Retire a kiosk screen (its login stops working)."""
    device = db.session.get(KioskDevice, user_id)
    if device is None or device.pickup_point.community_id != _community_id():
        abort(404)
    screens.remove_kiosk(device)
    db.session.commit()
    return redirect_to(url_for("lockers.kiosks"))


@bp.post("/admin/kiosks/announcements")
@role_required(Role.ADMIN)
def announce():
    """Put a line on a pickup point's kiosk board."""
    form = AnnouncementForm()
    form.set_points(_points())

    def save():
        point = get_in_community(PickupPoint, form.pickup_point_id.data)
        screens.add_announcement(point, form.text.data, form.days.data, current_user)

    commit_or_422(save, lambda _error: _kiosks_page(note_form=form, status=422), form)
    return redirect_to(url_for("lockers.kiosks"))


@bp.post("/admin/kiosks/announcements/<int:note_id>/remove")
@role_required(Role.ADMIN)
def unannounce(note_id: int):
    """Take an announcement off the board."""
    note = db.session.get(Announcement, note_id)
    point = db.session.get(PickupPoint, note.pickup_point_id) if note else None
    if point is None or point.community_id != _community_id():
        abort(404)
    screens.remove_announcement(note, point)
    db.session.commit()
    return redirect_to(url_for("lockers.kiosks"))


# ------------------------------------------------------------------ the kiosk board


@bp.get("/kiosk")
@role_required(Role.KIOSK, Role.ADMIN)
def kiosk_home():
    """A kiosk device goes to its pickup point's board; an admin to the kiosk settings."""
    point = screens.kiosk_point_for(current_user)
    if point is not None and point.community_id == _community_id():
        return redirect(url_for("lockers.board", point_id=point.id))
    if current_membership().has(Role.ADMIN):
        return redirect(url_for("lockers.kiosks"))
    abort(404)


@bp.get("/kiosk/points/<int:point_id>")
@role_required(Role.KIOSK, Role.ADMIN)
def board(point_id: int):
    """The full-screen live board of a pickup point (the fragment refetches on every push)."""
    point = get_in_community(PickupPoint, point_id)
    now = utcnow()
    lockers = screens.lockers_at(point.id)
    return render(
        "lockers/kiosk.html",
        "board",
        point=point,
        lockers=lockers,
        now=now,
        alarms=screens.open_alarms(point_id=point.id),
        ready=screens.ready_orders(point.id),
        announcements=screens.announcements_at(point.id, now),
        room=services.pickup_room(point.id),
        tz=str(localtime.zone()),
        trace_root=latest_root(point.community_id),
        today=localtime.today(),
    )


# ------------------------------------------------------------------ template helpers


ALARM_LABELS = {
    "door": _l("Door open too long"),
    "temp": _l("Too warm"),
    "fault": _l("Fault"),
    "offline": _l("Offline"),
    "lockout": _l("Keypad locked after wrong codes"),
    "deposit": _l("Unexpected parcel"),
}


STATE_LABELS = {
    "free": _l("Free"),
    "occupied": _l("Occupied"),
    "ready": _l("Ready for pickup"),
    "open": _l("Door open"),
    "fault": _l("Out of order"),
}
EVENT_LABELS = {
    "deposit": _l("parcel put in"),
    "pickup_code": _l("code typed"),
    "collected": _l("parcel taken"),
    "door_alarm": _l("door alarm"),
    "temp_alarm": _l("temperature alarm"),
    "fault": _l("fault"),
}
OUTCOME_LABELS = {
    "ready": _l("pickup code sent"),
    "open": _l("opened"),
    "deny": _l("refused"),
    "collected": _l("order done"),
    "alarm": _l("alarm raised"),
    "unknown_order": _l("unknown order"),
    "refused": _l("not applied"),
}
COMMAND_LABELS = {"open": _l("open"), "deny": _l("refuse")}
REASON_LABELS = {
    "invalid": _l("wrong code"),
    "locked_out": _l("keypad locked"),
    "expired": _l("code expired"),
}


@bp.app_context_processor
def locker_globals() -> dict:
    return {
        "alarm_labels": ALARM_LABELS,
        "state_labels": STATE_LABELS,
        "locker_event_labels": EVENT_LABELS,
        "locker_outcome_labels": OUTCOME_LABELS,
        "locker_command_labels": COMMAND_LABELS,
        "locker_reason_labels": REASON_LABELS,
    }


@bp.app_template_global("locker_place")
def locker_place(order_id: int):
    """The compartment an order waits in, for pages of other domains (the resident's order)."""
    return screens.order_place(order_id)
