"""The events sweep in the background: day-before reminders, and waitlists of events that
began. Started by `flask serve` (beside the group-buy sweeper) and by `flask events reminders`
(the production process; or run `flask events remind` from cron every few minutes instead).
Never started inside create_app. Running several at once is safe: each reminder is claimed by a
conditional UPDATE of `reminded_at`, each waitlist expiry by a conditional status change.
"""

import logging
import threading

from portal.core.db import db

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 300.0


class EventsSweeper(threading.Thread):
    """A daemon thread calling events.services.run_periodic() now and every `interval` seconds."""

    def __init__(self, app, interval: float | None = None):
        super().__init__(name="events-sweeper", daemon=True)
        self.app = app
        self.interval = float(interval or app.config.get("EVENTS_SWEEP_SECONDS", DEFAULT_INTERVAL))
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while True:
            self.sweep_once()
            if self.stopped.wait(self.interval):
                return

    def sweep_once(self) -> dict | None:
        from portal.events.services import run_periodic

        with self.app.app_context():
            try:
                report = run_periodic()
                if any(report.values()):
                    log.info("events sweep: %s", report)
                return report
            except Exception:
                log.exception("events sweep failed; trying again in %ss", self.interval)
                return None
            finally:
                self.runs += 1
                db.session.remove()

    def stop(self) -> None:
        self.stopped.set()


def start_sweeper(app, interval: float | None = None) -> EventsSweeper:
    """Start the events sweep (its first run is at once: reminders due while the server was down)."""
    sweeper = EventsSweeper(app, interval)
    sweeper.start()
    return sweeper
