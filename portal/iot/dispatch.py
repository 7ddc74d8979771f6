"""Dispatch: a validated device message goes to the handler for its kind.

The lockers domain implements `Handlers`; the ingest owns the transaction around each batch
(one savepoint per message), so a handler only reads and writes through the session.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from portal.iot.schemas import CompartmentState, Event, Status
from portal.iot.topics import COMPARTMENT, EVENT, STATUS


class Outcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"
    DUPLICATE = "duplicate"


class Refused(Exception):
    """A well-formed message the portal cannot take (unknown locker, unknown compartment)."""

    def __init__(self, reason: str, detail: str = "", keep: bool = False):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.keep = keep  # keep what the handler wrote (e.g. a sighting of an unknown locker)


@dataclass(slots=True)
class DeviceMessage:
    topic: str
    locker: str
    kind: str  # STATUS | COMPARTMENT | EVENT
    body: Status | CompartmentState | Event
    received_at: float  # time.time() when paho handed it over
    mid: int = 0
    qos: int = 0
    generation: int = 0  # which broker connection it came on (acks go back on the same one)


@dataclass(slots=True)
class Command:
    """A command waiting in the outbox: published to `locker`'s commands topic."""

    key: object
    locker: str
    payload: dict = field(default_factory=dict)


class Handlers(Protocol):
    def status(self, locker: str, status: Status, received_at: float) -> Outcome: ...

    def compartment(self, locker: str, state: CompartmentState, received_at: float) -> Outcome: ...

    def event(self, locker: str, event: Event, received_at: float) -> Outcome: ...

    def pending_commands(self) -> list[Command]: ...

    def commands_sent(self, keys: list) -> None: ...

    def tick(self, now: float) -> None: ...


def dispatch(handlers: Handlers, message: DeviceMessage) -> Outcome:
    """Hand one message to the handler for its kind."""
    if message.kind == STATUS:
        return handlers.status(message.locker, message.body, message.received_at)
    if message.kind == COMPARTMENT:
        return handlers.compartment(message.locker, message.body, message.received_at)
    if message.kind == EVENT:
        return handlers.event(message.locker, message.body, message.received_at)
    raise Refused("bad-topic", message.kind)
