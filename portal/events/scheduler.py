"""The events sweep in the background: day-before reminders, and waitlists of events that
began. Started by `flask serve` (beside the group-buy sweeper) and by `flask events reminders`
(the production process; or run `flask events remind` from cron every few minutes instead).
Each reminder is claimed by a conditional UPDATE of `reminded_at`, each waitlist expiry by a
conditional status change, so several sweeps at once are safe.
"""

from portal.core.scheduler import PeriodicJob

DEFAULT_INTERVAL = 300.0


class EventsSweeper(PeriodicJob):
    """events.services.run_periodic() now, then every EVENTS_SWEEP_SECONDS."""

    def __init__(self, app, interval: float | None = None):
        from portal.events.services.reminders import run_periodic

        interval = interval or app.config.get("EVENTS_SWEEP_SECONDS", DEFAULT_INTERVAL)
        super().__init__(app, "events-sweeper", run_periodic, interval)


def start_sweeper(app, interval: float | None = None) -> EventsSweeper:
    """Start the events sweep (its first run is at once: reminders due while the server was down)."""
    sweeper = EventsSweeper(app, interval)
    sweeper.start()
    return sweeper
