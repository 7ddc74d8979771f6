"""`flask serve` (what `make run` starts) with PORTAL_MQTT_URL unset: the embedded broker, the
in-process ingest and the simulated demo lockers come up, and the kiosk board shows them online;
nothing of it starts inside create_app."""

import re

import pytest

from portal.core.db import db
from tests.conftest import TEST_PASSWORD
from tests.iot.mqtt import wait_for
from tests.live import HttpSession

pytestmark = pytest.mark.mqtt


def test_serve_runs_broker_ingest_and_demo_lockers(app, world, live_server):
    from portal.core.db import begin_write
    from portal.demo.lockers import DEMO_LOCKERS, seed

    begin_write()
    seed(db.session.merge(world.community), {})
    db.session.commit()
    server = live_server(kind="werkzeug", MQTT_SIMULATE_EVERY_S=3600)
    kiosk = HttpSession(server.url).login(world.kiosk.phone, TEST_PASSWORD)

    def online_lockers():
        status, page, _ = kiosk.get(f"/kiosk/points/{world.point.id}", headers={"HX-Request": "true"})
        assert status == 200
        return len(re.findall(r'class="k-locker is-online"', page))

    # the demo lockers join the world's locker point (the community's first one) next to its own
    wait_for(lambda: online_lockers() == len(DEMO_LOCKERS), timeout=30)
    assert "MQTT: simulating lockers" in server.output()


def test_create_app_starts_no_mqtt(app, database_url):
    import threading

    from portal import create_app
    from tests.conftest import base_config

    before = set(threading.enumerate())
    create_app(base_config(database_url))
    started = {thread.name for thread in set(threading.enumerate()) - before}
    assert not started & {"mqtt-ingest", "mqtt-broker", "locker-demo"}
    assert not any(name.startswith("paho") for name in started)
