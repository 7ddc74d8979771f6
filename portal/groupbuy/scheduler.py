"""The background closer: sweeps (closes due buys, reminds, flags overdue) at start and every ~20 s.

Started by `flask serve` and by `flask groupbuy sweeper` (the production process, next to
gunicorn; or run `flask groupbuy sweep` from cron every minute instead). Every transition is a
conditional UPDATE, so several sweepers at once are safe.
"""

from portal.core.scheduler import PeriodicJob

DEFAULT_INTERVAL = 20.0


class Sweeper(PeriodicJob):
    """groupbuy.services.sweep() now, then every GROUPBUY_SWEEP_SECONDS."""

    def __init__(self, app, interval: float | None = None):
        from portal.groupbuy.services.closing import sweep

        interval = interval or app.config.get("GROUPBUY_SWEEP_SECONDS", DEFAULT_INTERVAL)
        super().__init__(app, "groupbuy-sweeper", sweep, interval)


def start_sweeper(app, interval: float | None = None) -> Sweeper:
    """Start the background closer (its first sweep runs at once: deadlines passed while down)."""
    sweeper = Sweeper(app, interval)
    sweeper.start()
    return sweeper
