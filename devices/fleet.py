"""Many simulated lockers in one process, and the random activity of the demo mode."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from devices.locker import LockerError, SimulatedLocker

log = logging.getLogger("devices.fleet")


class LockerFleet:
    """Runs many SimulatedLockers side by side, each with its own MQTT connection."""

    def __init__(self, lockers: Iterable[SimulatedLocker]) -> None:
        self.lockers: dict[str, SimulatedLocker] = {}
        for locker in lockers:
            if locker.locker_id in self.lockers:
                raise ValueError(f"locker {locker.locker_id} appears twice in the fleet")
            self.lockers[locker.locker_id] = locker

    def start(self, timeout: float = 10.0) -> LockerFleet:
        """Power every locker up; if one fails, shut the others down again and raise."""
        started = []
        try:
            for locker in self.lockers.values():
                started.append(locker.start(timeout))
        except BaseException:
            for locker in started:
                locker.stop()
            raise
        return self

    def stop(self) -> None:
        """Shut every locker down cleanly (each publishes its retained offline status)."""
        for locker in self.lockers.values():
            try:
                locker.stop()
            except Exception:
                log.exception("%s did not shut down cleanly", locker.locker_id)

    def run(self, stop: threading.Event, activity: Activity | None = None,
            duration: float | None = None) -> None:
        """Keep the fleet up until `stop` is set or `duration` passes, acting now and then."""
        deadline = None if duration is None else time.monotonic() + duration
        while not stop.is_set():
            pause = activity.next_pause() if activity else 1.0
            if deadline is not None:
                pause = min(pause, deadline - time.monotonic())
            if pause > 0 and stop.wait(pause):
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            if activity:
                self._act_safely(activity)

    def _act_safely(self, activity: Activity) -> None:
        try:
            activity.act(self)
        except LockerError as error:
            log.warning("activity skipped: %s", error)

    def __enter__(self) -> LockerFleet:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class Activity:
    """What the demo mode does by itself: deposits supplied orders and types codes.

    `orders` are deposited once each into free compartments; `codes` are typed once each,
    at the locker given as `code@locker` or at a random one. With `wrong_code_rate` a
    random wrong code is typed now and then (the portal's lockout counts those).
    """

    interval_s: float = 10.0
    orders: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    wrong_code_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    done: deque[dict] = field(default_factory=lambda: deque(maxlen=1000))

    def next_pause(self) -> float:
        """Seconds until the next action: around `interval_s`, never exactly regular."""
        return self.interval_s * self.rng.uniform(0.5, 1.5)

    def act(self, fleet: LockerFleet) -> dict | None:
        """Do one random thing on the fleet; return what was done, or None."""
        if self.rng.random() < self.wrong_code_rate:
            return self._record(self._type_wrong_code(fleet))
        actions = [action for action, possible in (
            (self._deposit_next_order, self.orders and self._free_compartments(fleet)),
            (self._type_next_code, self.codes),
        ) if possible]
        if not actions:
            return None
        return self._record(self.rng.choice(actions)(fleet))

    def _deposit_next_order(self, fleet: LockerFleet) -> dict:
        locker, comp_id = self.rng.choice(self._free_compartments(fleet))
        order = self.orders.pop(0)
        return {"action": "deposit", "locker": locker.locker_id,
                "event": locker.deposit(comp_id, order)}

    def _type_next_code(self, fleet: LockerFleet) -> dict:
        code, _, locker_id = self.codes.pop(0).partition("@")
        locker = fleet.lockers.get(locker_id) or self.rng.choice(list(fleet.lockers.values()))
        return {"action": "code", "locker": locker.locker_id, "event": locker.enter_code(code)}

    def _type_wrong_code(self, fleet: LockerFleet) -> dict:
        locker = self.rng.choice(list(fleet.lockers.values()))
        code = f"{self.rng.randrange(10**8):08d}"
        return {"action": "wrong-code", "locker": locker.locker_id,
                "event": locker.enter_code(code)}

    def _free_compartments(self, fleet: LockerFleet) -> list[tuple[SimulatedLocker, str]]:
        return [
            (locker, comp.id)
            for locker in fleet.lockers.values() if locker.powered
            for comp in locker.compartments.values()
            if not comp.occupied and not comp.fault and comp.door == "closed"
        ]

    def _record(self, outcome: dict) -> dict:
        self.done.append(outcome)
        log.info("activity: %s at %s", outcome["action"], outcome["locker"])
        return outcome

