"""`flask lockers ingest`: the production ingest as its own process."""

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from portal.core.db import db
from portal.groupbuy.models import Order
from portal.lockers.models import Locker
from tests.iot.mqtt import forget_session, wait_for
from tests.live import server_env
from tests.lockers.conftest import fresh

pytestmark = pytest.mark.mqtt
ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def test_flask_lockers_ingest_applies_what_lockers_send(world, database_url, mqtt_broker, root, sim):
    client_id = f"portal-cli-{uuid.uuid4().hex[:8]}"
    env = server_env(database_url, MQTT_URL=mqtt_broker.url(), MQTT_TOPIC_ROOT=root, MQTT_CLIENT_ID=client_id)
    process = subprocess.Popen(
        [FLASK, "--app", "wsgi", "lockers", "ingest", "--no-pushes"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        order = world.order()
        locker = sim(world.locker.device_id)
        # its retained status reaches the ingest once it has subscribed
        wait_for(lambda: fresh() or db.session.get(Locker, world.locker.id).online)
        locker.deposit("A01", order.reference)
        wait_for(lambda: fresh() or db.session.get(Order, order.id).pickup_code)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
        assert "ingesting" in output and "stopped:" in output
    finally:
        if process.poll() is None:
            process.kill()
        print(process.communicate()[0] if process.stdout and not process.stdout.closed else "")
        forget_session(mqtt_broker, client_id)


def test_flask_lockers_ingest_needs_a_broker_url(database_url):
    env = server_env(database_url)
    env.pop("PORTAL_MQTT_URL", None)
    result = subprocess.run(
        [FLASK, "--app", "wsgi", "lockers", "ingest", "--no-pushes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "PORTAL_MQTT_URL" in result.stderr
