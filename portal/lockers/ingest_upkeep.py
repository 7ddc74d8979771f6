"""The ingest's side work between messages: the outbox of commands to lockers, and the tick that
takes silent lockers offline, closes ended lockouts, writes the ingest's counters and sweeps old
code attempts and temperature readings (LockerHandlers mixes this in)."""

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.core.db import begin_write, db, utcnow
from portal.iot.dispatch import Command
from portal.iot.schemas import command
from portal.lockers import services, temperatures
from portal.lockers.models import (
    SILENCE,
    AlarmKind,
    CodeAttempt,
    IngestStats,
    Locker,
    LockerAlarm,
    LockerCommand,
    OfflineReason,
)

log = logging.getLogger("portal.lockers.ingest")

STATS_EVERY_S = 5.0
SWEEP_EVERY_S = 3600.0  # old code attempts and temperature readings: a DELETE an hour is plenty
ATTEMPTS_KEPT_S = 2 * 86400


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class OutboxAndUpkeep:
    _stats_due = 0.0
    _sweep_due = 0.0

    def pending_commands(self) -> list[Command]:
        rows = db.session.execute(
            sa.select(LockerCommand, Locker.device_id)
            .join(Locker, Locker.id == LockerCommand.locker_id)
            .where(LockerCommand.sent_at.is_(None))
            .order_by(LockerCommand.created_at)
            .limit(500)
        ).all()
        return [
            Command(
                row.id,
                device_id,
                command(
                    row.type,
                    comp=row.comp,
                    order=row.order_reference,
                    in_reply_to=row.in_reply_to,
                    reason=row.reason,
                    command_id=row.id,
                    ts=row.created_at,
                ),
            )
            for row, device_id in rows
        ]

    def commands_sent(self, keys: list) -> None:
        db.session.execute(
            sa.update(LockerCommand)
            .where(LockerCommand.id.in_(keys), LockerCommand.sent_at.is_(None))
            .values(sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )

    def tick(self, now: float) -> None:
        """Every second: lockers silent for 90 s go offline; lockouts that ended close; stats."""
        moment = _moment(now)
        self._seq = None
        self.begin_batch()  # its own session: nothing cached from the last batch applies
        silent = []
        if self._listened_for(SILENCE.total_seconds(), now):
            silent = db.session.scalars(
                sa.select(Locker).where(Locker.online, Locker.last_seen < moment - SILENCE)
            ).all()
        ended = db.session.scalars(
            sa.select(Locker)
            .where(
                Locker.locked_until.is_not(None),
                Locker.locked_until <= moment,
                Locker.locked_by_admin.is_(False),
            )
            .where(
                sa.exists().where(
                    LockerAlarm.locker_id == Locker.id,
                    LockerAlarm.kind == AlarmKind.LOCKOUT,
                    LockerAlarm.resolved_at.is_(None),
                )
            )
        ).all()
        stats_due = self.ingest is not None and now >= self._stats_due
        if not (silent or ended or stats_due):
            return
        ids = ([locker.id for locker in silent], [locker.id for locker in ended])
        db.session.rollback()
        begin_write()
        for locker in db.session.scalars(sa.select(Locker).where(Locker.id.in_(ids[0]))):
            if locker.online and locker.last_seen < moment - SILENCE:
                log.info("locker %s silent since %s: offline", locker.device_id, locker.last_seen)
                self._set_offline(locker, OfflineReason.SILENCE, moment)
        for locker in db.session.scalars(sa.select(Locker).where(Locker.id.in_(ids[1]))):
            services.resolve_alarms(locker, AlarmKind.LOCKOUT, moment)
        if stats_due:
            self._stats_due = now + STATS_EVERY_S
            self._write_stats(moment)
        if stats_due and now >= self._sweep_due:
            self._sweep_due = now + SWEEP_EVERY_S
            db.session.execute(sa.delete(CodeAttempt).where(CodeAttempt.at < _moment(now - ATTEMPTS_KEPT_S)))
            temperatures.sweep(moment - timedelta(days=temperatures.TEMPERATURES_KEPT_DAYS))
        self.end_batch()  # the offline alarms it opened

    def _listened_for(self, seconds: float, now: float) -> bool:
        """Has the ingest been subscribed that long? A locker's silence means something only while
        the portal listens: after the portal was away, lockers are heard again from the retained
        messages and their next heartbeat. (Handlers on their own, as in tests, always listen.)"""
        if self.ingest is None:
            return True
        since = self.ingest.listening_since
        return since is not None and now - since >= seconds

    def _write_stats(self, moment: datetime) -> None:
        row = db.session.get(IngestStats, self.stats_id)
        if row is None:
            row = IngestStats(client_id=self.stats_id, started_at=moment)
            db.session.add(row)
        row.updated_at = moment
        row.connected = bool(self.ingest and self.ingest.connected)
        row.counters = self.ingest.counters.snapshot() if self.ingest else {}
