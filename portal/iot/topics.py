"""Topic names of the locker protocol (contracts/locker-mqtt-v1.md) under a configurable root."""

import re
from dataclasses import dataclass, field

VERSION = "v1"
LOCKER_ID = re.compile(r"[a-z0-9-]{1,40}")
COMPARTMENT_ID = re.compile(r"[A-Z0-9]{1,8}")

STATUS = "status"
COMPARTMENT = "compartment"
EVENT = "event"
COMMANDS = "commands"
KNOWN_TOPICS = 50_000


class TopicError(ValueError):
    """A topic that is not part of the contract."""


@dataclass(frozen=True)
class ParsedTopic:
    kind: str  # STATUS | COMPARTMENT | EVENT | COMMANDS
    locker: str
    comp: str | None = None


def check_root(root: str) -> str:
    """The topic root without slashes around it; wildcards and empty roots are refused."""
    cleaned = (root or "").strip().strip("/")
    if not cleaned or any(char in cleaned for char in "+#\x00"):
        raise ValueError(f"unusable MQTT topic root: {root!r}")
    return cleaned


@dataclass(frozen=True)
class Topics:
    """The locker tree `{root}/v1/lockers/...` of one deployment."""

    root: str
    _known: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # topic -> parsed

    def __post_init__(self):
        object.__setattr__(self, "root", check_root(self.root))

    @property
    def lockers(self) -> str:
        return f"{self.root}/{VERSION}/lockers"

    @property
    def subscription(self) -> str:
        """Everything under the locker tree: unknown topics are counted, not missed."""
        return f"{self.lockers}/#"

    def base(self, locker: str) -> str:
        return f"{self.lockers}/{locker}"

    def status(self, locker: str) -> str:
        return f"{self.base(locker)}/status"

    def events(self, locker: str) -> str:
        return f"{self.base(locker)}/events"

    def commands(self, locker: str) -> str:
        return f"{self.base(locker)}/commands"

    def compartment(self, locker: str, comp: str) -> str:
        return f"{self.base(locker)}/compartments/{comp}"

    def compartments(self, locker: str) -> str:
        return f"{self.base(locker)}/compartments/+"

    def parse(self, topic: str) -> ParsedTopic:
        """What a topic is, or TopicError when it is not in the contract (lockers use the same few
        topics over and over: the ones that parsed are remembered, up to KNOWN_TOPICS)."""
        parsed = self._known.get(topic)
        if parsed is None:
            parsed = self._parse(topic)
            if len(self._known) >= KNOWN_TOPICS:
                self._known.clear()
            self._known[topic] = parsed
        return parsed

    def _parse(self, topic: str) -> ParsedTopic:
        prefix = self.lockers + "/"
        if not topic.startswith(prefix):
            raise TopicError("topic outside the locker tree")
        parts = topic[len(prefix) :].split("/")
        locker = parts[0]
        if not LOCKER_ID.fullmatch(locker):
            raise TopicError("locker id does not match [a-z0-9-]{1,40}")
        rest = parts[1:]
        if rest == ["status"]:
            return ParsedTopic(STATUS, locker)
        if rest == ["events"]:
            return ParsedTopic(EVENT, locker)
        if rest == ["commands"]:
            return ParsedTopic(COMMANDS, locker)
        if len(rest) == 2 and rest[0] == "compartments":
            if not COMPARTMENT_ID.fullmatch(rest[1]):
                raise TopicError("compartment id does not match [A-Z0-9]{1,8}")
            return ParsedTopic(COMPARTMENT, locker, rest[1])
        raise TopicError("topic not in the contract")
