"""Locker MQTT protocol v1 as a locker sees it: names, topics, limits and encoding.

The contract is /work/shared/contracts/locker-mqtt-v1.md; devices/README.md documents
what this implementation sends. Nothing here knows about the portal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

PROTOCOL_VERSION = "v1"
DEFAULT_TOPIC_ROOT = "linli"
FIRMWARE_VERSION = "1.4.2"
MAX_PAYLOAD_BYTES = 4096
HEARTBEAT_SECONDS = 30.0

LOCKER_ID = re.compile(r"[a-z0-9-]{1,40}")
COMPARTMENT_ID = re.compile(r"[A-Z0-9]{1,8}")
SIZES = ("S", "M", "L")
DOOR_STATES = ("open", "closed")
EVENT_TYPES = ("deposit", "pickup_code", "collected", "door_alarm", "temp_alarm", "fault")
COMMAND_TYPES = ("open", "deny")
DENY_REASONS = ("invalid", "locked_out", "expired")

OFFLINE_WILL = {"online": False}


def is_locker_id(value: object) -> bool:
    """Tell whether value is a valid locker id."""
    return isinstance(value, str) and LOCKER_ID.fullmatch(value) is not None


def is_compartment_id(value: object) -> bool:
    """Tell whether value is a valid compartment id."""
    return isinstance(value, str) and COMPARTMENT_ID.fullmatch(value) is not None


def check_topic_root(root: str) -> str:
    """Return the topic root without a trailing slash, or raise ValueError if unusable."""
    cleaned = root.strip().rstrip("/")
    if not cleaned or any(char in cleaned for char in "+#\x00"):
        raise ValueError(f"unusable topic root: {root!r}")
    return cleaned


def utc_timestamp(moment: datetime | None = None) -> str:
    """Format a moment (default now) as RFC 3339 UTC with a Z, to the second."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode(payload: object) -> bytes:
    """Encode a payload as compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Topics:
    """The topics of one locker under a topic root."""

    root: str
    locker_id: str

    @property
    def base(self) -> str:
        """Topic prefix shared by everything this locker sends and receives."""
        return f"{self.root}/{PROTOCOL_VERSION}/lockers/{self.locker_id}"

    @property
    def status(self) -> str:
        """Retained status topic (also carries the last will)."""
        return f"{self.base}/status"

    @property
    def events(self) -> str:
        """Event topic (not retained)."""
        return f"{self.base}/events"

    @property
    def commands(self) -> str:
        """Topic the portal sends commands on."""
        return f"{self.base}/commands"

    @property
    def all_compartments(self) -> str:
        """Subscription filter matching every compartment topic of this locker."""
        return f"{self.base}/compartments/+"

    def compartment(self, comp: str) -> str:
        """Retained state topic of one compartment."""
        return f"{self.base}/compartments/{comp}"

    def compartment_of(self, topic: str) -> str | None:
        """Return the compartment id a compartment topic names, or None."""
        prefix = f"{self.base}/compartments/"
        return topic[len(prefix):] if topic.startswith(prefix) else None
