"""Lockers: registration and credentials, compartments, keypad lockout, alarms, remote open,
kiosk devices and announcements, and what the kiosk board shows. Services flush, never commit.

The MQTT flows (deposit, pickup_code, collected, alarms) are in portal/lockers/ingest.py.
"""

import re
import secrets
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.services import hash_password
from portal.community.models import Membership, MembershipStatus, Role
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.groupbuy.models import Order, OrderStatus
from portal.lockers.models import (
    AlarmKind,
    CodeAttempt,
    Compartment,
    Locker,
    LockerAlarm,
    LockerCommand,
    LockerSighting,
)
from portal.notifications.services import notify, register_messages
from portal.pickup.models import PickupPoint
from portal.realtime import push_after_commit

DEVICE_ID = re.compile(r"[a-z0-9-]{1,40}")
LAYOUT_ITEM = re.compile(r"([A-Z0-9]{1,8})(?::([SML]))?(?::(cold))?")
DEFAULTS = {
    "LOCKER_WRONG_CODES": 5,  # wrong codes within the window that lock the keypad
    "LOCKER_WRONG_WINDOW_S": 600,
    "LOCKER_LOCKOUT_S": 600,  # first lockout of the day; each further one doubles
    "LOCKER_WRONG_CODES_PER_DAY": 20,  # then the keypad waits for an admin
    "KIOSK_READY_LIMIT": 24,
}

register_messages(
    {
        "locker_door": _l(
            "The door of compartment %(comp)s at %(locker)s (%(point)s) has been open too long."
        ),
        "locker_temp": _l("Cold compartment %(comp)s at %(locker)s (%(point)s) is at %(temp)s °C."),
        "locker_fault": _l("Compartment %(comp)s at %(locker)s (%(point)s) reports a fault: %(text)s"),
        "locker_offline": _l("Locker %(locker)s at %(point)s went offline."),
        "locker_lockout": _l(
            "The keypad of locker %(locker)s at %(point)s is locked until %(until)s "
            "after repeated wrong codes."
        ),
        "locker_lockout_admin": _l(
            "The keypad of locker %(locker)s at %(point)s is locked after %(count)s wrong codes today. "
            "An admin must unlock it."
        ),
        "locker_unknown_deposit": _l(
            "A parcel for order %(ref)s, which is not expected at %(point)s, "
            "was put into %(comp)s at %(locker)s."
        ),
        "locker_deposited": _l(
            "Your order %(ref)s is in locker %(locker)s, compartment %(comp)s, at %(point)s."
        ),
    }
)


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def pickup_room(point_id: int) -> str:
    return f"pickup:{point_id}"


def community_room(community_id: int) -> str:
    return f"lockers:{community_id}"


def push_board(point_id: int, community_id: int, locker: str | None = None, seq: int | None = None) -> dict:
    """After the commit, every kiosk board of this pickup point and the admins' locker pages refetch.

    From the ingest the push also names the locker and the seq of its latest message applied
    (one push per board and locker per transaction: the last one).
    """
    payload = {"type": "locker", "point": point_id, "key": (point_id, locker)}
    if locker is not None:
        payload.update(locker=locker, seq=seq)
    session = db.session()
    push_after_commit(session, pickup_room(point_id), payload)
    push_after_commit(session, community_room(community_id), payload)
    return payload


# ------------------------------------------------------------------ registration


def parse_layout(text: str) -> list[tuple[str, str, bool]]:
    """`A01:S, A02:M:cold, B01:L` → [(comp, size, cold)]; DomainError on anything else."""
    items = [
        part.strip().upper().replace("：", ":") for part in re.split(r"[,，\s]+", text or "") if part.strip()
    ]
    layout, seen = [], set()
    for item in items:
        match = LAYOUT_ITEM.fullmatch(item.replace(":COLD", ":cold"))
        if not match:
            raise DomainError(
                _l("“%(item)s” is not a compartment like A01:S or C01:M:cold.", item=item), "layout"
            )
        comp, size, cold = match.group(1), match.group(2) or "M", bool(match.group(3))
        if comp in seen:
            raise DomainError(_l("Compartment %(comp)s is listed twice.", comp=comp), "layout")
        seen.add(comp)
        layout.append((comp, size, cold))
    if len(layout) > 260:
        raise DomainError(_l("A locker has at most 260 compartments."), "layout")
    return layout


def layout_text(compartments) -> str:
    return ",".join(f"{c.comp}:{c.size}{':cold' if c.cold else ''}" for c in compartments)


def new_password() -> str:
    return secrets.token_urlsafe(18)


def register_locker(point: PickupPoint, device_id: str, name: str, layout: str) -> tuple[Locker, str]:
    """A new locker at a pickup point with its own MQTT credentials; returns it and its password.

    With an empty layout the compartments are learned from the locker's status and wait for an
    admin's approval; a sighting of this locker id (it already called in) is then used.
    """
    device_id = (device_id or "").strip().lower()
    if not DEVICE_ID.fullmatch(device_id):
        raise DomainError(_l("Use 1–40 lower-case letters, digits and dashes."), "device_id")
    if db.session.scalar(sa.select(Locker.id).where(Locker.device_id == device_id)):
        raise DomainError(_l("A locker with this id is registered already."), "device_id")
    compartments = parse_layout(layout)
    locker = Locker(
        community_id=point.community_id,
        pickup_point_id=point.id,
        device_id=device_id,
        name=(name or "").strip() or device_id,
    )
    db.session.add(locker)
    for comp, size, cold in compartments:
        locker.compartments.append(Compartment(comp=comp, size=size, cold=cold, approved=True))
    sighting = db.session.get(LockerSighting, device_id)
    if sighting is not None:
        if not compartments and sighting.layout:
            for comp, size, cold in parse_layout(sighting.layout):
                locker.compartments.append(Compartment(comp=comp, size=size, cold=cold, approved=False))
        db.session.delete(sighting)
    password = rotate_credentials(locker)
    db.session.flush()
    push_board(point.id, point.community_id)
    return locker, password


def rotate_credentials(locker: Locker) -> str:
    """A new MQTT password for the locker (the old one stops working); returned once."""
    password = new_password()
    locker.mqtt_password_hash = hash_password(password)
    locker.credentials_at = utcnow()
    db.session.flush()
    return password


def verify_locker_login(username: str, password: str) -> bool:
    """Whether an MQTT login is a registered, enabled locker with its current password."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    locker = db.session.scalar(sa.select(Locker).where(Locker.device_id == username))
    if locker is None or not locker.enabled or not locker.mqtt_password_hash:
        return False
    try:
        return PasswordHasher().verify(locker.mqtt_password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def update_locker(locker: Locker, name: str, enabled: bool) -> None:
    """Rename a locker or switch it off (a disabled locker's messages are refused)."""
    locker.name = (name or "").strip()[:80] or locker.device_id
    locker.enabled = bool(enabled)
    db.session.flush()
    push_board(locker.pickup_point_id, locker.community_id)


def approve_compartments(locker: Locker) -> int:
    """Approve the compartments learned from the locker's status; returns how many."""
    count = 0
    for compartment in locker.compartments:
        if not compartment.approved:
            compartment.approved = True
            count += 1
    db.session.flush()
    push_board(locker.pickup_point_id, locker.community_id)
    return count


def note_sighting(device_id: str, layout: str, fw: str, now: datetime) -> None:
    """Remember an unregistered locker that sent a valid status (for registration)."""
    sighting = db.session.get(LockerSighting, device_id)
    if sighting is None:
        db.session.add(
            LockerSighting(
                device_id=device_id, layout=layout[:2000], fw=fw[:40], first_seen=now, last_seen=now
            )
        )
    else:
        sighting.layout, sighting.fw, sighting.last_seen = layout[:2000], fw[:40], now
        sighting.messages += 1
    db.session.flush()


def sightings(limit: int = 20) -> list[LockerSighting]:
    return list(
        db.session.scalars(sa.select(LockerSighting).order_by(LockerSighting.last_seen.desc()).limit(limit))
    )


# ------------------------------------------------------------------ people to alert


def admins_of(community_id: int) -> list[int]:
    rows = db.session.execute(
        sa.select(Membership.user_id, Membership.roles).where(
            Membership.community_id == community_id, Membership.status == MembershipStatus.ACTIVE
        )
    )
    return [user_id for user_id, roles in rows if roles & Role.ADMIN]


def alert(locker: Locker, kind: str, *, admins_only: bool = False, **params) -> None:
    """Notify the community's admins (and the pickup point's host) about a locker."""
    point = locker.pickup_point
    recipients = set(admins_of(locker.community_id))
    if not admins_only and point.host_user_id:
        recipients.add(point.host_user_id)
    link = f"/admin/lockers/{locker.id}"
    for user_id in sorted(recipients):
        notify(
            user_id,
            kind,
            community_id=locker.community_id,
            link=link,
            locker=locker.name,
            point=point.name,
            **params,
        )


def record_alarm(
    locker: Locker,
    open_alarm: LockerAlarm | None,
    kind: str,
    now: datetime,
    comp: str = "",
    detail: str = "",
    temp_c: float | None = None,
) -> tuple[LockerAlarm, bool]:
    """Count a repeat on the open alarm of this kind, or open a new one; (alarm, newly opened)."""
    if open_alarm is not None:
        open_alarm.count += 1
        open_alarm.last_at = now
        open_alarm.detail = detail[:200] or open_alarm.detail
        open_alarm.temp_c = temp_c if temp_c is not None else open_alarm.temp_c
        return open_alarm, False
    alarm = LockerAlarm(
        locker_id=locker.id,
        community_id=locker.community_id,
        kind=kind,
        comp=comp,
        detail=detail[:200],
        temp_c=temp_c,
        count=1,  # set now, not at the flush: a repeat in the same transaction counts on it
        raised_at=now,
        last_at=now,
    )
    db.session.add(alarm)
    return alarm, True


def raise_alarm(
    locker: Locker,
    kind: str,
    now: datetime,
    comp: str = "",
    detail: str = "",
    temp_c: float | None = None,
    notify_kind: str | None = None,
    **params,
) -> LockerAlarm:
    """Open an alarm (or count a repeat of the open one) and alert people on the first."""
    alarm = db.session.scalar(
        sa.select(LockerAlarm).where(
            LockerAlarm.locker_id == locker.id,
            LockerAlarm.kind == kind,
            LockerAlarm.comp == comp,
            LockerAlarm.resolved_at.is_(None),
        )
    )
    alarm, opened = record_alarm(locker, alarm, kind, now, comp, detail, temp_c)
    if opened and notify_kind:
        alert(locker, notify_kind, admins_only=kind == AlarmKind.LOCKOUT, comp=comp, **params)
    db.session.flush()
    push_board(locker.pickup_point_id, locker.community_id)
    return alarm


def resolve_alarms(
    locker: Locker, kind: str, now: datetime, comp: str | None = None, by_user_id: int | None = None
) -> int:
    """Close the open alarms of a kind (for one compartment, or all)."""
    query = sa.update(LockerAlarm).where(
        LockerAlarm.locker_id == locker.id, LockerAlarm.kind == kind, LockerAlarm.resolved_at.is_(None)
    )
    if comp is not None:
        query = query.where(LockerAlarm.comp == comp)
    count = db.session.execute(
        query.values(resolved_at=now, resolved_by_id=by_user_id).execution_options(synchronize_session=False)
    ).rowcount
    if count:
        push_board(locker.pickup_point_id, locker.community_id)
    return count


def resolve_alarm(alarm: LockerAlarm, by_user: User) -> None:
    """An admin marks an alarm handled."""
    if alarm.resolved_at is None:
        alarm.resolved_at = utcnow()
        alarm.resolved_by_id = by_user.id
        db.session.flush()
        push_board(alarm.locker.pickup_point_id, alarm.community_id)


# ------------------------------------------------------------------ keypad lockout


def _roll_day(locker: Locker, now: datetime) -> None:
    today = localtime.local_date(now).isoformat()
    if locker.lockout_day != today:
        locker.lockout_day = today
        locker.wrong_today = 0
        locker.lockouts_today = 0


def note_wrong_code(locker: Locker, now: datetime) -> None:
    """Count a wrong code; lock the keypad as the contract says and alert the admins."""
    _roll_day(locker, now)
    db.session.add(CodeAttempt(locker_id=locker.id, at=now))
    locker.wrong_today += 1
    if locker.wrong_today >= setting("LOCKER_WRONG_CODES_PER_DAY"):
        if not locker.locked_by_admin:
            locker.locked_by_admin = True
            raise_alarm(
                locker,
                AlarmKind.LOCKOUT,
                now,
                detail=f"{locker.wrong_today} wrong codes today",
                notify_kind="locker_lockout_admin",
                count=locker.wrong_today,
            )
        db.session.flush()
        return
    window_start = now - timedelta(seconds=setting("LOCKER_WRONG_WINDOW_S"))
    if locker.count_wrong_since and locker.count_wrong_since > window_start:
        window_start = locker.count_wrong_since
    db.session.flush()
    recent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CodeAttempt)
        .where(CodeAttempt.locker_id == locker.id, CodeAttempt.at > window_start)
    )
    if recent >= setting("LOCKER_WRONG_CODES"):
        locker.lockouts_today += 1
        duration = timedelta(seconds=setting("LOCKER_LOCKOUT_S") * 2 ** (locker.lockouts_today - 1))
        locker.locked_until = now + duration
        locker.count_wrong_since = locker.locked_until  # what was typed before does not count again
        raise_alarm(
            locker,
            AlarmKind.LOCKOUT,
            now,
            detail=f"{recent} wrong codes",
            notify_kind="locker_lockout",
            until=localtime.local(locker.locked_until).strftime("%H:%M"),
        )
    db.session.flush()


def unlock_keypad(locker: Locker, by_user: User) -> None:
    """An admin unlocks the keypad: the lockout ends and counting starts afresh."""
    now = utcnow()
    locker.locked_until = None
    locker.locked_by_admin = False
    locker.count_wrong_since = now
    locker.wrong_today = 0
    resolve_alarms(locker, AlarmKind.LOCKOUT, now, by_user_id=by_user.id)
    db.session.flush()
    push_board(locker.pickup_point_id, locker.community_id)


# ------------------------------------------------------------------ commands


def queue_command(
    locker: Locker,
    kind: str,
    *,
    comp: str | None = None,
    order_reference: str | None = None,
    in_reply_to: str | None = None,
    reason: str | None = None,
    by_user_id: int | None = None,
) -> LockerCommand:
    """Put a command in the outbox; the ingest publishes it (QoS 1) within half a second."""
    command = LockerCommand(
        id=str(uuid.uuid4()),
        locker_id=locker.id,
        type=kind,
        comp=comp,
        order_reference=order_reference,
        in_reply_to=in_reply_to,
        reason=reason,
        requested_by_id=by_user_id,
        created_at=utcnow(),
    )
    db.session.add(command)
    db.session.flush()
    return command


def remote_open(locker: Locker, comp: str, by_user: User) -> LockerCommand:
    """An admin opens a compartment from afar (a fault, a stuck parcel): `open` without reply-to."""
    compartment = next((c for c in locker.compartments if c.comp == comp), None)
    if compartment is None:
        raise DomainError(_l("This locker has no compartment %(comp)s.", comp=comp), "comp")
    return queue_command(
        locker, "open", comp=comp, order_reference=compartment.order_reference, by_user_id=by_user.id
    )


def recent_commands(locker: Locker, limit: int = 10) -> list[LockerCommand]:
    return list(
        db.session.scalars(
            sa.select(LockerCommand)
            .where(LockerCommand.locker_id == locker.id)
            .order_by(LockerCommand.created_at.desc())
            .limit(limit)
        )
    )


def ready_for_me(user_id: int, community_id: int, limit: int) -> tuple[list, bool]:
    """My orders ready for pickup (mine, or a neighbour's I collect), soonest slot first, each
    with the compartment that holds it (None at a manned point); and whether there are more."""
    orders = list(
        db.session.scalars(
            sa.select(Order)
            .where(
                Order.community_id == community_id,
                Order.status == OrderStatus.READY,
                sa.or_(Order.user_id == user_id, Order.delegate_user_id == user_id),
            )
            .options(selectinload(Order.buy), selectinload(Order.pickup_point), selectinload(Order.slot))
            .order_by(Order.code_expires_at, Order.id)
            .limit(limit + 1)
        )
    )
    more, orders = len(orders) > limit, orders[:limit]
    held = {}
    if orders:
        held = {
            c.order_id: c
            for c in db.session.scalars(
                sa.select(Compartment)
                .join(Locker)
                .where(Compartment.order_id.in_([o.id for o in orders]), Locker.community_id == community_id)
                .options(selectinload(Compartment.locker))
            )
        }
    return [(order, held.get(order.id)) for order in orders], more
