"""Payload schemas of the locker protocol v1: bytes in, typed messages out, or `Malformed`.

Every rule of contracts/locker-mqtt-v1.md that a single message can break is checked here:
size (4 KiB), UTF-8, a JSON object (no NaN, no runaway nesting), the fields of each message
with their JSON types (a bool is not an integer), ids, RFC 3339 UTC times and the event types.
Unknown extra fields are allowed: the contract lets implementations add optional ones.
"""

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.iot.topics import COMPARTMENT, COMPARTMENT_ID, EVENT, STATUS

MAX_PAYLOAD_BYTES = 4096
MAX_SEQ = 2**63 - 1
EVENT_TYPES = ("deposit", "pickup_code", "collected", "door_alarm", "temp_alarm", "fault")
DOOR_STATES = ("open", "closed")
SIZES = ("S", "M", "L")
MAX_TEXT = 200  # fault texts and details are stored cut to this length
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]00:00)")
CODE = re.compile(r"[0-9]{1,16}")


class Malformed(ValueError):
    """A message that does not match the contract; `reason` is a short counter key."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class CompartmentInfo:
    id: str
    size: str
    cold: bool


@dataclass(frozen=True, slots=True)
class Status:
    online: bool
    boot: str | None = None
    fw: str | None = None
    seq: int | None = None
    compartments: tuple[CompartmentInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class CompartmentState:
    comp: str
    seq: int
    ts: datetime
    door: str
    occupied: bool
    temp_c: float | None
    fault: str | None


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    seq: int
    ts: datetime
    type: str
    comp: str
    order: str | None = None
    code: str | None = None
    temp_c: float | None = None
    detail: str | None = None


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


_JSON = json.JSONDecoder(parse_constant=_no_constants)  # json.loads would build one per message


def decode(raw: bytes | None) -> dict:
    """The payload as a JSON object, or Malformed."""
    raw = raw or b""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise Malformed("oversize", f"{len(raw)} bytes")
    if not raw:
        raise Malformed("empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("not-utf8") from None
    try:
        data = _JSON.decode(text)
    except RecursionError:
        raise Malformed("bad-json", "nested too deeply") from None
    except ValueError as error:
        raise Malformed("bad-json", str(error)[:80]) from None
    if not isinstance(data, dict):
        raise Malformed("not-object", type(data).__name__)
    return data


# ------------------------------------------------------------------ field readers


def _field(data: dict, name: str):
    if name not in data:
        raise Malformed("missing-field", name)
    return data[name]


def _int(data: dict, name: str) -> int:
    value = _field(data, name)
    if type(value) is not int:
        raise Malformed("wrong-type", f"{name} must be an integer")
    if not 0 <= value <= MAX_SEQ:
        raise Malformed("bad-value", f"{name} out of range")
    return value


def _bool(data: dict, name: str) -> bool:
    value = _field(data, name)
    if type(value) is not bool:
        raise Malformed("wrong-type", f"{name} must be true or false")
    return value


def _str(data: dict, name: str, max_length: int = 64, nullable: bool = False) -> str | None:
    value = _field(data, name)
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise Malformed("wrong-type", f"{name} must be a string")
    if not value.strip() or len(value) > max_length:
        raise Malformed("bad-value", f"{name} is empty or longer than {max_length}")
    return value


def _number(data: dict, name: str, nullable: bool = False) -> float | None:
    value = _field(data, name)
    if value is None and nullable:
        return None
    if type(value) not in (int, float):
        raise Malformed("wrong-type", f"{name} must be a number")
    if not math.isfinite(value) or abs(value) > 1000:
        raise Malformed("bad-value", f"{name} is not a plausible temperature")
    return float(value)


def _time(data: dict, name: str = "ts") -> datetime:
    value = _field(data, name)
    if not isinstance(value, str):
        raise Malformed("wrong-type", f"{name} must be a string")
    if not UTC_TIME.fullmatch(value):
        raise Malformed("bad-value", f"{name} is not an RFC 3339 UTC time")
    try:
        moment = datetime.fromisoformat(value)  # (takes the "Z" since Python 3.11)
    except ValueError:
        raise Malformed("bad-value", f"{name} is not a real time") from None
    return moment.astimezone(UTC)


def _comp(data: dict, name: str = "comp") -> str:
    value = _field(data, name)
    if not isinstance(value, str):
        raise Malformed("wrong-type", f"{name} must be a string")
    if not COMPARTMENT_ID.fullmatch(value):
        raise Malformed("bad-value", f"{name} does not match [A-Z0-9]{{1,8}}")
    return value


def _uuid(data: dict, name: str = "id") -> str:
    value = _field(data, name)
    if not isinstance(value, str):
        raise Malformed("wrong-type", f"{name} must be a string")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise Malformed("bad-value", f"{name} is not a UUID") from None
    if str(parsed) != value.lower():
        raise Malformed("bad-value", f"{name} is not a UUID in its usual form")
    return str(parsed)


def _one_of(data: dict, name: str, allowed: tuple) -> str:
    value = _field(data, name)
    if not isinstance(value, str):
        raise Malformed("wrong-type", f"{name} must be a string")
    if value not in allowed:
        raise Malformed("bad-value", f"{name} must be one of {'|'.join(allowed)}")
    return value


# ------------------------------------------------------------------ messages


def parse_status(data: dict) -> Status:
    """`{"online": true, "boot", "fw", "seq", "compartments"}` or an offline status / will."""
    if not _bool(data, "online"):
        boot = _str(data, "boot") if "boot" in data else None
        seq = _int(data, "seq") if "seq" in data else None
        return Status(online=False, boot=boot, seq=seq)
    entries = _field(data, "compartments")
    if not isinstance(entries, list):
        raise Malformed("wrong-type", "compartments must be a list")
    if not 1 <= len(entries) <= 260:
        raise Malformed("bad-value", "a locker lists 1 to 260 compartments")
    compartments = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise Malformed("wrong-type", "a compartment entry must be an object")
        compartments.append(
            CompartmentInfo(_comp(entry, "id"), _one_of(entry, "size", SIZES), _bool(entry, "cold"))
        )
    if len({c.id for c in compartments}) != len(compartments):
        raise Malformed("bad-value", "a compartment is listed twice")
    return Status(
        online=True,
        boot=_str(data, "boot"),
        fw=_str(data, "fw", max_length=40),
        seq=_int(data, "seq"),
        compartments=tuple(compartments),
    )


def parse_compartment(data: dict, comp: str) -> CompartmentState:
    """`{"seq", "ts", "door", "occupied", "temp_c", "fault"}` of compartment `comp`."""
    fault = _field(data, "fault")
    if fault is not None and not isinstance(fault, str):
        raise Malformed("wrong-type", "fault must be null or a string")
    return CompartmentState(
        comp=comp,
        seq=_int(data, "seq"),
        ts=_time(data),
        door=_one_of(data, "door", DOOR_STATES),
        occupied=_bool(data, "occupied"),
        temp_c=_number(data, "temp_c", nullable=True),
        fault=(fault.strip()[:MAX_TEXT] or None) if fault is not None else None,
    )


def parse_event(data: dict) -> Event:
    """`{"id", "seq", "ts", "type", "comp", ...}` with the fields its type needs."""
    kind = _field(data, "type")
    if not isinstance(kind, str):
        raise Malformed("wrong-type", "type must be a string")
    if kind not in EVENT_TYPES:
        raise Malformed("unknown-type", kind[:40])
    fields = {
        "id": _uuid(data),
        "seq": _int(data, "seq"),
        "ts": _time(data),
        "type": kind,
        "comp": _comp(data),
    }
    if kind in ("deposit", "collected"):
        fields["order"] = _str(data, "order").strip()
    elif kind == "pickup_code":
        code = _field(data, "code")
        if not isinstance(code, str):
            raise Malformed("wrong-type", "code must be a string")
        if not CODE.fullmatch(code):
            raise Malformed("bad-value", "code must be digits")
        fields["code"] = code
    elif kind == "temp_alarm":
        fields["temp_c"] = _number(data, "temp_c")
    elif kind == "fault":
        detail = _field(data, "detail")
        if not isinstance(detail, str):
            raise Malformed("wrong-type", "detail must be a string")
        fields["detail"] = detail.strip()[:MAX_TEXT]
    return Event(**fields)


def parse(kind: str, raw: bytes, comp: str | None = None) -> Status | CompartmentState | Event:
    """A device message of a topic kind, or Malformed."""
    data = decode(raw)
    if kind == STATUS:
        return parse_status(data)
    if kind == COMPARTMENT:
        return parse_compartment(data, comp)
    if kind == EVENT:
        return parse_event(data)
    raise Malformed("bad-topic", kind)


def command(
    kind: str,
    *,
    comp: str | None = None,
    order: str | None = None,
    in_reply_to: str | None = None,
    reason: str | None = None,
    command_id: str | None = None,
    ts: datetime | None = None,
) -> dict:
    """A portal → locker command (`open` or `deny`) as the contract writes it."""
    if kind not in ("open", "deny"):
        raise ValueError(kind)
    payload = {
        "id": command_id or str(uuid.uuid4()),
        "ts": (ts or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "type": kind,
    }
    for name, value in (("comp", comp), ("order", order), ("in_reply_to", in_reply_to), ("reason", reason)):
        if value is not None:
            payload[name] = value
    return payload


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
