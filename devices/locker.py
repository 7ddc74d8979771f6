"""One simulated locker bank: its compartments, its firmware behaviour, its MQTT connection."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from devices.protocol import (
    COMMAND_TYPES,
    DEFAULT_TOPIC_ROOT,
    DOOR_STATES,
    FIRMWARE_VERSION,
    HEARTBEAT_SECONDS,
    MAX_PAYLOAD_BYTES,
    OFFLINE_WILL,
    SIZES,
    Topics,
    check_topic_root,
    encode,
    is_compartment_id,
    is_locker_id,
    utc_timestamp,
)

log = logging.getLogger("devices.locker")

COLD_RANGE_C = (3.0, 6.0)
MAX_FAULT_TEXT = 200


class LockerError(Exception):
    """The locker cannot do what was asked (unknown compartment, occupied, not powered up)."""


@dataclass(frozen=True)
class BrokerConfig:
    """Where and how a locker connects."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    keepalive: int = 30


def parse_broker_url(url: str) -> BrokerConfig:
    """Read `mqtt://user:pass@host:port` (or `mqtts://`) into a BrokerConfig."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"broker URL must start with mqtt:// or mqtts://, got {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return BrokerConfig(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if tls else 1883),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=tls,
    )


def make_client(broker: BrokerConfig, client_id: str) -> mqtt.Client:
    """Build a paho client (callback API v2, MQTT 3.1.1) for a broker."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
    )
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set(ca_certs=broker.ca_file)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


@dataclass
class Compartment:
    """A compartment's fixed layout and its physical state."""

    id: str
    size: str = "M"
    cold: bool = False
    door: str = "closed"
    occupied: bool = False
    temp_c: float | None = None
    fault: str | None = None
    order: str | None = None  # what the locker remembers holding; never sent in state

    def __post_init__(self) -> None:
        if not is_compartment_id(self.id):
            raise ValueError(f"compartment id must match [A-Z0-9]{{1,8}}: {self.id!r}")
        if self.size not in SIZES:
            raise ValueError(f"compartment size must be one of {SIZES}: {self.size!r}")

    def layout_entry(self) -> dict:
        """The compartment as listed in the status message."""
        return {"id": self.id, "size": self.size, "cold": self.cold}

    def state(self) -> dict:
        """The state fields of the compartment message."""
        return {
            "door": self.door,
            "occupied": self.occupied,
            "temp_c": self.temp_c,
            "fault": self.fault,
        }


def default_layout(count: int = 8, cold: int = 2) -> list[Compartment]:
    """Build compartments A01, A02, … of mixed sizes, the last `cold` of them cold."""
    if not 1 <= count <= 260 or not 0 <= cold <= count:
        raise ValueError("need 1–260 compartments and at most that many cold ones")
    return [
        Compartment(
            id=f"{chr(ord('A') + index // 10)}{index % 10 + 1:02d}",
            size=SIZES[index % len(SIZES)],
            cold=index >= count - cold,
        )
        for index in range(count)
    ]


def parse_layout(spec: str) -> list[Compartment]:
    """Read a layout like `A01:S,A02:M:cold,B01:L` into compartments."""
    compartments = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        comp_id, _, rest = item.partition(":")
        size, _, flag = rest.partition(":")
        if flag not in ("", "cold"):
            raise ValueError(f"unknown compartment flag {flag!r} in {item!r}")
        compartments.append(Compartment(id=comp_id, size=size or "M", cold=flag == "cold"))
    check_unique_ids(compartments)
    return compartments


def check_unique_ids(compartments: Iterable[Compartment]) -> None:
    """Raise ValueError if a layout is empty or names a compartment twice."""
    ids = [comp.id for comp in compartments]
    if not ids or len(ids) != len(set(ids)):
        raise ValueError("a locker needs at least one compartment and unique compartment ids")


def layout_from_status(status: object) -> list[Compartment] | None:
    """Rebuild a layout from a retained online status, or None if it has none usable."""
    if not isinstance(status, dict) or status.get("online") is not True:
        return None
    try:
        layout = [
            Compartment(id=entry["id"], size=entry["size"], cold=entry["cold"] is True)
            for entry in status.get("compartments", [])
        ]
        check_unique_ids(layout)
    except (KeyError, TypeError, ValueError):
        return None
    return layout


def decode_json(raw: bytes | None) -> object:
    """Decode a JSON payload, or return None if it is not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def is_number(value: object) -> bool:
    """Tell whether value is a JSON number (bool is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class SimulatedLocker:
    """One locker bank with its own MQTT connection, behaving as its firmware would.

    The simulator has no flash memory: at power-up it reads its last compartment states back
    from the broker's retained messages (unless `restore=False`), then announces a new boot.
    """

    restore_quiet_s = 0.2

    def __init__(
        self,
        locker_id: str,
        compartments: Iterable[Compartment] | None = None,
        *,
        broker: BrokerConfig | None = None,
        topic_root: str = DEFAULT_TOPIC_ROOT,
        heartbeat_s: float = HEARTBEAT_SECONDS,
        auto_collect: bool = True,
        collect_delay_s: float = 2.0,
        restore: bool = True,
        keypad_comp: str | None = None,
        fw: str = FIRMWARE_VERSION,
        rng: random.Random | None = None,
    ) -> None:
        if not is_locker_id(locker_id):
            raise ValueError(f"locker id must match [a-z0-9-]{{1,40}}: {locker_id!r}")
        self.locker_id = locker_id
        self.topics = Topics(check_topic_root(topic_root), locker_id)
        self.broker = broker or BrokerConfig()
        self.heartbeat_s = heartbeat_s
        self.auto_collect = auto_collect
        self.collect_delay_s = collect_delay_s
        self.restore = restore
        self.fw = fw
        self.rng = rng or random.Random()
        self._explicit_layout = compartments is not None
        layout = list(compartments) if compartments is not None else default_layout()
        check_unique_ids(layout)
        self.compartments: dict[str, Compartment] = {comp.id: comp for comp in layout}
        self._keypad_comp = keypad_comp
        self.boot = ""
        self.commands: list[dict] = []
        self.sent_events: deque[dict] = deque(maxlen=1000)
        self.replies: dict[str, list[dict]] = {}
        self._seq = 0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._client: mqtt.Client | None = None
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._connect_error: str | None = None
        self._acked_subscriptions: set[int] = set()
        self._announced = False
        self._restoring = False
        self._retained: dict[str, bytes] = {}
        self._last_retained_at = 0.0
        self._seen_command_ids: set[str] = set()
        self._inflight: list[mqtt.MQTTMessageInfo] = []
        self._timers: set[threading.Timer] = set()
        self._heartbeat_stop = threading.Event()
        self._heartbeat_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ power

    @property
    def powered(self) -> bool:
        """True between start() and the end of the session (stop, drop, silence)."""
        return self._client is not None

    @property
    def seq(self) -> int:
        """The seq of the last message published in this boot."""
        return self._seq

    @property
    def keypad_comp(self) -> str:
        """The compartment the keypad is mounted beside; sent as `comp` on `pickup_code`."""
        if self._keypad_comp in self.compartments:
            return self._keypad_comp
        return next(iter(self.compartments))

    def start(self, timeout: float = 10.0) -> SimulatedLocker:
        """Power up: connect with the last will set, restore state, announce, start heartbeats."""
        if self.powered:
            raise LockerError(f"{self.locker_id} is already powered up")
        self.boot = uuid.uuid4().hex[:12]
        self._seq = 0
        self._announced = False
        self._acked_subscriptions.clear()
        self._connected.clear()
        self._disconnected.clear()
        self._heartbeat_stop.clear()
        self._client = self._new_client()
        try:
            self._connect(timeout)
            if self.restore:
                self._restore_state(timeout)
            self._fill_in_sensors()
            self._announce(wait_timeout=timeout)
        except BaseException:
            self._abandon_client()
            raise
        self._start_heartbeat()
        log.info("%s powered up (boot %s)", self.locker_id, self.boot)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Shut down cleanly: publish the retained offline status, then disconnect."""
        if not self.powered:
            return
        self._quiesce()
        if self._client.is_connected():
            self._publish(self.topics.status, self._offline_payload, retain=True)
        self._end_session(timeout)
        log.info("%s shut down cleanly", self.locker_id)

    def go_silent(self, timeout: float = 5.0) -> None:
        """Stop publishing and leave with a normal DISCONNECT: the broker drops the will."""
        if not self.powered:
            return
        self._quiesce()
        self._end_session(timeout)
        log.info("%s went silent; its status stays online until the portal times it out",
                 self.locker_id)

    def drop_connection(self, timeout: float = 5.0) -> None:
        """Lose power: close the socket without DISCONNECT, so the broker fires the will."""
        if not self.powered:
            return
        self._quiesce()
        self.flush(timeout)
        client = self._client
        self._client = None
        client.loop_stop()
        sock = client.socket()
        if sock is not None:
            sock.close()
        log.info("%s lost power (socket closed without DISCONNECT)", self.locker_id)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the broker acknowledged everything sent; return False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            pending = list(self._inflight)
        for info in pending:
            try:
                info.wait_for_publish(max(0.0, deadline - time.monotonic()))
            except (RuntimeError, ValueError):
                continue  # published while disconnected; paho resends it on reconnect
        with self._lock:
            self._inflight = [info for info in self._inflight if not _settled(info)]
            return not self._inflight

    def __enter__(self) -> SimulatedLocker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- actions

    def heartbeat(self) -> dict:
        """Publish the status again with a new seq, plus any drifted cold temperatures."""
        with self._lock:
            status = self._publish(self.topics.status, self._online_payload, retain=True)
            for comp in self.compartments.values():
                if comp.cold and self._drift_temperature(comp):
                    self._publish_compartment(comp)
            return status

    def deposit(self, comp_id: str, order: str) -> dict:
        """Put a parcel for `order` into a compartment: door opens, closes, `deposit` is sent."""
        if not isinstance(order, str) or not order.strip():
            raise LockerError("a deposit needs the order's pickup reference")
        with self._lock:
            comp = self._compartment(comp_id)
            if comp.occupied:
                raise LockerError(f"compartment {comp_id} already holds a parcel")
            if comp.fault:
                raise LockerError(f"compartment {comp_id} is out of order: {comp.fault}")
            self._move_door(comp, "open")
            comp.occupied, comp.order = True, order
            self._move_door(comp, "closed")
            return self._send_event("deposit", comp.id, order=order)

    def enter_code(self, code: str) -> dict:
        """Type a pickup code on the keypad: sends `pickup_code`; the portal replies."""
        if not (isinstance(code, str) and code.isdigit() and code.isascii() and len(code) <= 16):
            raise LockerError("the keypad only has digits (at most 16)")
        with self._lock:
            return self._send_event("pickup_code", self.keypad_comp, code=code)

    def wait_for_reply(self, event_id: str, timeout: float = 10.0) -> dict | None:
        """Wait for the portal's first command replying to an event; None on timeout."""
        with self._changed:
            self._changed.wait_for(lambda: event_id in self.replies, timeout)
            replies = self.replies.get(event_id)
            return replies[0] if replies else None

    def wait_until_settled(self, timeout: float = 10.0) -> bool:
        """Wait until no delayed action (like a parcel being taken out) is pending."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._timers, timeout)

    def set_door(self, comp_id: str, door: str) -> dict:
        """Open or close a compartment's door by hand and report the new state."""
        if door not in DOOR_STATES:
            raise LockerError(f"door must be one of {DOOR_STATES}")
        with self._lock:
            comp = self._compartment(comp_id)
            comp.door = door
            return self._publish_compartment(comp)

    def collect(self, comp_id: str, order: str | None = None) -> dict:
        """Take the parcel out and close the door: sends `collected` for its order."""
        with self._lock:
            comp = self._compartment(comp_id)
            order = order or comp.order
            if not comp.occupied:
                raise LockerError(f"compartment {comp_id} is empty")
            if not order:
                raise LockerError(f"the locker does not know which order {comp_id} holds")
            self._move_door(comp, "open")
            return self._take_parcel_and_close(comp, order)

    def door_alarm(self, comp_id: str) -> dict:
        """Leave a door open too long: the door reports open and `door_alarm` is sent."""
        with self._lock:
            comp = self._compartment(comp_id)
            self._move_door(comp, "open")
            return self._send_event("door_alarm", comp.id)

    def temp_alarm(self, comp_id: str, temp_c: float | None = None) -> dict:
        """Warm up a cold compartment out of range: sends its temperature and `temp_alarm`."""
        with self._lock:
            comp = self._compartment(comp_id)
            if not comp.cold:
                raise LockerError(f"compartment {comp_id} is not cold and has no sensor")
            comp.temp_c = round(temp_c if temp_c is not None else self.rng.uniform(9, 13), 1)
            self._publish_compartment(comp)
            return self._send_event("temp_alarm", comp.id, temp_c=comp.temp_c)

    def report_fault(self, comp_id: str, detail: str) -> dict:
        """Mark a compartment faulty: its state carries the fault and `fault` is sent."""
        detail = (detail or "fault").strip()[:MAX_FAULT_TEXT]
        with self._lock:
            comp = self._compartment(comp_id)
            comp.fault = detail
            self._publish_compartment(comp)
            return self._send_event("fault", comp.id, detail=detail)

    def clear_fault(self, comp_id: str) -> dict:
        """Repair a compartment: its state reports no fault again."""
        with self._lock:
            comp = self._compartment(comp_id)
            comp.fault = None
            return self._publish_compartment(comp)

    # --------------------------------------------------------------- commands

    def _handle_command(self, raw: bytes) -> None:
        command = decode_json(raw)
        if not isinstance(command, dict) or command.get("type") not in COMMAND_TYPES:
            log.warning("%s ignored a malformed command: %r", self.locker_id, raw[:200])
            return
        with self._changed:
            if not self._first_delivery(command):
                return
            self.commands.append(command)
            reply_to = command.get("in_reply_to")
            if isinstance(reply_to, str):
                self.replies.setdefault(reply_to, []).append(command)
                if len(self.replies[reply_to]) > 1:
                    log.warning("%s got a second reply to event %s", self.locker_id, reply_to)
            if command["type"] == "open":
                self._obey_open(command)
            else:
                log.info("%s denied (%s) for event %s", self.locker_id,
                         command.get("reason"), reply_to)
            self._changed.notify_all()

    def _first_delivery(self, command: dict) -> bool:
        command_id = command.get("id")
        if not isinstance(command_id, str):
            return True
        if command_id in self._seen_command_ids:
            log.info("%s ignored a second delivery of command %s", self.locker_id, command_id)
            return False
        self._seen_command_ids.add(command_id)
        return True

    def _obey_open(self, command: dict) -> None:
        comp_id = command.get("comp")
        comp = self.compartments.get(comp_id) if isinstance(comp_id, str) else None
        if comp is None:
            log.warning("%s was told to open an unknown compartment: %r",
                        self.locker_id, command.get("comp"))
            return
        order = command.get("order") if isinstance(command.get("order"), str) else comp.order
        comp.door = "open"
        self._publish_compartment(comp)
        if self.auto_collect:
            self._after(self.collect_delay_s, self._finish_pickup, comp.id, order)

    def _finish_pickup(self, comp_id: str, order: str | None) -> None:
        with self._lock:
            comp = self.compartments[comp_id]
            if comp.door != "open" or not self.powered:
                return  # someone closed it by hand meanwhile
            if comp.occupied and order:
                self._take_parcel_and_close(comp, order)
                return
            if comp.occupied:
                log.warning("%s: parcel taken from %s without a known order; no `collected`",
                            self.locker_id, comp_id)
            comp.occupied, comp.order, comp.door = False, None, "closed"
            self._publish_compartment(comp)

    def _take_parcel_and_close(self, comp: Compartment, order: str) -> dict:
        comp.occupied, comp.order, comp.door = False, None, "closed"
        self._publish_compartment(comp)
        return self._send_event("collected", comp.id, order=order)

    # ------------------------------------------------------------- publishing

    def _publish(self, topic: str, build: Callable[[int], dict], *, retain: bool) -> dict:
        """Publish a payload built with the next seq, keeping seq order equal to send order."""
        with self._lock:
            if self._client is None:
                raise LockerError(f"{self.locker_id} is not powered up")
            seq = self._seq + 1
            payload = build(seq)
            data = encode(payload)
            if len(data) > MAX_PAYLOAD_BYTES:
                raise LockerError(f"payload of {len(data)} bytes exceeds {MAX_PAYLOAD_BYTES}")
            self._seq = seq
            self._inflight = [info for info in self._inflight if not _settled(info)]
            self._inflight.append(self._client.publish(topic, data, qos=1, retain=retain))
        log.debug("%s -> %s %s", self.locker_id, topic, data.decode())
        return payload

    def _publish_compartment(self, comp: Compartment) -> dict:
        def build(seq: int) -> dict:
            return {"seq": seq, "ts": utc_timestamp(), **comp.state()}

        return self._publish(self.topics.compartment(comp.id), build, retain=True)

    def _send_event(self, kind: str, comp_id: str, **fields: object) -> dict:
        def build(seq: int) -> dict:
            return {"id": str(uuid.uuid4()), "seq": seq, "ts": utc_timestamp(),
                    "type": kind, "comp": comp_id, **fields}

        event = self._publish(self.topics.events, build, retain=False)
        self.sent_events.append(event)
        return event

    def _online_payload(self, seq: int) -> dict:
        return {
            "online": True,
            "boot": self.boot,
            "fw": self.fw,
            "seq": seq,
            "compartments": [comp.layout_entry() for comp in self.compartments.values()],
        }

    def _offline_payload(self, seq: int) -> dict:
        return {"online": False, "boot": self.boot, "seq": seq}

    def _move_door(self, comp: Compartment, door: str) -> None:
        if comp.door != door:
            comp.door = door
            self._publish_compartment(comp)

    def _compartment(self, comp_id: str) -> Compartment:
        try:
            return self.compartments[comp_id]
        except KeyError:
            raise LockerError(f"{self.locker_id} has no compartment {comp_id!r}") from None

    # --------------------------------------------------------------- sensors

    def _fill_in_sensors(self) -> None:
        low, high = COLD_RANGE_C
        for comp in self.compartments.values():
            if not comp.cold:
                comp.temp_c = None
            elif comp.temp_c is None:
                comp.temp_c = round(self.rng.uniform(low + 0.5, high - 1.0), 1)

    def _drift_temperature(self, comp: Compartment) -> bool:
        """Let a cold compartment's reading wander a little; return True if it changed."""
        low, high = COLD_RANGE_C
        current = comp.temp_c if comp.temp_c is not None else (low + high) / 2
        if low <= current <= high:
            drifted = min(high, max(low, current + self.rng.uniform(-0.2, 0.2)))
        else:
            drifted = current + ((low + high) / 2 - current) / 2  # cooling back into range
        comp.temp_c = round(drifted, 1)
        return comp.temp_c != current

    # ------------------------------------------------------------- connection

    def _new_client(self) -> mqtt.Client:
        client = make_client(self.broker, f"{self.locker_id}-{self.boot}")
        client.will_set(self.topics.status, encode(OFFLINE_WILL), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _connect(self, timeout: float) -> None:
        self._client.connect_timeout = timeout
        self._client.connect(self.broker.host, self.broker.port, keepalive=self.broker.keepalive)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            raise ConnectionError(f"no answer from {self.broker.host}:{self.broker.port}")
        if self._connect_error:
            raise ConnectionError(self._connect_error)

    def _restore_state(self, timeout: float) -> None:
        """Read this locker's retained status and compartment states back from the broker."""
        with self._lock:
            self._retained, self._restoring = {}, True
        filters = [self.topics.status, self.topics.all_compartments]
        _, mid = self._client.subscribe([(topic, 1) for topic in filters])
        self._wait_for_subscription(mid, timeout)
        self._last_retained_at = time.monotonic()
        while time.monotonic() - self._last_retained_at < self.restore_quiet_s:
            time.sleep(self.restore_quiet_s / 4)
        self._client.unsubscribe(filters)
        with self._lock:
            self._restoring = False
            self._apply_retained(self._retained)

    def _apply_retained(self, retained: dict[str, bytes]) -> None:
        layout = layout_from_status(decode_json(retained.get(self.topics.status)))
        if layout and not self._explicit_layout:
            self.compartments = {comp.id: comp for comp in layout}
        for topic, raw in retained.items():
            comp = self.compartments.get(self.topics.compartment_of(topic) or "")
            state = decode_json(raw)
            if comp is not None and isinstance(state, dict):
                _adopt_state(comp, state)

    def _announce(self, wait_timeout: float | None = None) -> None:
        """Subscribe to commands, then publish the status and every compartment's state."""
        _, mid = self._client.subscribe(self.topics.commands, qos=1)
        if wait_timeout is not None:
            self._wait_for_subscription(mid, wait_timeout)
        with self._lock:
            self._publish(self.topics.status, self._online_payload, retain=True)
            for comp in self.compartments.values():
                self._publish_compartment(comp)
            self._announced = True

    def _wait_for_subscription(self, mid: int | None, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: mid in self._acked_subscriptions, timeout):
                raise ConnectionError("the broker did not acknowledge the subscription")

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._connect_error = f"broker refused the connection: {reason_code}"
            log.error("%s: %s", self.locker_id, self._connect_error)
        else:
            self._connect_error = None
            self._disconnected.clear()
            if self._announced:
                log.info("%s reconnected; announcing again", self.locker_id)
                self._safely(self._announce)
        self._connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._disconnected.set()
        if reason_code.is_failure:
            log.warning("%s lost its connection (%s); paho reconnects", self.locker_id,
                        reason_code)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if any(code.is_failure for code in reason_codes):
            log.warning("%s: the broker refused a subscription (%s)", self.locker_id,
                        reason_codes)
        with self._changed:
            self._acked_subscriptions.add(mid)
            self._changed.notify_all()

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.topics.commands:
            self._safely(self._handle_command, message.payload)
        elif self._restoring and message.retain:
            with self._lock:
                self._retained[message.topic] = message.payload
                self._last_retained_at = time.monotonic()

    # ---------------------------------------------------------------- plumbing

    def _safely(self, action: Callable, *args: object) -> None:
        """Run an action in paho's thread without ever letting it raise there."""
        try:
            action(*args)
        except Exception:
            log.exception("%s: %s failed", self.locker_id, getattr(action, "__name__", action))

    def _after(self, delay: float, action: Callable, *args: object) -> None:
        def run() -> None:
            try:
                self._safely(action, *args)
            finally:
                with self._changed:
                    self._timers.discard(timer)
                    self._changed.notify_all()

        timer = threading.Timer(delay, run)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _start_heartbeat(self) -> None:
        self._heartbeat_thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{self.locker_id}", daemon=True
        )
        self._heartbeat_thread.start()

    def _beat(self) -> None:
        while not self._heartbeat_stop.wait(self.heartbeat_s):
            if self._client is not None and self._client.is_connected():
                self._safely(self.heartbeat)

    def _quiesce(self) -> None:
        """Stop heartbeats and pending delayed actions before the session ends."""
        self._heartbeat_stop.set()
        if self._heartbeat_thread is not None and self._heartbeat_thread is not (
            threading.current_thread()
        ):
            self._heartbeat_thread.join()
        with self._lock:
            timers, self._timers = list(self._timers), set()
        for timer in timers:
            timer.cancel()

    def _end_session(self, timeout: float) -> None:
        self.flush(timeout)
        client = self._client
        self._client = None
        if client.disconnect() == mqtt.MQTT_ERR_SUCCESS:
            self._disconnected.wait(timeout)
        client.loop_stop()

    def _abandon_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.loop_stop()
            client.disconnect()


def _settled(info: mqtt.MQTTMessageInfo) -> bool:
    """True once a publish was acknowledged, or was never accepted for tracking."""
    return info.rc != mqtt.MQTT_ERR_SUCCESS or info.is_published()


def _adopt_state(comp: Compartment, state: dict) -> None:
    """Take over the physical state a retained compartment message describes."""
    if state.get("door") in DOOR_STATES:
        comp.door = state["door"]
    if isinstance(state.get("occupied"), bool):
        comp.occupied = state["occupied"]
    if comp.cold and is_number(state.get("temp_c")):
        comp.temp_c = float(state["temp_c"])
    if state.get("fault") is None or isinstance(state.get("fault"), str):
        comp.fault = state.get("fault")
