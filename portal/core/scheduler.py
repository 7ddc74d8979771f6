"""Periodic background work (sweeps, reminders) in a daemon thread, one app context per run.

Started only by long-running commands (`flask serve`, the production sweeper processes), never
inside create_app: tests, `flask db` and the reloader all call it. Each job must be safe to run
in several processes at once (conditional UPDATEs), so a second sweeper only wastes a little work.

Every job also keeps the database's statistics current (core.db.optimize: SQLite's query
planner has none unless asked) at its first run and then at most once an hour.
"""

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from portal.core.db import db, optimize

log = logging.getLogger(__name__)

UPKEEP_SECONDS = 3600.0
ANALYSING = threading.Lock()  # the periodic jobs of a process analyse the database one at a time
_upkept_at: list[float] = []  # when a job of this process last analysed: one analysis serves them all


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
                self.upkeep()

    def upkeep(self) -> None:
        """The database's statistics: at the process's first job run, then at most every
        UPKEEP_SECONDS whichever job comes; one job at a time (two would lock each other out of
        SQLite). A database busy with a writer is asked again at the next run."""
        with ANALYSING:
            now = time.monotonic()
            if _upkept_at and now - _upkept_at[-1] < UPKEEP_SECONDS:
                return
            _upkept_at[:] = [now]
            try:
                analysed = optimize()
            except OperationalError as error:
                _upkept_at.clear()
                log.warning(
                    "%s: the database was busy, its statistics wait for the next run (%s)",
                    self.name,
                    error.orig,
                )
                return
            except Exception:
                log.exception("%s: analysing the database failed; trying again in an hour", self.name)
                return
        if analysed:
            log.info("%s: analysed for the query planner: %s", self.name, ", ".join(analysed))

    def stop(self) -> None:
        self.stopped.set()
