"""Malformed messages for fuzzing the portal's ingest.

Every garbage kind breaks the v1 contract in one stated way; `fuzz_messages` mixes the kinds
with random mutations of valid messages. Garbage is never retained, so the broker keeps none.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from devices.protocol import MAX_PAYLOAD_BYTES, Topics, encode, utc_timestamp


@dataclass(frozen=True)
class Garbage:
    """One malformed message: where it goes, its bytes, and which rule it breaks."""

    kind: str
    topic: str
    payload: bytes
    breaks: str

    def describe(self) -> dict:
        """A JSON-friendly summary for the command line."""
        return {"kind": self.kind, "topic": self.topic, "bytes": len(self.payload),
                "breaks": self.breaks}


# Valid messages to start from, with the fields whose absence or wrong type breaks them.

def _valid_event(kind: str = "pickup_code", **fields: object) -> dict:
    return {"id": str(uuid.uuid4()), "seq": 4242, "ts": utc_timestamp(), "type": kind,
            "comp": "A01", **fields}


def _valid_compartment() -> dict:
    return {"seq": 4242, "ts": utc_timestamp(), "door": "closed", "occupied": True,
            "temp_c": 4.5, "fault": None}


def _valid_status() -> dict:
    return {"online": True, "boot": uuid.uuid4().hex[:12], "fw": "1.4.2", "seq": 4242,
            "compartments": [{"id": "A01", "size": "M", "cold": False}]}


# field -> JSON type it must have ("str?" and "number?" may also be null)
STATUS_FIELDS = {"online": "bool", "boot": "str", "seq": "int", "compartments": "list"}
COMPARTMENT_FIELDS = {"seq": "int", "ts": "str", "door": "str", "occupied": "bool",
                      "temp_c": "number?", "fault": "str?"}
EVENT_FIELDS = {"id": "str", "seq": "int", "ts": "str", "type": "str"}
EVENT_EXTRA_FIELDS = {"deposit": {"order": "str"}, "pickup_code": {"code": "str"},
                      "collected": {"order": "str"}, "temp_alarm": {"temp_c": "number"},
                      "fault": {"detail": "str"}}

WRONG_VALUES = {
    "str": [42, True, None, ["A01"], {"value": "x"}],
    "str?": [42, True, ["x"], {"value": "x"}],
    "int": ["7", True, None, 7.5, [7]],
    "bool": ["true", 1, None, [True]],
    "number": ["4.5", True, None, [4.5]],
    "number?": ["4.5", True, [4.5], {"c": 4.5}],
    "list": ["A01,A02", 3, None, {"id": "A01"}],
}


def _samples(topics: Topics) -> list[tuple[str, dict, dict]]:
    """Valid (topic, payload, required field types) triples to mutate."""
    events = [
        (topics.events, _valid_event(kind, **_extra_values(kind)),
         {**EVENT_FIELDS, **EVENT_EXTRA_FIELDS.get(kind, {})})
        for kind in ("deposit", "pickup_code", "collected", "door_alarm", "temp_alarm", "fault")
    ]
    return [
        (topics.status, _valid_status(), STATUS_FIELDS),
        (topics.compartment("A01"), _valid_compartment(), COMPARTMENT_FIELDS),
        *events,
    ]


def _extra_values(kind: str) -> dict:
    values = {"order": "GB-2026-000123", "code": "12345678", "temp_c": 11.2,
              "detail": "lock motor stalled"}
    return {name: values[name] for name in EVENT_EXTRA_FIELDS.get(kind, {})}


# ------------------------------------------------------------------ named kinds

def _badjson(topics: Topics, rng: random.Random) -> Garbage:
    text = encode(_valid_event(code="12345678"))
    return Garbage("badjson", topics.events, text[: len(text) // 2],
                   "not JSON: the object is cut off")


def _not_utf8(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("not-utf8", topics.events, b'{"type": "pickup_code", "code": "\xff\xfe\xfd"}',
                   "payload is not UTF-8")


def _not_object(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("not-object", topics.events, b'["pickup_code", "A01", "12345678"]',
                   "payload is JSON but not an object")


def _empty(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("empty", topics.events, b"", "payload is empty")


def _oversize(topics: Topics, rng: random.Random) -> Garbage:
    payload = encode(_valid_event("fault", detail="x" * (MAX_PAYLOAD_BYTES + 1000)))
    return Garbage("oversize", topics.events, payload,
                   f"payload is {len(payload)} bytes, over {MAX_PAYLOAD_BYTES}")


def _nan(topics: Topics, rng: random.Random) -> Garbage:
    payload = encode({**_valid_compartment(), "temp_c": None}).replace(
        b'"temp_c":null', b'"temp_c":NaN')
    return Garbage("nan", topics.compartment("A01"), payload,
                   "NaN is not JSON (Python's json.loads accepts it unless told not to)")


def _deep_nesting(topics: Topics, rng: random.Random) -> Garbage:
    depth = 1900
    payload = b'{"id":' + b"[" * depth + b"]" * depth + b',"type":"fault"}'
    return Garbage("deep-nesting", topics.events, payload,
                   "id is a list nested 1900 deep (json.loads raises RecursionError)")


def _unknown_type(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("unknown-type", topics.events, encode(_valid_event("teleport")),
                   "event type 'teleport' is not in the contract")


def _wrong_types(topics: Topics, rng: random.Random) -> Garbage:
    payload = {"id": 42, "seq": "7", "ts": 1795000000, "type": "pickup_code", "comp": 1,
               "code": 12345678}
    return Garbage("wrong-types", topics.events, encode(payload),
                   "id, seq, ts, comp and code have the wrong JSON types")


def _bool_seq(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("bool-seq", topics.compartment("A01"),
                   encode({**_valid_compartment(), "seq": True}),
                   "seq is true, a bool (Python's isinstance(True, int) is True)")


def _missing_fields(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("missing-fields", topics.events, encode({"type": "deposit", "comp": "A01"}),
                   "event without id, seq, ts and order")


def _bad_values(topics: Topics, rng: random.Random) -> Garbage:
    payload = {**_valid_compartment(), "door": "ajar", "ts": "yesterday"}
    return Garbage("bad-values", topics.compartment("A01"), encode(payload),
                   "door 'ajar' is not open|closed and ts is not RFC 3339")


def _bad_timestamp(topics: Topics, rng: random.Random) -> Garbage:
    payload = _valid_event(code="12345678", ts="21/11/2026 08:30")
    return Garbage("bad-timestamp", topics.events, encode(payload), "ts is not RFC 3339 UTC")


def _bad_uuid(topics: Topics, rng: random.Random) -> Garbage:
    payload = _valid_event(code="12345678", id="event-12")
    return Garbage("bad-uuid", topics.events, encode(payload), "event id is not a UUID")


def _unknown_locker(topics: Topics, rng: random.Random) -> Garbage:
    ghost = Topics(topics.root, f"ghost-{rng.getrandbits(32):08x}")
    return Garbage("unknown-locker", ghost.events, encode(_valid_event(code="12345678")),
                   f"well-formed event from a locker nobody registered ({ghost.locker_id})")


def _bad_locker_id(topics: Topics, rng: random.Random) -> Garbage:
    bad = Topics(topics.root, "Locker_A")
    return Garbage("bad-locker-id", bad.events, encode(_valid_event(code="12345678")),
                   "locker id 'Locker_A' does not match [a-z0-9-]{1,40}")


def _bad_comp_id(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("bad-comp-id", topics.compartment("a-01"), encode(_valid_compartment()),
                   "compartment id 'a-01' does not match [A-Z0-9]{1,8}")


def _unknown_topic(topics: Topics, rng: random.Random) -> Garbage:
    return Garbage("unknown-topic", f"{topics.base}/telemetry",
                   encode({"seq": 4242, "ts": utc_timestamp(), "volts": 12.1}),
                   "topic .../telemetry is not in the contract")


def _bad_status(topics: Topics, rng: random.Random) -> Garbage:
    payload = {"online": "yes", "boot": 42, "fw": 1.4, "seq": 1,
               "compartments": [{"id": "a01", "size": "XL", "cold": "no"}]}
    return Garbage("bad-status", topics.status, encode(payload),
                   "online, boot, fw have wrong types; the compartment entry is invalid")


GARBAGE_KINDS: dict[str, Callable[[Topics, random.Random], Garbage]] = {
    "badjson": _badjson,
    "not-utf8": _not_utf8,
    "not-object": _not_object,
    "empty": _empty,
    "oversize": _oversize,
    "nan": _nan,
    "deep-nesting": _deep_nesting,
    "unknown-type": _unknown_type,
    "wrong-types": _wrong_types,
    "bool-seq": _bool_seq,
    "missing-fields": _missing_fields,
    "bad-values": _bad_values,
    "bad-timestamp": _bad_timestamp,
    "bad-uuid": _bad_uuid,
    "unknown-locker": _unknown_locker,
    "bad-locker-id": _bad_locker_id,
    "bad-comp-id": _bad_comp_id,
    "unknown-topic": _unknown_topic,
    "bad-status": _bad_status,
}


def make_garbage(kind: str, topics: Topics, rng: random.Random | None = None) -> Garbage:
    """Build one malformed message of a named kind for a locker's topics."""
    try:
        maker = GARBAGE_KINDS[kind]
    except KeyError:
        known = ", ".join(GARBAGE_KINDS)
        raise ValueError(f"unknown garbage kind {kind!r}; known kinds: {known}") from None
    return maker(topics, rng or random.Random())


# ------------------------------------------------------------- random mutations

def _drop_field(topics: Topics, rng: random.Random) -> Garbage:
    topic, payload, fields = rng.choice(_samples(topics))
    name = rng.choice(sorted(name for name, kind in fields.items() if not kind.endswith("?")))
    del payload[name]
    return Garbage("drop-field", topic, encode(payload), f"required field {name!r} is missing")


def _swap_type(topics: Topics, rng: random.Random) -> Garbage:
    topic, payload, fields = rng.choice(_samples(topics))
    name = rng.choice(sorted(fields))
    payload = copy.deepcopy(payload)
    payload[name] = rng.choice(WRONG_VALUES[fields[name]])
    return Garbage("swap-type", topic, encode(payload),
                   f"field {name!r} is {json.dumps(payload[name])}, not a {fields[name]}")


def _truncate(topics: Topics, rng: random.Random) -> Garbage:
    topic, payload, _ = rng.choice(_samples(topics))
    data = encode(payload)
    return Garbage("truncate", topic, data[: rng.randrange(1, len(data))],
                   "not JSON: valid message cut short")


def _random_bytes(topics: Topics, rng: random.Random) -> Garbage:
    topic, _, _ = rng.choice(_samples(topics))
    return Garbage("random-bytes", topic, b"\x00" + rng.randbytes(rng.randrange(1, 300)),
                   "random bytes")


def _random_event_type(topics: Topics, rng: random.Random) -> Garbage:
    kind = rng.choice(["open", "deny", "Deposit", "", "pickup-code", "collect", "alarm"])
    return Garbage("random-type", topics.events, encode(_valid_event(kind)),
                   f"event type {kind!r} is not in the contract")


MUTATIONS = [_drop_field, _swap_type, _truncate, _random_bytes, _random_event_type]


def fuzz_messages(topics: Topics, count: int, rng: random.Random) -> Iterator[Garbage]:
    """Yield `count` varied malformed messages: named kinds and random mutations."""
    makers = [*GARBAGE_KINDS.values(), *MUTATIONS]
    for _ in range(count):
        yield rng.choice(makers)(topics, rng)
