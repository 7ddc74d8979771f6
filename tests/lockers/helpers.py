"""A hand-driven locker (raw MQTT messages with chosen seqs) and waiting for the ingest."""

import json
import uuid
from datetime import UTC, datetime

from tests.iot.mqtt import connect, wait_for

TS = "2026-11-21T08:30:00Z"


def now_ts() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RawLocker:
    """Publishes exactly the messages a test asks for, as locker `device_id`."""

    def __init__(self, broker, root: str, device_id: str):
        self.base = f"{root}/v1/lockers/{device_id}"
        self.device_id = device_id
        self.commands: list[dict] = []
        self.client = connect(broker, username=device_id)
        self.client.on_message = self._on_message
        self.client.subscribe(f"{self.base}/commands", qos=1)
        self.seq = 0
        self.boot = uuid.uuid4().hex[:12]

    def _on_message(self, client, userdata, message):
        self.commands.append(json.loads(message.payload))

    def send(self, suffix: str, payload, retain: bool = False) -> dict | bytes:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(f"{self.base}/{suffix}", data, qos=1, retain=retain).wait_for_publish(10)
        return payload

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def status(
        self,
        layout=(("A01", "S", False), ("A02", "M", False), ("A03", "L", False), ("C01", "M", True)),
        seq=None,
        boot=None,
    ):
        return self.send(
            "status",
            {
                "online": True,
                "boot": boot or self.boot,
                "fw": "1.4.2",
                "seq": seq or self.next_seq(),
                "compartments": [{"id": c, "size": s, "cold": k} for c, s, k in layout],
            },
            retain=True,
        )

    def state(self, comp="A01", seq=None, door="closed", occupied=False, temp_c=None, fault=None):
        return self.send(
            f"compartments/{comp}",
            {
                "seq": seq or self.next_seq(),
                "ts": now_ts(),
                "door": door,
                "occupied": occupied,
                "temp_c": temp_c,
                "fault": fault,
            },
            retain=True,
        )

    def event(self, kind, comp="A01", seq=None, event_id=None, **fields):
        return self.send(
            "events",
            {
                "id": event_id or str(uuid.uuid4()),
                "seq": seq or self.next_seq(),
                "ts": now_ts(),
                "type": kind,
                "comp": comp,
                **fields,
            },
        )

    def replies_to(self, event_id: str) -> list[dict]:
        return [c for c in self.commands if c.get("in_reply_to") == event_id]

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def device_messages(ingest) -> int:
    """Messages from lockers the ingest received (its own commands, echoed back, not counted)."""
    return ingest.counters["received"] - ingest.counters["ignored"]


def settle(ingest, received: int, timeout: float = 30.0, exact: bool = True) -> None:
    """Wait until the ingest has received `received` locker messages in all and applied them
    (exact=False: retained messages the broker sends again may come on top)."""
    wait_for(lambda: device_messages(ingest) >= received, timeout)
    assert ingest.drain(timeout)
    if exact:
        assert device_messages(ingest) == received, ingest.counters.snapshot()
