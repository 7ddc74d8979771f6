"""Smart lockers at pickup points: lockers, compartments, what they sent, what we told them.

The wire protocol is contracts/locker-mqtt-v1.md; `Locker.device_id` is the locker id on the
wire (and its MQTT username). Orders belong to the group-buy domain: a compartment keeps the
id and reference of the order in it, without a foreign key, so the two domains migrate apart.
"""

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow

SILENCE = timedelta(seconds=90)  # no message for this long: offline (contract)


class OfflineReason(enum.StrEnum):
    WILL = "will"  # the broker published the last will: the connection broke
    SHUTDOWN = "shutdown"  # the locker said goodbye
    SILENCE = "silence"  # nothing heard for 90 s
    NEVER = "never"  # registered, never heard


class AlarmKind(enum.StrEnum):
    DOOR = "door"
    TEMP = "temp"
    FAULT = "fault"
    OFFLINE = "offline"
    LOCKOUT = "lockout"
    DEPOSIT = "deposit"  # a parcel for an order the portal does not know


class Locker(db.Model):
    __tablename__ = "lockers"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    pickup_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pickup_points.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    mqtt_password_hash: Mapped[str] = mapped_column(sa.String(200), default="")
    credentials_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(default=True)

    boot: Mapped[str | None] = mapped_column(sa.String(64))
    fw: Mapped[str] = mapped_column(sa.String(40), default="")
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # of the last status applied
    online: Mapped[bool] = mapped_column(default=False)
    offline_reason: Mapped[str] = mapped_column(sa.String(12), default=OfflineReason.NEVER)
    online_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # keypad lockout (contract: 5 wrong codes in 10 min → 10 min, doubling; 20 a day → admin)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_admin: Mapped[bool] = mapped_column(default=False)  # stays locked until unlocked
    count_wrong_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lockout_day: Mapped[str] = mapped_column(sa.String(10), default="")
    wrong_today: Mapped[int] = mapped_column(default=0)
    lockouts_today: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pickup_point = relationship("PickupPoint")
    compartments: Mapped[list["Compartment"]] = relationship(
        back_populates="locker", order_by="Compartment.comp", cascade="all, delete-orphan"
    )

    @property
    def mqtt_username(self) -> str:
        return self.device_id

    def is_online(self, now: datetime | None = None) -> bool:
        """Online by its status and heard within the last 90 s."""
        now = now or utcnow()
        return bool(self.online and self.last_seen and now - self.last_seen < SILENCE)

    def keypad_locked(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.locked_by_admin or bool(self.locked_until and self.locked_until > now)


class Compartment(db.Model):
    __tablename__ = "locker_compartments"
    __table_args__ = (sa.UniqueConstraint("locker_id", "comp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locker_id: Mapped[int] = mapped_column(sa.ForeignKey("lockers.id", ondelete="CASCADE"), index=True)
    comp: Mapped[str] = mapped_column(sa.String(8))
    size: Mapped[str] = mapped_column(sa.String(1), default="M")
    cold: Mapped[bool] = mapped_column(default=False)
    approved: Mapped[bool] = mapped_column(default=True)  # learned from a status: needs an admin
    present: Mapped[bool] = mapped_column(default=True)  # in the locker's latest layout

    door: Mapped[str] = mapped_column(sa.String(6), default="closed")
    occupied: Mapped[bool] = mapped_column(default=False)
    temp_c: Mapped[float | None] = mapped_column(sa.Float)
    fault: Mapped[str | None] = mapped_column(sa.String(200))
    boot: Mapped[str | None] = mapped_column(sa.String(64))
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order_id: Mapped[int | None] = mapped_column(index=True)  # groupbuy order (no FK: see module)
    order_reference: Mapped[str | None] = mapped_column(sa.String(64))
    deposited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    locker: Mapped[Locker] = relationship(back_populates="compartments")

    @property
    def state(self) -> str:
        """One word for the board: fault, open, ready (holds an order), occupied, free."""
        if self.fault:
            return "fault"
        if self.door == "open":
            return "open"
        if self.order_id:
            return "ready"
        return "occupied" if self.occupied else "free"


class TemperatureReading(db.Model):
    """A cold compartment's temperature as its status reported it: the trace chain's cold-chain
    readings while a batch's orders were inside. Written when the value changes; kept for
    TEMPERATURES_KEPT_DAYS."""

    __tablename__ = "locker_temperature_readings"
    __table_args__ = (sa.Index("ix_locker_temperature_readings_compartment_at", "compartment_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compartment_id: Mapped[int] = mapped_column(sa.ForeignKey("locker_compartments.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    temp_c: Mapped[float] = mapped_column(sa.Float)


class LockerEvent(db.Model):
    """An event a locker sent, kept once per id: a second delivery changes nothing."""

    __tablename__ = "locker_events"
    __table_args__ = (
        sa.UniqueConstraint("locker_id", "event_id"),
        sa.Index("ix_locker_events_locker_received", "locker_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locker_id: Mapped[int] = mapped_column(sa.ForeignKey("lockers.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(sa.String(36))
    type: Mapped[str] = mapped_column(sa.String(16))
    comp: Mapped[str] = mapped_column(sa.String(8), default="")
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the locker's ts
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    order_reference: Mapped[str] = mapped_column(sa.String(64), default="")
    outcome: Mapped[str] = mapped_column(sa.String(24), default="")
    detail: Mapped[str] = mapped_column(sa.String(200), default="")


class LockerCommand(db.Model):
    """A command to a locker (the outbox): the ingest publishes it and stamps `sent_at`."""

    __tablename__ = "locker_commands"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # the command's uuid
    locker_id: Mapped[int] = mapped_column(sa.ForeignKey("lockers.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(sa.String(8))  # open | deny
    comp: Mapped[str | None] = mapped_column(sa.String(8))
    order_reference: Mapped[str | None] = mapped_column(sa.String(64))
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    reason: Mapped[str | None] = mapped_column(sa.String(16))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    locker: Mapped[Locker] = relationship()
    requested_by = relationship("User")


class LockerAlarm(db.Model):
    """Something people must look at; one open alarm per locker, compartment and kind."""

    __tablename__ = "locker_alarms"
    __table_args__ = (sa.Index("ix_locker_alarms_open", "locker_id", "kind", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locker_id: Mapped[int] = mapped_column(sa.ForeignKey("lockers.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    comp: Mapped[str] = mapped_column(sa.String(8), default="")
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    temp_c: Mapped[float | None] = mapped_column(sa.Float)
    count: Mapped[int] = mapped_column(default=1)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    locker: Mapped[Locker] = relationship()


class CodeAttempt(db.Model):
    """A wrong pickup code typed at a locker (for the brute-force lockout)."""

    __tablename__ = "locker_code_attempts"
    __table_args__ = (sa.Index("ix_locker_code_attempts_locker_at", "locker_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locker_id: Mapped[int] = mapped_column(sa.ForeignKey("lockers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LockerSighting(db.Model):
    """A locker id that sent a valid status but is not registered: an admin may register it."""

    __tablename__ = "locker_sightings"

    device_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    layout: Mapped[str] = mapped_column(sa.String(2000), default="")  # A01:S,A02:M:cold,…
    fw: Mapped[str] = mapped_column(sa.String(40), default="")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    messages: Mapped[int] = mapped_column(default=1)


class KioskDevice(db.Model):
    """A kiosk screen's device account, shown the board of one pickup point."""

    __tablename__ = "kiosk_devices"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pickup_points.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    pickup_point = relationship("PickupPoint")


class Announcement(db.Model):
    """A line on the kiosk board of a pickup point (until it expires or is removed)."""

    __tablename__ = "pickup_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pickup_points.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IngestStats(db.Model):
    """The counters of a running ingest (each process writes its row every few seconds)."""

    __tablename__ = "mqtt_ingest_stats"

    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    connected: Mapped[bool] = mapped_column(default=False)
    counters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
