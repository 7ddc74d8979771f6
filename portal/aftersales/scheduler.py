"""The after-sales sweep in the background: cases with no offer AFTERSALES_ESCALATE_HOURS after
the report go to the community's admins. Started by `flask serve` (beside the other sweepers) and
by `flask aftersales sweeper` (the production process; or `flask aftersales sweep` from cron).
Each escalation is a conditional status change, so several sweepers at once are safe.
"""

from portal.core.scheduler import PeriodicJob

DEFAULT_INTERVAL = 300.0


class AftersalesSweeper(PeriodicJob):
    """aftersales.services.escalate_overdue() now, then every AFTERSALES_SWEEP_SECONDS."""

    def __init__(self, app, interval: float | None = None):
        from portal.aftersales.services import escalate_overdue

        interval = interval or app.config.get("AFTERSALES_SWEEP_SECONDS", DEFAULT_INTERVAL)
        super().__init__(app, "aftersales-sweeper", escalate_overdue, interval)


def start_sweeper(app, interval: float | None = None) -> AftersalesSweeper:
    """Start the after-sales sweep (its first run is at once: what came due while down)."""
    sweeper = AftersalesSweeper(app, interval)
    sweeper.start()
    return sweeper
