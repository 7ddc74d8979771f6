"""The locker simulator against a real MQTT broker, checked by a plain paho subscriber.

The broker is Mosquitto at 127.0.0.1:1883 unless LINLI_TEST_MQTT_URL says otherwise. Without
it these tests skip, except with CI=true, where they fail. Each test has its own topic root.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from devices.fleet import Activity, LockerFleet
from devices.garbage import GARBAGE_KINDS, fuzz_messages, make_garbage
from devices.locker import (
    BrokerConfig,
    LockerError,
    SimulatedLocker,
    default_layout,
    parse_broker_url,
    parse_layout,
)
from devices.locker_sim import broker_for, build_parser, load_password_file
from devices.protocol import Topics

REPO = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("LINLI_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
LAYOUT = "A01:S,A02:M,C01:L:cold"


# ------------------------------------------------- the contract, read independently

LOCKER_ID = re.compile(r"[a-z0-9-]{1,40}")
COMP_ID = re.compile(r"[A-Z0-9]{1,8}")
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
EVENT_FIELDS = {"deposit": {"order": str}, "pickup_code": {"code": str},
                "collected": {"order": str}, "door_alarm": {}, "temp_alarm": {"temp_c": float},
                "fault": {"detail": str}}


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_uuid(value: object) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (AttributeError, TypeError, ValueError):
        return False


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def contract_violation(topic: str, payload: bytes, root: str, known: set[str]) -> str | None:
    """Why a device message breaks locker-mqtt-v1, or None if it follows it."""
    prefix = f"{root}/v1/lockers/"
    if not topic.startswith(prefix):
        return "topic outside the locker tree"
    locker, _, rest = topic[len(prefix):].partition("/")
    if not LOCKER_ID.fullmatch(locker):
        return "bad locker id"
    if locker not in known:
        return "unknown locker"
    if len(payload) > 4096:
        return "oversize"
    try:
        data = json.loads(payload.decode("utf-8"), parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return f"not JSON: {type(error).__name__}"
    if not isinstance(data, dict):
        return "not an object"
    if rest == "status":
        return status_violation(data)
    if rest == "events":
        return event_violation(data)
    section, _, comp = rest.partition("/")
    if section == "compartments" and "/" not in comp:
        return compartment_violation(comp, data)
    return "unknown topic"


def status_violation(data: dict) -> str | None:
    if data.get("online") is False:
        return None
    if data.get("online") is not True:
        return "online is not a bool"
    if not (isinstance(data.get("boot"), str) and data["boot"] and isinstance(data.get("fw"), str)
            and is_int(data.get("seq")) and isinstance(data.get("compartments"), list)):
        return "status fields missing or mistyped"
    for entry in data["compartments"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str)
                and COMP_ID.fullmatch(entry["id"]) and entry.get("size") in ("S", "M", "L")
                and isinstance(entry.get("cold"), bool)):
            return f"bad compartment entry {entry!r}"
    return None


def compartment_violation(comp: str, data: dict) -> str | None:
    if not COMP_ID.fullmatch(comp):
        return "bad compartment id"
    if not (is_int(data.get("seq")) and isinstance(data.get("ts"), str)
            and UTC_TIME.fullmatch(data["ts"]) and data.get("door") in ("open", "closed")
            and isinstance(data.get("occupied"), bool)):
        return "compartment fields missing or mistyped"
    if "temp_c" not in data or not (data["temp_c"] is None or is_number(data["temp_c"])):
        return "temp_c missing or mistyped"
    if "fault" not in data or not (data["fault"] is None or isinstance(data["fault"], str)):
        return "fault missing or mistyped"
    return None


def event_violation(data: dict) -> str | None:
    if not (is_uuid(data.get("id")) and is_int(data.get("seq"))
            and isinstance(data.get("ts"), str) and UTC_TIME.fullmatch(data["ts"])):
        return "event id, seq or ts missing or mistyped"
    if not isinstance(data.get("type"), str) or data["type"] not in EVENT_FIELDS:
        return "unknown event type"
    if not (isinstance(data.get("comp"), str) and COMP_ID.fullmatch(data["comp"])):
        return "bad comp"
    for name, kind in EVENT_FIELDS[data["type"]].items():
        value = data.get(name)
        if not (is_number(value) if kind is float else isinstance(value, str) and value):
            return f"{name} missing or mistyped"
    return None


# ------------------------------------------------------------------ broker helpers

@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool

    @property
    def json(self) -> dict:
        return json.loads(self.payload)


class Sniffer:
    """A plain paho client that records what the broker delivers and can publish."""

    def __init__(self, broker: BrokerConfig, topic_filter: str | None = None) -> None:
        self.messages: list[Message] = []
        self.on_message: Callable[[Message], None] | None = None
        self._changed = threading.Condition()
        self._acked: set[int] = set()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"sniffer-{uuid.uuid4().hex[:8]}")
        self.client.on_message = self._record
        self.client.on_subscribe = self._acknowledge
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        if topic_filter:
            self.subscribe(topic_filter)

    def subscribe(self, topic_filter: str) -> None:
        _, mid = self.client.subscribe(topic_filter, qos=1)
        with self._changed:
            assert self._changed.wait_for(lambda: mid in self._acked, 5)

    def publish(self, topic: str, payload: object, retain: bool = False) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(topic, data, qos=1, retain=retain).wait_for_publish(5)

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 30.0) -> Message:
        with self._changed:
            self._changed.wait_for(lambda: any(map(predicate, self.messages)), timeout)
            found = [message for message in self.messages if predicate(message)]
        assert found, f"no matching message; got {[m.topic for m in self.messages]}"
        return found[0]

    def wait_quiet(self, quiet: float = 0.3) -> list[Message]:
        count = -1
        while count != len(self.messages):
            count = len(self.messages)
            time.sleep(quiet)
        return list(self.messages)

    def on(self, topic: str) -> list[dict]:
        return [message.json for message in self.messages if message.topic == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _record(self, client, userdata, raw: mqtt.MQTTMessage) -> None:
        message = Message(raw.topic, raw.payload, bool(raw.retain))
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()
        if self.on_message:
            self.on_message(message)

    def _acknowledge(self, client, userdata, mid, reason_codes, properties) -> None:
        with self._changed:
            self._acked.add(mid)
            self._changed.notify_all()


class FakePortal:
    """Answers pickup_code events the way the portal would: open for known codes, else deny."""

    def __init__(self, broker: BrokerConfig, root: str, codes: dict[str, tuple[str, str]]):
        self.codes = codes
        self.replies: list[dict] = []
        self.sniffer = Sniffer(broker)
        self.sniffer.on_message = self._answer
        self.sniffer.subscribe(f"{root}/v1/lockers/+/events")

    def _answer(self, message: Message) -> None:
        event = message.json
        if event.get("type") != "pickup_code":
            return
        reply = {"id": str(uuid.uuid4()), "ts": "2026-11-21T08:30:00Z",
                 "in_reply_to": event["id"]}
        if event["code"] in self.codes:
            comp, order = self.codes[event["code"]]
            reply.update(type="open", comp=comp, order=order)
        else:
            reply.update(type="deny", reason="invalid")
        self.replies.append(reply)
        commands = message.topic.rsplit("/", 1)[0] + "/commands"
        self.sniffer.client.publish(commands, json.dumps(reply), qos=1)


@pytest.fixture(scope="session")
def broker() -> BrokerConfig:
    config = parse_broker_url(BROKER_URL)
    try:
        socket.create_connection((config.host, config.port), timeout=2).close()
    except OSError as error:
        reason = f"no MQTT broker at {BROKER_URL}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return config


@pytest.fixture
def root(broker: BrokerConfig):
    """A topic root of this test's own; its retained messages are cleared afterwards."""
    topic_root = f"linlitest-{uuid.uuid4().hex[:12]}"
    yield topic_root
    cleaner = Sniffer(broker, f"{topic_root}/#")
    for message in cleaner.wait_quiet(0.2):
        if message.retain:
            cleaner.publish(message.topic, b"", retain=True)
    cleaner.close()


@pytest.fixture
def sniff(broker: BrokerConfig):
    """Start a Sniffer on a topic filter; all are closed after the test."""
    sniffers: list[Sniffer] = []

    def start(topic_filter: str) -> Sniffer:
        sniffers.append(Sniffer(broker, topic_filter))
        return sniffers[-1]

    yield start
    for sniffer in sniffers:
        sniffer.close()


@pytest.fixture
def make_locker(broker: BrokerConfig, root: str):
    """Build and power up SimulatedLockers under this test's root, with their announcement
    (status and retained compartment states) acknowledged by the broker; silence them afterwards."""
    lockers: list[SimulatedLocker] = []

    def build(locker_id: str = "lk-1", layout: str | None = LAYOUT, **options) -> SimulatedLocker:
        options = {"heartbeat_s": 60.0, "collect_delay_s": 0.1, **options}
        compartments = parse_layout(layout) if layout else None
        locker = SimulatedLocker(locker_id, compartments, broker=broker, topic_root=root,
                                 **options)
        lockers.append(locker)
        locker.start(timeout=30)
        assert locker.flush(timeout=10), f"the broker did not acknowledge {locker_id}'s announcement"
        return locker

    yield build
    for locker in lockers:
        locker.go_silent(timeout=1)


@pytest.fixture
def portal(broker: BrokerConfig, root: str):
    """A FakePortal under this test's root; give it codes with portal.codes[...] = (comp, order)."""
    fake = FakePortal(broker, root, {})
    yield fake
    fake.sniffer.close()


def run_cli(*args: str, timeout: float = 60) -> tuple[int, list[dict]]:
    """Run the simulator's command line; return its exit status and the JSON lines printed."""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "devices.locker_sim", *args],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True, text=True, timeout=timeout,
    )
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line]


def cli_broker_args(root: str) -> list[str]:
    return ["--url", BROKER_URL, "--topic-root", root, "--timeout", "5"]


def violations(messages: list[Message], root: str, known: set[str]) -> list[tuple[str, str]]:
    return [(message.topic, reason) for message in messages
            if (reason := contract_violation(message.topic, message.payload, root, known))]


# ------------------------------------------------------------------ status

@pytest.mark.mqtt
def test_status_is_retained_on_connect_with_boot_seq_and_compartments(make_locker, sniff, root):
    locker = make_locker()

    retained = sniff(locker.topics.status).wait_for(lambda message: message.retain)

    assert retained.json == {
        "online": True, "boot": locker.boot, "fw": "1.4.2", "seq": 1,
        "compartments": [{"id": "A01", "size": "S", "cold": False},
                         {"id": "A02", "size": "M", "cold": False},
                         {"id": "C01", "size": "L", "cold": True}],
    }
    assert re.fullmatch(r"[0-9a-f]{12}", locker.boot)


@pytest.mark.mqtt
def test_heartbeats_repeat_the_status_with_growing_seq(make_locker, sniff, root):
    watcher = sniff(f"{root}/v1/lockers/lk-1/#")
    locker = make_locker(heartbeat_s=0.1)

    watcher.wait_for(lambda _: len(watcher.on(locker.topics.status)) >= 4)

    statuses = watcher.on(locker.topics.status)
    assert [status["seq"] for status in statuses] == sorted({s["seq"] for s in statuses})
    assert {status["boot"] for status in statuses} == {locker.boot}
    assert all(status["online"] is True for status in statuses)
    cold_readings = [state["temp_c"] for state in watcher.on(locker.topics.compartment("C01"))]
    assert cold_readings and all(3.0 <= reading <= 6.0 for reading in cold_readings)


# ------------------------------------------------------------------ compartments

@pytest.mark.mqtt
def test_compartment_states_are_retained_with_sensor_readings(make_locker, sniff, root):
    make_locker()

    watcher = sniff(f"{root}/v1/lockers/lk-1/compartments/+")
    retained = {message.topic.rsplit("/", 1)[1]: message.json
                for message in watcher.wait_quiet(0.3) if message.retain}

    assert set(retained) == {"A01", "A02", "C01"}
    assert retained["A01"]["temp_c"] is None
    assert 3.0 <= retained["C01"]["temp_c"] <= 6.0
    for state in retained.values():
        assert state["door"] == "closed" and state["occupied"] is False
        assert state["fault"] is None
        assert UTC_TIME.fullmatch(state["ts"])
    assert not violations(watcher.messages, root, {"lk-1"})


# ------------------------------------------------------------------ events

@pytest.mark.mqtt
def test_every_event_type_follows_the_contract_and_seq_grows(make_locker, sniff, root):
    watcher = sniff(f"{root}/v1/lockers/lk-1/#")
    locker = make_locker()

    locker.deposit("A01", "GB-2026-0001")
    locker.enter_code("12345678")
    locker.collect("A01")
    locker.door_alarm("A02")
    locker.temp_alarm("C01", 11.2)
    locker.report_fault("A02", "lock motor stalled")
    watcher.wait_for(lambda message: b'"fault"' in message.payload
                     and message.topic == locker.topics.events)

    events = {event["type"]: event for event in watcher.on(locker.topics.events)}
    assert events["deposit"]["order"] == "GB-2026-0001"
    assert events["pickup_code"]["code"] == "12345678"
    assert events["collected"]["order"] == "GB-2026-0001"
    assert events["door_alarm"]["comp"] == "A02"
    assert events["temp_alarm"] | {"id": 0, "seq": 0, "ts": 0} == {
        "id": 0, "seq": 0, "ts": 0, "type": "temp_alarm", "comp": "C01", "temp_c": 11.2}
    assert events["fault"]["detail"] == "lock motor stalled"
    assert all(uuid.UUID(event["id"]).version == 4 for event in events.values())
    assert not violations(watcher.messages, root, {"lk-1"})
    seqs = [message.json["seq"] for message in watcher.messages]
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.mqtt
def test_events_are_not_retained(make_locker, sniff):
    locker = make_locker()
    locker.door_alarm("A01")
    locker.flush()

    assert sniff(locker.topics.events).wait_quiet(0.3) == []


# ------------------------------------------------------------------ commands

@pytest.mark.mqtt
def test_open_command_opens_the_door_then_the_parcel_is_collected(make_locker, sniff, root):
    watcher = sniff(f"{root}/v1/lockers/lk-1/#")
    locker = make_locker()
    locker.deposit("A02", "GB-7")
    remote_open = {"id": str(uuid.uuid4()), "ts": "2026-11-21T08:30:00Z", "type": "open",
                   "comp": "A02", "order": "GB-7"}

    watcher.publish(locker.topics.commands, remote_open)
    collected = watcher.wait_for(lambda message: b'"collected"' in message.payload).json

    states = [state for state in watcher.on(locker.topics.compartment("A02"))
              if state["seq"] > locker.sent_events[0]["seq"]]
    assert [(s["door"], s["occupied"]) for s in states] == [("open", True), ("closed", False)]
    assert collected["order"] == "GB-7" and collected["comp"] == "A02"
    assert collected["seq"] > states[-1]["seq"]
    assert locker.commands == [remote_open]


@pytest.mark.mqtt
def test_replies_are_recorded_by_event_id_and_a_redelivery_is_ignored(make_locker, sniff):
    locker = make_locker()
    sender = sniff(locker.topics.commands)
    event = locker.enter_code("00000000")
    deny = {"id": str(uuid.uuid4()), "ts": "2026-11-21T08:30:00Z", "type": "deny",
            "in_reply_to": event["id"], "reason": "locked_out"}

    marker = {**deny, "id": str(uuid.uuid4()), "in_reply_to": "marker"}

    for command in (deny, deny, marker):
        sender.publish(locker.topics.commands, command)

    assert locker.wait_for_reply("marker", timeout=30) == marker
    assert locker.wait_for_reply(event["id"], timeout=0) == deny
    assert locker.replies == {event["id"]: [deny], "marker": [marker]}
    assert all(comp.door == "closed" for comp in locker.compartments.values())


@pytest.mark.mqtt
def test_malformed_commands_are_ignored_and_the_locker_keeps_listening(make_locker, sniff):
    locker = make_locker()
    sender = sniff(locker.topics.commands)
    deny = {"id": str(uuid.uuid4()), "type": "deny", "in_reply_to": "after-garbage"}

    for garbage in (b"{not json", b"[]", b'{"type": "explode"}', b'{"type": "open", "comp": []}'):
        sender.publish(locker.topics.commands, garbage)
    sender.publish(locker.topics.commands, deny)

    assert locker.wait_for_reply("after-garbage", timeout=30) == deny
    assert locker.commands[-1] == deny


# ------------------------------------------------------------------ going offline

@pytest.mark.mqtt
def test_losing_power_makes_the_broker_publish_the_retained_will(make_locker, sniff):
    locker = make_locker()
    live = sniff(locker.topics.status)

    locker.drop_connection()

    live.wait_for(lambda message: message.json == {"online": False})
    retained = sniff(locker.topics.status).wait_for(lambda message: message.retain)
    assert retained.payload == b'{"online":false}'


@pytest.mark.mqtt
def test_clean_shutdown_publishes_offline_status_itself(make_locker, sniff):
    locker = make_locker()
    seq_before = locker.seq

    locker.stop()

    retained = sniff(locker.topics.status).wait_for(lambda message: message.retain).json
    assert retained == {"online": False, "boot": locker.boot, "seq": seq_before + 1}


@pytest.mark.mqtt
def test_a_restart_is_a_new_boot_with_seq_from_1(make_locker, sniff):
    locker = make_locker()
    first_boot = locker.boot
    locker.stop()

    locker.start(timeout=30)

    status = sniff(locker.topics.status).wait_for(lambda message: message.retain).json
    assert status["boot"] == locker.boot != first_boot
    assert status["seq"] == 1 and status["online"] is True


@pytest.mark.mqtt
def test_going_silent_leaves_the_status_online_and_fires_no_will(make_locker, sniff):
    locker = make_locker()

    locker.go_silent()
    time.sleep(0.3)

    retained = sniff(locker.topics.status).wait_for(lambda message: message.retain).json
    assert retained["online"] is True and retained["boot"] == locker.boot


@pytest.mark.mqtt
def test_power_up_restores_retained_state_with_a_new_boot(make_locker, sniff):
    first = make_locker()
    first.deposit("A01", "GB-9")
    first.go_silent()

    second = make_locker(layout=None)

    assert second.boot != first.boot
    assert [comp.layout_entry() for comp in second.compartments.values()] == [
        comp.layout_entry() for comp in first.compartments.values()]
    assert second.compartments["A01"].occupied is True
    status = sniff(second.topics.status).wait_for(lambda message: message.retain).json
    assert status["seq"] == 1 and status["online"] is True
    with pytest.raises(LockerError):
        second.collect("A01")  # the order reference is not on the wire, so it is forgotten
    assert second.collect("A01", "GB-9")["order"] == "GB-9"


@pytest.mark.mqtt
def test_after_losing_power_state_is_restored_but_the_layout_must_be_given(make_locker, sniff):
    first = make_locker()
    first.deposit("A01", "GB-9")
    live = sniff(first.topics.status)
    first.drop_connection()  # the will replaces the retained status, layout and all
    live.wait_for(lambda message: message.json == {"online": False})

    restored = make_locker(layout=None)

    assert list(restored.compartments) == [f"A0{n}" for n in range(1, 9)]  # the default
    assert restored.compartments["A01"].occupied is True


@pytest.mark.mqtt
def test_fresh_power_up_starts_empty(make_locker):
    make_locker().deposit("A01", "GB-9")

    assert make_locker(restore=False).compartments["A01"].occupied is False


# ------------------------------------------------------------------ garbage

@pytest.mark.parametrize("kind", GARBAGE_KINDS)
def test_each_garbage_kind_breaks_the_contract(kind):
    garbage = make_garbage(kind, Topics("linli", "lk-1"), random.Random(7))

    assert contract_violation(garbage.topic, garbage.payload, "linli", {"lk-1"}), garbage


def test_fuzzed_messages_all_break_the_contract():
    messages = list(fuzz_messages(Topics("linli", "lk-1"), 500, random.Random(11)))

    assert [m for m in messages
            if not contract_violation(m.topic, m.payload, "linli", {"lk-1"})] == []
    assert len({message.kind for message in messages}) > len(GARBAGE_KINDS)


@pytest.mark.mqtt
def test_garbage_and_fuzz_commands_reach_the_broker_unretained(sniff, root):
    watcher = sniff(f"{root}/v1/lockers/#")

    status, output = run_cli("garbage", "--locker", "lk-1", "--kind", "all",
                             *cli_broker_args(root))
    status_fuzz, fuzz_output = run_cli("fuzz", "--locker", "lk-1", "--count", "25",
                                       "--seed", "3", *cli_broker_args(root))

    assert (status, status_fuzz) == (0, 0)
    expected = len(GARBAGE_KINDS) + 25
    assert len(output[0]["sent"]) + len(fuzz_output[0]["sent"]) == expected
    watcher.wait_for(lambda _: len(watcher.messages) >= expected)
    assert len(violations(watcher.messages, root, {"lk-1"})) == expected
    assert not [m for m in sniff(f"{root}/#").wait_quiet(0.3) if m.retain]


# ------------------------------------------------------------------ command line

@pytest.mark.mqtt
def test_cli_code_prints_the_open_reply_and_the_parcel_is_collected(make_locker, portal, root):
    depositor = make_locker(layout=None)
    depositor.deposit("A03", "GB-42")
    depositor.go_silent()
    portal.codes["12345678"] = ("A03", "GB-42")

    status, [result] = run_cli("code", "--locker", "lk-1", "--code", "12345678",
                               "--collect-delay", "0.1", *cli_broker_args(root))

    assert status == 0 and result["ok"] is True
    assert result["reply"] == portal.replies[0]
    assert result["reply"]["in_reply_to"] == result["event"]["id"]
    assert result["collected"]["order"] == "GB-42" and result["collected"]["comp"] == "A03"


@pytest.mark.mqtt
def test_cli_code_prints_a_deny_and_exits_1(portal, root):
    status, [result] = run_cli("code", "--locker", "lk-1", "--code", "99999999",
                               *cli_broker_args(root))

    assert status == 1 and result["ok"] is False
    assert result["reply"] | {"id": None} == {"id": None, "ts": "2026-11-21T08:30:00Z",
                                              "type": "deny", "reason": "invalid",
                                              "in_reply_to": result["event"]["id"]}


@pytest.mark.mqtt
def test_cli_code_without_a_portal_times_out_with_exit_3(root):
    status, [result] = run_cli("code", "--locker", "lk-1", "--code", "12345678",
                               "--url", BROKER_URL, "--topic-root", root, "--timeout", "0.5")

    assert status == 3 and result["reply"] is None and "no reply" in result["error"]


@pytest.mark.mqtt
def test_cli_offline_fires_the_will_and_silent_does_not(sniff, root):
    status_topic = Topics(root, "lk-1").status
    live = sniff(status_topic)

    assert run_cli("offline", "--locker", "lk-1", *cli_broker_args(root))[0] == 0
    live.wait_for(lambda message: message.json == {"online": False})
    assert sniff(status_topic).wait_for(lambda m: m.retain).json == {"online": False}

    assert run_cli("offline", "--silent", "--locker", "lk-1", *cli_broker_args(root))[0] == 0
    time.sleep(0.3)  # a will, if the broker sent one, would have arrived by now
    assert live.messages[-1].json["online"] is True
    assert sniff(status_topic).wait_for(lambda m: m.retain).json["online"] is True


@pytest.mark.mqtt
def test_cli_one_shots_report_refusals_and_a_missing_broker(root):
    args = cli_broker_args(root)

    status, [result] = run_cli("collect", "--locker", "lk-1", "--comp", "A01", *args)
    assert status == 1 and "empty" in result["error"]
    status, [result] = run_cli("door", "--locker", "lk-1", "--comp", "Z99", "open", *args)
    assert status == 1 and "no compartment" in result["error"]
    status, [result] = run_cli("door", "--locker", "lk-1", "--comp", "A01", "open",
                               "--url", "mqtt://127.0.0.1:1", "--timeout", "1")
    assert status == 4 and result["ok"] is False


@pytest.mark.mqtt
def test_cli_run_starts_a_fleet_that_deposits_the_given_orders(sniff, root):
    watcher = sniff(f"{root}/v1/lockers/+/events")

    status, lines = run_cli("run", "--count", "2", "--prefix-id", "demo", "--duration", "1.5",
                            "--activity", "0.05", "--orders", "GB-1,GB-2,GB-3", "--fresh",
                            "--seed", "5", *cli_broker_args(root))

    assert status == 0 and set(lines[0]["running"]) == {"demo-1", "demo-2"}
    def deposits() -> list[str]:
        return sorted(event["order"] for message in list(watcher.messages)
                      if (event := message.json)["type"] == "deposit")

    watcher.wait_for(lambda _: len(deposits()) >= 3)
    assert deposits() == ["GB-1", "GB-2", "GB-3"]
    statuses = sniff(f"{root}/v1/lockers/+/status")
    statuses.wait_for(lambda _: len({m.topic for m in list(statuses.messages)}) >= 2)
    assert {m.topic.split("/")[3]: m.json["online"] for m in statuses.messages} == {
        "demo-1": False, "demo-2": False}


# ------------------------------------------------------------------ fleet

@pytest.mark.mqtt
def test_fleet_runs_each_locker_on_its_own_connection(broker, sniff, root):
    watcher = sniff(f"{root}/v1/lockers/#")
    fleet = LockerFleet(
        SimulatedLocker(locker_id, default_layout(4, 1), broker=broker, topic_root=root,
                        heartbeat_s=60, restore=False)
        for locker_id in ("north", "south")
    )
    activity = Activity(interval_s=0.02, orders=["O1", "O2"], codes=["11112222@south"],
                        rng=random.Random(1))

    with fleet:
        fleet.run(threading.Event(), activity, duration=0.6)
        boots = {locker.boot for locker in fleet.lockers.values()}

    events = [m.json for m in watcher.messages if m.topic.endswith("/events")]
    assert sorted(e["order"] for e in events if e["type"] == "deposit") == ["O1", "O2"]
    assert [e["code"] for e in events if e["type"] == "pickup_code"] == ["11112222"]
    assert len(boots) == 2
    assert not violations(watcher.messages, root, {"north", "south"})


# ------------------------------------------------------------------ configuration

def test_broker_url_and_per_locker_credentials(tmp_path):
    passwords = tmp_path / "lockers.json"
    passwords.write_text(json.dumps({"north": {"username": "n-user", "password": "n-pass"}}))
    args = build_parser().parse_args([
        "run", "--url", "mqtts://ops:s%40fe@broker.example:8884", "--password-file",
        str(passwords), "--username", "locker-{locker}", "--password", "pw-{locker}"])
    args.password_map = load_password_file(args.password_file)

    assert parse_broker_url("mqtt://broker.example") == BrokerConfig("broker.example", 1883)
    north, south = broker_for(args, "north"), broker_for(args, "south")
    assert (north.username, north.password) == ("n-user", "n-pass")
    assert (south.username, south.password) == ("locker-south", "pw-south")
    assert (south.host, south.port, south.tls) == ("broker.example", 8884, True)


def test_layouts_and_ids_are_checked():
    assert [c.layout_entry() for c in parse_layout("A01:S,B2:L:cold")] == [
        {"id": "A01", "size": "S", "cold": False}, {"id": "B2", "size": "L", "cold": True}]
    assert [c.cold for c in default_layout(4, 1)] == [False, False, False, True]
    for bad_layout in ("a01:S", "A01:XL", "A01:S,A01:M", "A01:S:warm"):
        with pytest.raises(ValueError):
            parse_layout(bad_layout)
    with pytest.raises(ValueError):
        SimulatedLocker("Locker_A")
