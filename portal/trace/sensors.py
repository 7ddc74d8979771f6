"""Cold-chain readings that a higher domain knows and the trace chain records.

The lockers domain registers a provider (lockers/__init__.py): when a step of a batch's journey
is recorded at a locker pickup point (receiving, storing), the step carries the temperatures of
the compartments while the batch's orders were inside. trace cannot import lockers, so it asks:

    readings_for(batch_id, pickup_point_id, until) -> [{"time", "value" (°C), "device"}]
"""

from collections.abc import Callable
from datetime import datetime

Provider = Callable[[int, int, datetime], list[dict]]
PROVIDERS: list[Provider] = []
MAX_READINGS = 288  # one step's readings: a day at five-minute steps; longer series are thinned


def register_readings(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def readings_for(batch_id: int, pickup_point_id: int, until: datetime) -> list[dict]:
    readings = sorted(
        (r for provider in PROVIDERS for r in provider(batch_id, pickup_point_id, until)),
        key=lambda r: r["time"],
    )
    if len(readings) > MAX_READINGS:  # evenly thinned, the last kept
        step = len(readings) / MAX_READINGS
        readings = [readings[int(i * step)] for i in range(MAX_READINGS - 1)] + [readings[-1]]
    return readings
