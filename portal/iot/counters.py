"""Ingest counters: what arrived, what was applied, what was refused and why (thread-safe)."""

import threading
import time
from collections import Counter

# received = valid + malformed + ignored; valid = applied + stale + duplicate + errors
NAMES = (
    "received",  # every message on the locker tree
    "valid",  # passed the schema and was handed to the handlers
    "applied",  # changed state or was processed (stored)
    "stale",  # a status or compartment state with an old seq
    "duplicate",  # an event id seen before
    "malformed",  # refused: does not match the contract (reasons below)
    "ignored",  # the portal's own commands, echoed by the broker
    "errors",  # a handler failed; rolled back and logged
    "commands",  # commands published to lockers
    "pushed",  # live events emitted to Socket.IO rooms
    "batches",  # transactions committed
    "connects",  # (re)connections to the broker
)


class IngestCounters:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts = Counter({name: 0 for name in NAMES})
        self._reasons: Counter = Counter()
        self.started = time.time()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def valid(self) -> None:
        """A message that passed the schema (one lock for the two counts: it is every message)."""
        with self._lock:
            self._counts["received"] += 1
            self._counts["valid"] += 1

    def malformed(self, reason: str) -> None:
        with self._lock:
            self._counts["received"] += 1
            self._counts["malformed"] += 1
            self._reasons[reason] += 1

    def refused(self, reason: str) -> None:
        """A message that passed the schema but the handler refused (unknown locker, …)."""
        with self._lock:
            self._counts["valid"] -= 1
            self._counts["malformed"] += 1
            self._reasons[reason] += 1

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def reasons(self) -> dict[str, int]:
        with self._lock:
            return dict(self._reasons)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                **{name: self._counts[name] for name in NAMES},
                "malformed_reasons": dict(sorted(self._reasons.items())),
                "uptime_s": round(time.time() - self.started, 1),
            }
