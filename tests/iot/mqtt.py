"""A real MQTT broker for tests, and small helpers around it.

Mosquitto at 127.0.0.1:1883 when it answers (with CI=true it must); otherwise the embedded
amqtt broker on a free port, with logins required (as `flask serve` runs it). Every test gets
its own topic root, so tests never see each other's retained messages or sessions.
"""

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from tests.conftest import IN_CI, require_service, service_available

MOSQUITTO = ("127.0.0.1", 1883)
TEST_PASSWORD = "mqtt-test-secret"


@dataclass
class Broker:
    host: str
    port: int
    kind: str  # "mosquitto" | "amqtt"

    def url(self, username: str = "linli-portal") -> str:
        return f"mqtt://{username}:{TEST_PASSWORD}@{self.host}:{self.port}"

    def locker_config(self, device_id: str):
        from devices.locker import BrokerConfig

        return BrokerConfig(self.host, self.port, username=device_id, password=TEST_PASSWORD)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broker_for_tests():
    """Generator behind the `mqtt_broker` fixtures (tests/iot and tests/lockers conftests)."""
    if os.environ.get("LINLI_TEST_EMBEDDED_BROKER") != "1" and (IN_CI or service_available(*MOSQUITTO)):
        require_service("Mosquitto", *MOSQUITTO)
        yield Broker(*MOSQUITTO, kind="mosquitto")
        return
    from portal.iot.broker import EmbeddedBroker

    broker = EmbeddedBroker("127.0.0.1", _free_port(), check=lambda user, password: password == TEST_PASSWORD)
    broker.start()
    yield Broker(broker.host, broker.port, kind="amqtt")
    broker.stop()


def topic_root() -> str:
    return f"linli-test-{uuid.uuid4().hex[:10]}"


def connect(broker: Broker, client_id: str | None = None, clean: bool = True, username: str = "tester"):
    """A plain paho client, connected (callback API v2)."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"t-{uuid.uuid4().hex[:12]}",
        clean_session=clean,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set(username, TEST_PASSWORD)
    connected = threading.Event()
    client.on_connect = lambda c, u, f, rc, p: connected.set()
    client.connect(broker.host, broker.port, keepalive=30)
    client.loop_start()
    assert connected.wait(10), "no CONNACK from the test broker"
    return client


def publish(broker: Broker, topic: str, payload, retain: bool = False) -> None:
    """Publish one message (dict → JSON) at QoS 1 and wait for the broker's PUBACK."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    client = connect(broker)
    try:
        client.publish(topic, data, qos=1, retain=retain).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()


def clear_retained(broker: Broker, root: str) -> None:
    """Remove what the test left retained under its topic root (Mosquitto keeps it otherwise).

    Not needed with the embedded broker, which lives for this test session only; amqtt 0.12 also
    leaves the connection's transport unclosed after an empty retained publish (ResourceWarning).
    """
    if broker.kind != "mosquitto":
        return
    seen: set[str] = set()
    client = connect(broker)
    client.on_message = lambda c, u, m: seen.add(m.topic) if m.retain and m.payload else None
    client.subscribe(f"{root}/#", qos=1)
    time.sleep(0.3)
    for topic in seen:
        client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def forget_session(broker: Broker, client_id: str) -> None:
    """End a persistent session on the broker (connect once with clean_session=True)."""
    client = connect(broker, client_id=client_id, clean=True)
    client.disconnect()
    client.loop_stop()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    """Poll until predicate() is truthy; return its value, or fail after `timeout` seconds (which
    only bounds a hang: a loaded machine may take several seconds for what is instant here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout} s waiting for {getattr(predicate, '__name__', predicate)}"
    )


def wait_for_count(count, target: int, stall: float = 30.0, interval: float = 0.1) -> int:
    """Poll count() until it reaches target; fail only when it stops moving for `stall` seconds,
    so a long backlog on a loaded machine is waited for, and a stuck one is not."""
    value, moved = count(), time.monotonic()
    while value < target:
        if time.monotonic() - moved > stall:
            raise AssertionError(f"stuck at {value} of {target} for {stall} s")
        time.sleep(interval)
        latest = count()
        if latest != value:
            value, moved = latest, time.monotonic()
    return value
