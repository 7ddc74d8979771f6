"""Periodic background work (sweeps, reminders) in a daemon thread, one app context per run.

Started only by long-running commands (`flask serve`, the production sweeper processes), never
inside create_app: tests, `flask db` and the reloader all call it. Each job must be safe to run
in several processes at once (conditional UPDATEs), so a second sweeper only wastes a little work.
"""

import logging
import threading
from collections.abc import Callable

from portal.core.db import db

log = logging.getLogger(__name__)


class PeriodicJob(threading.Thread):
    """Runs `work()` at once (what came due while the portal was down), then every `interval` s."""

    def __init__(self, app, name: str, work: Callable[[], dict], interval: float):
        super().__init__(name=name, daemon=True)
        self.app = app
        self.work = work
        self.interval = float(interval)
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while True:
            self.sweep_once()
            if self.stopped.wait(self.interval):
                return

    def sweep_once(self) -> dict | None:
        """One run; its report (what changed), or None when it failed (logged, retried later)."""
        with self.app.app_context():
            try:
                report = self.work()
                if any(report.values()):
                    log.info("%s: %s", self.name, report)
                return report
            except Exception:
                log.exception("%s failed; trying again in %ss", self.name, self.interval)
                return None
            finally:
                self.runs += 1
                db.session.remove()

    def stop(self) -> None:
        self.stopped.set()
