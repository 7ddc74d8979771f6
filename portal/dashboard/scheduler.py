"""The dashboard's rollups in the background: the current and previous day, week and month of
every community and of the platform, recomputed now and then every DASHBOARD_ROLLUP_SECONDS (an
hour). Started by `flask serve` (beside the other sweepers) and by `flask dashboard sweeper`
(the production process). Rows are upserts on their key, so several sweepers at once are safe.
"""

from portal.core.scheduler import PeriodicJob

DEFAULT_INTERVAL = 3600.0


class RollupSweeper(PeriodicJob):
    """dashboard.rollups.sweep() now, then every DASHBOARD_ROLLUP_SECONDS."""

    def __init__(self, app, interval: float | None = None):
        from portal.dashboard.rollups import sweep

        interval = interval or app.config.get("DASHBOARD_ROLLUP_SECONDS", DEFAULT_INTERVAL)
        super().__init__(app, "dashboard-rollups", sweep, interval)


def start_sweeper(app, interval: float | None = None) -> RollupSweeper:
    """Start the rollups (the first run is at once: today's figures, and what changed while down)."""
    sweeper = RollupSweeper(app, interval)
    sweeper.start()
    return sweeper
