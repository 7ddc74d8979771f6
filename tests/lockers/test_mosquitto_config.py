"""deploy/mosquitto: the example configuration really works. A Mosquitto started with it (on a
free port, files in a temporary folder) refuses anonymous and wrong logins, keeps each locker to
its own topics, and carries a simulated locker's messages to the portal's ingest and back."""

import json
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from devices.locker import BrokerConfig, SimulatedLocker, parse_layout
from portal.core.db import db
from portal.groupbuy.models import Order
from portal.iot.client import Ingest
from portal.lockers.ingest import LockerHandlers
from portal.lockers.models import Locker, LockerAlarm
from tests.conftest import IN_CI
from tests.iot.mqtt import wait_for
from tests.live import free_port
from tests.lockers.conftest import fresh

pytestmark = pytest.mark.mqtt
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"


@pytest.fixture
def mosquitto():
    binary, passwd = shutil.which("mosquitto") or "/usr/sbin/mosquitto", shutil.which("mosquitto_passwd")
    if not Path(binary).exists() or passwd is None:
        if IN_CI:
            pytest.fail("mosquitto and mosquitto_passwd are needed (CI=true)")
        pytest.skip("mosquitto is not installed")
    # started as root, mosquitto drops to its own user, which must be able to reach these files
    # (pytest's tmp_path sits under a folder only its owner may enter)
    tmp_path = Path(tempfile.mkdtemp(prefix="linli-mosquitto-"))
    tmp_path.chmod(0o755)
    port = free_port()
    users = {"linli-portal": "portal-secret", "north-1": "n1-secret", "north-2": "n2-secret"}
    password_file = tmp_path / "linli.passwd"
    for number, (user, password) in enumerate(users.items()):
        flags = ["-c"] if number == 0 else []
        subprocess.run([passwd, *flags, "-b", str(password_file), user, password], check=True)
    conf = (DEPLOY / "linli.conf").read_text()
    conf = (
        conf.replace("listener 1883", f"listener {port} 127.0.0.1")
        .replace("/etc/mosquitto/linli.passwd", str(password_file))
        .replace("/etc/mosquitto/linli.acl", str(DEPLOY / "linli.acl"))
        .replace("persistence true", "persistence false")
        .replace("/var/lib/mosquitto/", str(tmp_path) + "/")
    )
    (tmp_path / "linli.conf").write_text(conf)
    password_file.chmod(0o644)
    process = subprocess.Popen(
        [binary, "-c", str(tmp_path / "linli.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    from tests.conftest import service_available

    try:
        wait_for(lambda: service_available("127.0.0.1", port))
        yield port, users
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_example_mosquitto_configuration(app, world, mosquitto):
    import paho.mqtt.client as mqtt

    from portal.core.db import begin_write

    port, users = mosquitto
    begin_write()
    db.session.get(Locker, world.locker.id).device_id = "north-1"
    db.session.commit()

    def connack(user, password):
        result = {}
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}")
        client.username_pw_set(user, password)
        client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
        client.connect("127.0.0.1", port)
        client.loop_start()
        wait_for(lambda: "rc" in result)
        client.loop_stop()
        client.disconnect()
        return result["rc"]

    assert connack("north-1", "guess").is_failure and connack("nobody", "x").is_failure
    assert not connack("north-1", users["north-1"]).is_failure

    portal_url = f"mqtt://linli-portal:{users['linli-portal']}@127.0.0.1:{port}"
    ingest = Ingest(app, LockerHandlers(), url=portal_url, client_id="linli-portal-test").start()
    north1 = SimulatedLocker(
        "north-1",
        parse_layout("A01:S,A02:M,C01:L:cold"),
        collect_delay_s=0.2,
        broker=BrokerConfig("127.0.0.1", port, username="north-1", password=users["north-1"]),
    )
    intruder = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="north-2-x")
    intruder.username_pw_set("north-2", users["north-2"])
    try:
        assert ingest.wait_connected(30)
        north1.start()
        wait_for(lambda: fresh() or db.session.get(Locker, world.locker.id).is_online())
        # north-2 may not speak for north-1: the broker drops its forged event
        intruder.connect("127.0.0.1", port)
        intruder.loop_start()
        forged = {
            "id": str(uuid.uuid4()),
            "seq": 999,
            "ts": "2026-11-21T08:30:00Z",
            "type": "door_alarm",
            "comp": "A01",
        }
        intruder.publish("linli/v1/lockers/north-1/events", json.dumps(forged), qos=1).wait_for_publish(5)
        order = world.order()
        north1.deposit("A02", order.reference)
        code = wait_for(lambda: fresh() or db.session.get(Order, order.id).pickup_code)
        reply = north1.wait_for_reply(north1.enter_code(code)["id"], 10)
        assert reply["type"] == "open" and reply["comp"] == "A02"
        wait_for(lambda: fresh() or db.session.get(Order, order.id).status == "collected")
        fresh()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LockerAlarm)) == 0
        assert ingest.counters["errors"] == 0 and ingest.counters["malformed"] == 0
    finally:
        intruder.loop_stop()
        intruder.disconnect()
        north1.stop()
        ingest.stop()
