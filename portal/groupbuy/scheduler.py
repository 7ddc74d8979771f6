"""The background closer: sweeps (closes due buys, reminds, flags overdue) at start and every ~20 s.

Started by `flask serve` and by `flask groupbuy sweeper` (the production process, next to
gunicorn; or run `flask groupbuy sweep` from cron every minute instead). Never started inside
create_app: tests, `flask db` and the reloader all call it. Several sweepers at once are safe —
every transition is a conditional UPDATE — they only waste a little work.
"""

import logging
import threading

from portal.core.db import db

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 20.0


class Sweeper(threading.Thread):
    """A daemon thread running groupbuy.services.sweep() now and then every `interval` seconds."""

    def __init__(self, app, interval: float | None = None):
        super().__init__(name="groupbuy-sweeper", daemon=True)
        self.app = app
        self.interval = float(interval or app.config.get("GROUPBUY_SWEEP_SECONDS", DEFAULT_INTERVAL))
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while True:
            self.sweep_once()
            if self.stopped.wait(self.interval):
                return

    def sweep_once(self) -> dict | None:
        from portal.groupbuy.services import sweep

        with self.app.app_context():
            try:
                report = sweep()
                if any(report.values()):
                    log.info("group-buy sweep: %s", report)
                return report
            except Exception:
                log.exception("group-buy sweep failed; trying again in %ss", self.interval)
                return None
            finally:
                self.runs += 1
                db.session.remove()

    def stop(self) -> None:
        self.stopped.set()


def start_sweeper(app, interval: float | None = None) -> Sweeper:
    """Start the background closer (its first sweep runs at once: deadlines passed while down)."""
    sweeper = Sweeper(app, interval)
    sweeper.start()
    return sweeper
