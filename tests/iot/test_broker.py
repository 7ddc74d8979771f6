"""The embedded broker `flask serve` starts: logins required, the contract's ACL, and QoS 1
messages queued for a persistent session while it is away (amqtt only queues for logged-in
sessions, which is why anonymous login stays off)."""

import socket
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from portal.iot.broker import EmbeddedBroker, locker_acl

pytestmark = pytest.mark.mqtt
ROOT = "linli"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def broker():
    users = {"linli-portal": "portal-pw", "north-1": "n1-pw", "north-2": "n2-pw"}
    running = EmbeddedBroker(
        "127.0.0.1",
        _free_port(),
        check=lambda u, p: users.get(u) == p,
        acl=locker_acl({"linli-portal"}, ROOT),
    ).start()
    yield running
    running.stop()


class Client:
    def __init__(self, broker, username=None, password=None, client_id=None, clean=True):
        self.messages = []
        self.result = None
        self._connected = threading.Event()
        self.paho = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or "", clean_session=clean
        )
        if username:
            self.paho.username_pw_set(username, password)
        self.paho.on_connect = self._on_connect
        self.paho.on_message = lambda c, u, m: self.messages.append((m.topic, m.payload))
        self.paho.connect(broker.host, broker.port)
        self.paho.loop_start()
        self._connected.wait(5)

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.result = reason_code
        self._connected.set()

    def subscribe(self, topic):
        self.paho.subscribe(topic, qos=1)
        time.sleep(0.2)

    def publish(self, topic, payload=b"x"):
        self.paho.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self):
        self.paho.disconnect()
        self.paho.loop_stop()


def test_logins_are_required(broker):
    anonymous = Client(broker)
    wrong = Client(broker, "north-1", "guess")
    right = Client(broker, "north-1", "n1-pw")
    try:
        assert anonymous.result.is_failure and wrong.result.is_failure
        assert not right.result.is_failure
    finally:
        for client in (anonymous, wrong, right):
            client.close()


def test_lockers_use_only_their_own_topics(broker):
    portal = Client(broker, "linli-portal", "portal-pw")
    north1 = Client(broker, "north-1", "n1-pw")
    north2 = Client(broker, "north-2", "n2-pw")
    try:
        portal.subscribe(f"{ROOT}/v1/lockers/#")
        north1.subscribe(f"{ROOT}/v1/lockers/north-1/commands")
        north1.subscribe(f"{ROOT}/v1/lockers/north-2/commands")  # refused
        north1.publish(f"{ROOT}/v1/lockers/north-1/events", b"mine")
        north1.publish(f"{ROOT}/v1/lockers/north-2/events", b"forged")
        north1.publish(f"{ROOT}/v1/lockers/north-1/commands", b"self-command")
        portal.publish(f"{ROOT}/v1/lockers/north-1/commands", b"open-1")
        portal.publish(f"{ROOT}/v1/lockers/north-2/commands", b"open-2")
        time.sleep(0.5)
        assert (f"{ROOT}/v1/lockers/north-1/events", b"mine") in portal.messages
        assert all(payload not in (b"forged", b"self-command") for _, payload in portal.messages)
        assert north1.messages == [(f"{ROOT}/v1/lockers/north-1/commands", b"open-1")]
        assert north2.messages == []
    finally:
        for client in (portal, north1, north2):
            client.close()


def test_qos1_messages_wait_for_a_persistent_session(broker):
    portal = Client(broker, "linli-portal", "portal-pw", client_id="portal-persistent", clean=False)
    portal.subscribe(f"{ROOT}/v1/lockers/#")
    portal.close()
    # a second subscriber, connected throughout, shows when the broker has routed all five
    # (amqtt acknowledges a publish before routing it: reconnecting earlier races the last one)
    observer = Client(broker, "linli-portal", "portal-pw")
    observer.subscribe(f"{ROOT}/v1/lockers/#")
    north1 = Client(broker, "north-1", "n1-pw")
    for n in range(5):
        north1.publish(f"{ROOT}/v1/lockers/north-1/events", f"e{n}".encode())
    north1.close()
    deadline = time.monotonic() + 30
    while len(observer.messages) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    observer.close()
    back = Client(broker, "linli-portal", "portal-pw", client_id="portal-persistent", clean=False)
    try:
        deadline = time.monotonic() + 30
        while len(back.messages) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [payload for _, payload in back.messages] == [b"e0", b"e1", b"e2", b"e3", b"e4"]
    finally:
        back.close()
