"""What the portal does with each locker message (the handlers the MQTT ingest dispatches to).

The ingest (portal/iot/client.py) calls these inside its transaction, one savepoint per message,
and commits; pushes queued with `push_after_commit` go out after that commit.

- status: online/offline, boot and seq, the compartment layout (new ones wait for approval)
- compartments/{comp}: door, occupied, temperature, fault — stale seqs change nothing
- events: processed once per id; deposit → pickup code; pickup_code → exactly one open/deny;
  collected → order done; door/temp/fault alarms to the point's host and the admins
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core.db import db, insert_rows, one_of
from portal.core.errors import DomainError
from portal.iot.dispatch import Outcome, Refused
from portal.iot.schemas import CompartmentState, Event, Status
from portal.lockers import services
from portal.lockers.ingest_upkeep import OutboxAndUpkeep, _moment
from portal.lockers.models import (
    AlarmKind,
    Compartment,
    Locker,
    LockerAlarm,
    LockerEvent,
    OfflineReason,
)
from portal.lockers.services import push_board
from portal.lockers.temperatures import TemperatureLog
from portal.realtime import push_after_commit, user_room

log = logging.getLogger("portal.lockers.ingest")

SHADOWED = ("boot", "last_seq", "state_at", "door", "occupied", "temp_c", "fault")  # see _shadow
TOUCH_COMPARTMENTS = {"deposit", "pickup_code", "collected"}  # events whose handlers use the rows
ALERT_QUIET = timedelta(minutes=10)


@dataclass
class _NewAlarm:
    """An alarm opened in this batch: a plain row until end_batch stores the batch's alarms in
    one statement (a flapping door opens and resolves dozens a batch; ORM objects, each inserted
    with its id returned, cost more than the rest of the batch)."""

    locker_id: int
    community_id: int
    kind: str
    comp: str
    detail: str
    temp_c: float | None
    raised_at: datetime
    last_at: datetime
    count: int = 1
    resolved_at: datetime | None = None


class LockerHandlers(OutboxAndUpkeep):
    """The lockers domain's side of the ingest (see portal.iot.dispatch.Handlers)."""

    def __init__(self, stats_id: str | None = None):
        self.ingest = None
        self.stats_id = stats_id
        self._stats_due = 0.0
        self._seq: int | None = None  # seq of the message being applied
        self._last_alert: dict[tuple[int, str], datetime | None] = {}  # (locker, kind) -> last alert
        self.commands_queued = False
        self._temperatures = TemperatureLog()
        self.begin_batch()

    def _push(self, locker: Locker) -> None:
        """Boards of the locker's pickup point refetch after the commit (the push names the seq).

        One push per locker and transaction: a later message only moves its seq on.
        """
        payload = self._pushes.get(locker.id)
        if payload is not None:
            payload["seq"] = self._seq
            return
        self._pushes[locker.id] = push_board(
            locker.pickup_point_id, locker.community_id, locker.device_id, self._seq
        )

    def bind(self, ingest) -> None:
        self.ingest = ingest
        self.stats_id = self.stats_id or ingest.client_id

    # ------------------------------------------------------------------ lookup

    def begin_batch(self, messages=()) -> None:
        """A new transaction: forget what was looked up in the last one; fetch at once which of
        the batch's events were seen before (one query instead of one per event)."""
        self._lockers: dict[str, Locker | None] = {}
        self._compartments: dict[int, dict[str, Compartment]] = {}
        self._alarms: dict[int, dict[tuple[str, str], LockerAlarm]] = {}
        self._pushes: dict[int, dict] = {}  # locker id -> its push queued in this transaction
        self._event_rows: list[dict] = []  # events applied, stored by end_batch
        self._heard_at: dict[Locker, datetime] = {}  # when each locker was last heard, set by end_batch
        self._shadows: dict[Compartment, dict] = {}  # compartment states as the batch moves them
        self._new_alarms: list[_NewAlarm] = []  # opened in this batch, stored by end_batch
        self._temperatures.forget()  # what a failed batch did not write
        events = [m for m in messages if isinstance(m.body, Event)]
        self._seen: set[tuple[int, str]] | None = None
        if events:
            lockers = {self._lookup(m.locker) for m in events} - {None}
            rows = db.session.execute(  # (locker, event id) is the unique index: no scan of the history
                sa.select(LockerEvent.locker_id, LockerEvent.event_id).where(
                    one_of(LockerEvent.locker_id, [locker.id for locker in lockers]),
                    one_of(LockerEvent.event_id, [m.body.id for m in events]),
                )
            )
            self._seen = {(locker_id, event_id) for locker_id, event_id in rows}

    def _was_seen(self, locker: Locker, event_id: str) -> bool:
        if self._seen is not None:
            return (locker.id, event_id) in self._seen
        return bool(
            db.session.scalar(
                sa.select(LockerEvent.id).where(
                    LockerEvent.locker_id == locker.id, LockerEvent.event_id == event_id
                )
            )
        )

    # ------------------------------------------------------------------ alarms (cached per batch)

    def _open_alarms(self, locker: Locker) -> dict[tuple[str, str], LockerAlarm]:
        if locker.id not in self._alarms:
            rows = db.session.scalars(
                sa.select(LockerAlarm).where(
                    LockerAlarm.locker_id == locker.id, LockerAlarm.resolved_at.is_(None)
                )
            )
            self._alarms[locker.id] = {(alarm.kind, alarm.comp): alarm for alarm in rows}
        return self._alarms[locker.id]

    def _raise(
        self,
        locker: Locker,
        kind: str,
        now: datetime,
        comp: str = "",
        detail: str = "",
        temp_c: float | None = None,
        notify_kind: str | None = None,
        **params,
    ) -> None:
        """Open an alarm (or count a repeat of the open one); alert people on the first."""
        alarms = self._open_alarms(locker)
        open_alarm = alarms.get((kind, comp))
        opened = open_alarm is None
        if opened:  # kept as a plain row and stored with the batch's others (end_batch)
            alarms[(kind, comp)] = _NewAlarm(
                locker_id=locker.id,
                community_id=locker.community_id,
                kind=kind,
                comp=comp,
                detail=detail[:200],
                temp_c=temp_c,
                raised_at=now,
                last_at=now,
            )
            self._new_alarms.append(alarms[(kind, comp)])
        else:
            services.record_alarm(locker, open_alarm, kind, now, comp, detail, temp_c)
        if opened and notify_kind and self._may_alert(locker, kind, now):
            services.alert(locker, notify_kind, comp=comp, **params)
        self._push(locker)

    def _may_alert(self, locker: Locker, kind: str, now: datetime) -> bool:
        """People hear of an alarm kind at a locker at most once per ALERT_QUIET (the board and
        the admin page still show every alarm): a flapping door must not flood their phones."""
        key = (locker.id, kind)
        if key not in self._last_alert:
            self._last_alert[key] = db.session.scalar(
                sa.select(sa.func.max(LockerAlarm.raised_at)).where(
                    LockerAlarm.locker_id == locker.id, LockerAlarm.kind == kind, LockerAlarm.raised_at < now
                )
            )
        last = self._last_alert[key]
        if last is not None and now - last < ALERT_QUIET:
            return False
        self._last_alert[key] = now
        return True

    def _resolve(self, locker: Locker, kind: str, now: datetime, comp: str | None = None) -> None:
        """Close the open alarms of a kind (for one compartment, or all)."""
        alarms = self._open_alarms(locker)
        for key in [key for key in alarms if key[0] == kind and (comp is None or key[1] == comp)]:
            alarms.pop(key).resolved_at = now
            self._push(locker)

    def _lookup(self, device_id: str) -> Locker | None:
        if device_id not in self._lockers:
            self._lockers[device_id] = db.session.scalar(
                sa.select(Locker).where(Locker.device_id == device_id)
            )
        return self._lockers[device_id]

    def _compartment_of(self, locker: Locker, comp: str) -> Compartment | None:
        if locker.id not in self._compartments:
            self._compartments[locker.id] = {c.comp: c for c in locker.compartments}
        return self._compartments[locker.id].get(comp)

    def _locker(self, device_id: str) -> Locker:
        locker = self._lookup(device_id)
        if locker is None:
            raise Refused("unknown-locker", device_id)
        if not locker.enabled:
            raise Refused("disabled-locker", device_id)
        return locker

    def _heard(self, locker: Locker, now: datetime) -> None:
        """Any message: the locker is alive (back online if only its silence had made it offline).
        When it was last heard is written once per batch, by end_batch."""
        first_in_batch = locker not in self._heard_at
        if first_in_batch and not locker.online and locker.offline_reason == OfflineReason.SILENCE:
            self._set_online(locker, now)
        self._heard_at[locker] = now

    def _set_online(self, locker: Locker, now: datetime) -> None:
        locker.online = True
        locker.online_since = now
        self._resolve(locker, AlarmKind.OFFLINE, now)
        self._push(locker)

    def _set_offline(self, locker: Locker, reason: str, now: datetime) -> None:
        was_online = locker.online
        locker.online = False
        locker.offline_reason = reason
        self._push(locker)
        if was_online and reason != OfflineReason.SHUTDOWN:
            self._raise(locker, AlarmKind.OFFLINE, now, detail=reason, notify_kind="locker_offline")

    # ------------------------------------------------------------------ status

    def status(self, device_id: str, status: Status, received_at: float) -> Outcome:
        self._write_back()  # a status may change the layout and the compartments with it
        now = _moment(received_at)
        self._seq = status.seq
        locker = self._lookup(device_id)
        if locker is None:
            if status.online:
                layout = ",".join(f"{c.id}:{c.size}{':cold' if c.cold else ''}" for c in status.compartments)
                services.note_sighting(device_id, layout, status.fw or "", now)
            raise Refused("unknown-locker", device_id, keep=True)
        if not locker.enabled:
            raise Refused("disabled-locker", device_id)
        if not status.online:
            return self._offline_status(locker, status, now)
        if status.boot == locker.boot and status.seq <= locker.last_seq:
            return Outcome.STALE
        if status.boot != locker.boot:
            rebooted = locker.boot is not None
            locker.boot = status.boot
            for compartment in locker.compartments:
                compartment.last_seq = 0
                compartment.boot = status.boot
            if rebooted and self.ingest is not None:
                # retained states of the new boot may have come before its status (and been taken
                # for stale ones of the old boot): ask the broker for them again
                self.ingest.resubscribe_compartments(device_id)
        locker.last_seq = status.seq
        locker.fw = status.fw or ""
        self._heard_at[locker] = now
        self._apply_layout(locker, status)
        if not locker.online:
            self._set_online(locker, now)
        return Outcome.APPLIED

    def _offline_status(self, locker: Locker, status: Status, now: datetime) -> Outcome:
        if status.seq is not None and status.boot == locker.boot and status.seq <= locker.last_seq:
            return Outcome.STALE
        if status.seq is not None and status.boot == locker.boot:
            locker.last_seq = status.seq
        if not locker.online and locker.offline_reason != OfflineReason.SILENCE:
            return Outcome.STALE  # already offline (a retained will read again)
        reason = OfflineReason.SHUTDOWN if status.seq is not None else OfflineReason.WILL
        self._set_offline(locker, reason, now)
        return Outcome.APPLIED

    def _apply_layout(self, locker: Locker, status: Status) -> None:
        known = {c.comp: c for c in locker.compartments}
        listed = set()
        changed = False
        for info in status.compartments:
            listed.add(info.id)
            compartment = known.get(info.id)
            if compartment is None:  # learned: shown once an admin approves it
                locker.compartments.append(
                    Compartment(
                        comp=info.id, size=info.size, cold=info.cold, approved=False, boot=locker.boot
                    )
                )
                changed = True
            elif (compartment.size, compartment.cold, compartment.present) != (info.size, info.cold, True):
                compartment.size, compartment.cold, compartment.present = info.size, info.cold, True
                changed = True
        for comp, compartment in known.items():
            if comp not in listed and compartment.present:
                compartment.present = False
                changed = True
        if changed:
            self._compartments.pop(locker.id, None)
            self._push(locker)

    # ------------------------------------------------------------------ compartments

    def _shadow(self, compartment: Compartment) -> dict:
        """The compartment's state as this batch moves it, in a plain dict written back to the
        row once (`_write_back`): a backlog is mostly states of the same few compartments, and
        each touch of a mapped attribute costs the ORM's bookkeeping."""
        shadow = self._shadows.get(compartment)
        if shadow is None:
            shadow = self._shadows[compartment] = {name: getattr(compartment, name) for name in SHADOWED}
        return shadow

    def _write_back(self) -> None:
        for compartment, shadow in self._shadows.items():
            for name, value in shadow.items():
                if getattr(compartment, name) != value:
                    setattr(compartment, name, value)
        self._shadows = {}

    def compartment(self, device_id: str, state: CompartmentState, received_at: float) -> Outcome:
        now = _moment(received_at)
        self._seq = state.seq
        locker = self._locker(device_id)
        compartment = self._compartment_of(locker, state.comp)
        if compartment is None:
            raise Refused("unknown-compartment", f"{device_id}/{state.comp}")
        self._heard(locker, now)
        shadow = self._shadow(compartment)
        boot = locker.boot
        if shadow["boot"] == boot and state.seq <= shadow["last_seq"]:
            return Outcome.STALE
        was_open, had_fault = shadow["door"] == "open", shadow["fault"]
        changed = (shadow["door"], shadow["occupied"], shadow["temp_c"], shadow["fault"]) != (
            state.door,
            state.occupied,
            state.temp_c,
            state.fault,
        )
        self._temperatures.observe(compartment.id, state.ts, state.temp_c)
        shadow.update(
            boot=boot,
            last_seq=state.seq,
            state_at=state.ts,
            door=state.door,
            occupied=state.occupied,
            temp_c=state.temp_c,
            fault=state.fault,
        )
        if changed:
            self._push(locker)
        if state.door == "closed" and was_open:
            self._resolve(locker, AlarmKind.DOOR, now, comp=state.comp)
        if state.fault is None and had_fault:
            self._resolve(locker, AlarmKind.FAULT, now, comp=state.comp)
        return Outcome.APPLIED

    # ------------------------------------------------------------------ events

    def event(self, device_id: str, event: Event, received_at: float) -> Outcome:
        if event.type in TOUCH_COMPARTMENTS:
            self._write_back()  # their handlers read and change compartments through the ORM
        now = _moment(received_at)
        self._seq = event.seq
        locker = self._locker(device_id)
        if self._was_seen(locker, event.id):
            return Outcome.DUPLICATE
        self._heard(locker, now)
        if self._seen is not None:
            self._seen.add((locker.id, event.id))
        handler = getattr(self, f"_on_{event.type}")
        outcome, detail = handler(locker, event, now)
        self._event_rows.append(
            {
                "locker_id": locker.id,
                "event_id": event.id,
                "type": event.type,
                "comp": event.comp,
                "seq": event.seq,
                "sent_at": event.ts,
                "received_at": now,
                "order_reference": (event.order or "")[:64],
                "outcome": outcome,
                "detail": (detail or "")[:200],
            }
        )
        return Outcome.APPLIED

    def end_batch(self) -> None:
        """Store the batch's events in one statement, and when its lockers were last heard (the
        unique (locker, event id) has the last word on duplicates: a clash fails the batch, which
        the ingest then applies message by message)."""
        self._write_back()
        if self._event_rows or self._new_alarms:
            db.session.flush()  # what the ORM holds first: COPY goes around it
            insert_rows(LockerEvent.__table__, self._event_rows)
            insert_rows(LockerAlarm.__table__, [asdict(alarm) for alarm in self._new_alarms])
            self._event_rows, self._new_alarms = [], []
        self._temperatures.write()
        for locker, moment in self._heard_at.items():
            locker.last_seen = moment
        self._heard_at = {}

    def _on_deposit(self, locker: Locker, event: Event, now: datetime):
        from portal.groupbuy.services.pickup_codes import issue_pickup_code, order_by_reference

        compartment = self._compartment_of(locker, event.comp)
        order = order_by_reference(locker.pickup_point_id, event.order)
        self._push(locker)
        if order is None:
            self._raise(
                locker,
                AlarmKind.DEPOSIT,
                now,
                comp=event.comp,
                detail=event.order,
                notify_kind="locker_unknown_deposit",
                ref=event.order,
            )
            return "unknown_order", event.order
        if compartment is not None:
            compartment.order_id = order.id
            compartment.order_reference = order.reference
            compartment.deposited_at = now
            compartment.occupied = True
        already_ready = bool(order.pickup_code)
        try:
            issue_pickup_code(order)
        except DomainError as error:
            self._raise(
                locker,
                AlarmKind.DEPOSIT,
                now,
                comp=event.comp,
                detail=f"{order.reference}: {error.message}",
                notify_kind="locker_unknown_deposit",
                ref=order.reference,
            )
            return "refused", str(error.message)
        if already_ready:  # the code went out before (goods marked arrived): say where it is now
            for user_id in {order.user_id, order.delegate_user_id} - {None}:
                services.notify(
                    user_id,
                    "locker_deposited",
                    community_id=order.community_id,
                    link=f"/groupbuy/orders/{order.id}",
                    ref=order.reference,
                    locker=locker.name,
                    comp=event.comp,
                    point=locker.pickup_point.name,
                )
        self._push_order(order)
        return "ready", order.reference

    def _on_pickup_code(self, locker: Locker, event: Event, now: datetime):
        from portal.groupbuy.services.pickup_codes import order_for_code

        if locker.keypad_locked(now):
            self._reply(locker, event, "deny", reason="locked_out")
            return "deny", "locked_out"
        order = order_for_code(locker.pickup_point_id, event.code)
        if order is None:
            reason = "expired" if self._expired_code(locker, event.code, now) else "invalid"
            if reason == "invalid":
                services.note_wrong_code(locker, now)
            self._reply(locker, event, "deny", reason=reason)
            self._push(locker)
            return "deny", reason
        compartment = db.session.scalar(
            sa.select(Compartment).where(Compartment.locker_id == locker.id, Compartment.order_id == order.id)
        )
        if compartment is None:  # a real code, but the parcel is not in this locker
            self._reply(locker, event, "deny", reason="invalid")
            return "deny", f"{order.reference} not in this locker"
        self._reply(locker, event, "open", comp=compartment.comp, order=order.reference)
        return "open", f"{order.reference} {compartment.comp}"

    def _expired_code(self, locker: Locker, code: str, now: datetime) -> bool:
        from portal.groupbuy.models import Order

        return bool(
            db.session.scalar(
                sa.select(Order.id).where(
                    Order.pickup_point_id == locker.pickup_point_id,
                    Order.pickup_code == code,
                    Order.code_expires_at <= now,
                )
            )
        )

    def _reply(self, locker: Locker, event: Event, kind: str, *, comp=None, order=None, reason=None) -> None:
        self.commands_queued = True  # the ingest publishes the outbox right after the commit
        services.queue_command(
            locker, kind, comp=comp, order_reference=order, in_reply_to=event.id, reason=reason
        )

    def _on_collected(self, locker: Locker, event: Event, now: datetime):
        from portal.groupbuy.services.pickup_codes import mark_collected, order_by_reference

        compartment = self._compartment_of(locker, event.comp)
        self._push(locker)
        order = order_by_reference(locker.pickup_point_id, event.order)
        if compartment is not None and (order is None or compartment.order_id in (order.id, None)):
            compartment.order_id = None
            compartment.order_reference = None
            compartment.deposited_at = None
            compartment.occupied = False
        if order is None:
            return "unknown_order", event.order
        try:
            mark_collected(order, via="locker")
        except DomainError as error:
            return "refused", str(error.message)
        self._push_order(order)
        return "collected", order.reference

    def _on_door_alarm(self, locker: Locker, event: Event, now: datetime):
        self._raise(locker, AlarmKind.DOOR, now, comp=event.comp, notify_kind="locker_door")
        return "alarm", ""

    def _on_temp_alarm(self, locker: Locker, event: Event, now: datetime):
        self._raise(
            locker,
            AlarmKind.TEMP,
            now,
            comp=event.comp,
            temp_c=event.temp_c,
            detail=f"{event.temp_c:.1f} °C",
            notify_kind="locker_temp",
            temp=f"{event.temp_c:.1f}",
        )
        return "alarm", f"{event.temp_c:.1f}"

    def _on_fault(self, locker: Locker, event: Event, now: datetime):
        self._raise(
            locker,
            AlarmKind.FAULT,
            now,
            comp=event.comp,
            detail=event.detail,
            notify_kind="locker_fault",
            text=event.detail,
        )
        return "alarm", event.detail

    def _push_order(self, order) -> None:
        for user_id in {order.user_id, order.delegate_user_id} - {None}:
            push_after_commit(db.session(), user_room(user_id), {"type": "order", "id": order.id})
