"""Cold compartments' temperatures over time, and the readings a trace step records from them.

The ingest hands every status to `TemperatureLog.observe`; a reading is kept when the value
moved by MIN_CHANGE_C or READING_EVERY passed since the compartment's last kept one, so a steady
fridge costs a row per five minutes and a warming one is seen at once. Rows live
TEMPERATURES_KEPT_DAYS. `readings_while_inside` is registered with trace.sensors: when a leader
records receiving or storing at a locker pickup point, the step carries the temperatures of the
compartments while the batch's orders were inside (from their deposit to their collection).
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core.db import db, insert_rows
from portal.groupbuy.models import GroupBuy, Order
from portal.lockers.models import Compartment, Locker, LockerEvent, TemperatureReading

READING_EVERY = timedelta(minutes=5)
MIN_CHANGE_C = 0.5
TEMPERATURES_KEPT_DAYS = 90


class TemperatureLog:
    """What the ingest keeps of the statuses' temperatures; written with the batch's other rows."""

    def __init__(self):
        self._last: dict[int, tuple[datetime, float]] = {}  # compartment id → last kept reading
        self._rows: list[dict] = []

    def observe(self, compartment_id: int | None, at: datetime, temp_c: float | None) -> None:
        if temp_c is None or compartment_id is None:  # no sensor, or a compartment not stored yet
            return
        last = self._last.get(compartment_id)
        if last is not None and at - last[0] < READING_EVERY and abs(temp_c - last[1]) < MIN_CHANGE_C:
            return
        if last is not None and at <= last[0]:
            return  # an older status arriving late
        self._last[compartment_id] = (at, temp_c)
        self._rows.append({"compartment_id": compartment_id, "at": at, "temp_c": temp_c})

    def write(self) -> None:
        if self._rows:
            db.session.flush()  # COPY goes around the ORM
            insert_rows(TemperatureReading.__table__, self._rows)
            self._rows = []

    def forget(self) -> None:
        """After a failed batch: what was not written is not remembered as kept."""
        for row in self._rows:
            self._last.pop(row["compartment_id"], None)
        self._rows = []


def sweep(before: datetime) -> int:
    return db.session.execute(sa.delete(TemperatureReading).where(TemperatureReading.at < before)).rowcount


def readings_while_inside(batch_id: int, pickup_point_id: int, until: datetime) -> list[dict]:
    """[{"time", "value", "device"}] of the compartments of the point's lockers while an order of
    a buy of the batch was inside: three queries, whatever the number of orders."""
    references = (
        sa.select(Order.reference)
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .where(GroupBuy.batch_id == batch_id, Order.pickup_point_id == pickup_point_id)
    )
    events = db.session.execute(
        sa.select(LockerEvent.locker_id, LockerEvent.comp, LockerEvent.type, LockerEvent.received_at)
        .join(Locker, Locker.id == LockerEvent.locker_id)
        .where(
            Locker.pickup_point_id == pickup_point_id,
            LockerEvent.type.in_(("deposit", "collected")),
            LockerEvent.order_reference.in_(references),
            LockerEvent.received_at <= until,
        )
        .order_by(LockerEvent.received_at)
    ).all()
    opened: dict[tuple[int, str], datetime] = {}
    intervals: dict[tuple[int, str], list[tuple[datetime, datetime]]] = {}
    for locker_id, comp, kind, at in events:
        key = (locker_id, comp)
        if kind == "deposit":
            opened.setdefault(key, at)
        elif key in opened:
            intervals.setdefault(key, []).append((opened.pop(key), at))
    for key, start in opened.items():  # still inside
        intervals.setdefault(key, []).append((start, until))
    if not intervals:
        return []
    compartments = db.session.execute(
        sa.select(Compartment.id, Compartment.locker_id, Compartment.comp, Locker.device_id)
        .join(Locker, Locker.id == Compartment.locker_id)
        .where(Compartment.locker_id.in_({locker_id for locker_id, _comp in intervals}))
    ).all()
    device_of = {
        cid: (lid, comp, f"urn:linli:locker:{device}:{comp}") for cid, lid, comp, device in compartments
    }
    wanted = [cid for cid, (lid, comp, _d) in device_of.items() if (lid, comp) in intervals]
    first = min(start for spans in intervals.values() for start, _end in spans)
    rows = db.session.execute(
        sa.select(TemperatureReading.compartment_id, TemperatureReading.at, TemperatureReading.temp_c)
        .where(
            TemperatureReading.compartment_id.in_(wanted),
            TemperatureReading.at >= first,
            TemperatureReading.at <= until,
        )
        .order_by(TemperatureReading.at)
    ).all()
    readings = []
    for cid, at, value in rows:
        locker_id, comp, device = device_of[cid]
        if any(start <= at <= end for start, end in intervals[(locker_id, comp)]):
            readings.append({"time": at, "value": value, "device": device})
    return readings
