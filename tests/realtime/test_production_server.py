"""The production web process (gunicorn's gevent worker, deploy/web/gunicorn.conf.py) holds
hundreds of open Socket.IO connections while every page answers; pushes made in any process —
another web process, the separate ingest, the sweeper — reach them through Redis; a process that
runs apart from the web without Redis refuses to start."""

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from portal.community.models import Role
from portal.core.db import db, utcnow
from tests.conftest import TEST_PASSWORD, require_service
from tests.groupbuy.helpers import make_buy, make_point
from tests.live import HttpSession, server_env
from tests.sockets import Sockets

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
REDIS_URL = "redis://127.0.0.1:6379/0"
PAGES = ["/", "/groupbuy", "/groupbuy/orders", "/neighbors", "/boards", "/events", "/points"]


@pytest.fixture
def hood(make):
    community = make.community()
    point = make_point(community)
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    resident = make.member(community, make.user("王阿姨")).user
    buy = make_buy(leader, [point], min_quantity=2)
    return community, point, resident, buy


@pytest.fixture
def redis_channel():
    """Redis, and a message channel of this test's own (test runs share the server)."""
    require_service("Redis", "127.0.0.1", 6379)
    return f"linli-test-{uuid.uuid4().hex[:10]}"


def _join(session: HttpSession, buy) -> None:
    status, text, _ = session.post(f"/groupbuy/{buy.id}/join", {"quantity": "1", "note": ""})
    assert status in (200, 303), text[:300]


def test_two_hundred_open_sockets_while_every_page_answers(live_server, hood):
    community, _point, resident, buy = hood
    server = live_server(kind="production")
    phone = HttpSession(server.url).login(resident.phone, TEST_PASSWORD)
    rooms = [f"groupbuy:{community.id}"]  # the community's buy pages
    with Sockets(server.url, phone.cookie_header(), count=200, rooms=rooms) as sockets:
        assert sockets.errors == [] and sockets.connected == 200
        for path in [*PAGES, f"/groupbuy/{buy.id}"]:
            status, page, _ = phone.get(path)
            assert status == 200 and "<html" in page, path
        _join(phone, buy)  # my join is pushed to every buy page open in the community
        arrivals = sockets.wait_for(lambda event: event == {"type": "groupbuy", "id": buy.id})
        assert len(arrivals) == 200 and sockets.connected == 200


@pytest.mark.redis
def test_a_push_made_in_one_web_process_reaches_sockets_of_another(live_server, hood, redis_channel):
    community, _point, resident, buy = hood
    config = {"REDIS_URL": REDIS_URL, "SOCKETIO_CHANNEL": redis_channel}
    web_a, web_b = live_server(kind="production", **config), live_server(kind="production", **config)
    on_b = HttpSession(web_b.url).login(resident.phone, TEST_PASSWORD)
    with Sockets(web_b.url, on_b.cookie_header(), count=5, rooms=[f"groupbuy:{community.id}"]) as sockets:
        _join(HttpSession(web_a.url).login(resident.phone, TEST_PASSWORD), buy)
        assert len(sockets.wait_for(lambda event: event == {"type": "groupbuy", "id": buy.id})) == 5


@pytest.mark.redis
def test_the_sweeper_process_pushes_to_the_web_through_redis(live_server, hood, redis_channel, database_url):
    _community, _point, resident, buy = hood
    config = {"REDIS_URL": REDIS_URL, "SOCKETIO_CHANNEL": redis_channel}
    web = live_server(kind="production", **config)
    phone = HttpSession(web.url).login(resident.phone, TEST_PASSWORD)
    _join(phone, buy)
    with Sockets(web.url, phone.cookie_header(), count=3) as sockets:
        db.session.rollback()
        buy.deadline = utcnow() - timedelta(seconds=1)  # the buy's time is up …
        db.session.commit()
        sweeper = subprocess.Popen(  # … and the sweeper, its own process, closes it
            [FLASK, "--app", "wsgi", "groupbuy", "sweeper", "--interval", "1"],
            cwd=ROOT,
            env=server_env(database_url, **config),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            sockets.wait_for(lambda event: event == {"type": "notification"}, timeout=30)  # "it failed"
        finally:
            sweeper.terminate()
            sweeper.communicate(timeout=60)


@pytest.mark.redis
@pytest.mark.mqtt
def test_the_ingest_process_pushes_to_the_kiosk_board_through_redis(
    live_server, make, redis_channel, database_url, mqtt_broker, root, sim
):
    from tests.lockers.conftest import build_locker_world

    world = build_locker_world(make)
    order = world.order()
    config = {"REDIS_URL": REDIS_URL, "SOCKETIO_CHANNEL": redis_channel}
    web = live_server(kind="production", **config)
    kiosk = HttpSession(web.url).login(world.kiosk.phone, TEST_PASSWORD)
    client_id = f"portal-{uuid.uuid4().hex[:8]}"
    ingest = subprocess.Popen(
        [FLASK, "--app", "wsgi", "lockers", "ingest"],
        cwd=ROOT,
        env=server_env(
            database_url, MQTT_URL=mqtt_broker.url(), MQTT_TOPIC_ROOT=root, MQTT_CLIENT_ID=client_id, **config
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        with Sockets(web.url, kiosk.cookie_header(), count=3, rooms=[f"pickup:{world.point.id}"]) as board:
            locker = sim(world.locker.device_id)
            locker.deposit("A01", order.reference)  # the courier puts the parcel in
            board.wait_for(lambda event: event.get("type") == "locker", timeout=30)
    finally:
        ingest.terminate()
        ingest.communicate(timeout=60)


@pytest.mark.parametrize(
    "command",
    [["groupbuy", "sweeper"], ["groupbuy", "sweep"], ["events", "reminders"], ["events", "remind"],
     ["lockers", "ingest"]],
)
def test_a_process_apart_from_the_web_refuses_to_start_without_redis(database_url, command):
    env = server_env(database_url)
    env.pop("PORTAL_REDIS_URL", None)
    result = subprocess.run(
        [FLASK, "--app", "wsgi", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "PORTAL_REDIS_URL is not set" in result.stderr
    assert "--no-pushes" in result.stderr


def test_told_that_nobody_needs_its_pushes_it_runs(database_url):
    env = server_env(database_url)
    env.pop("PORTAL_REDIS_URL", None)
    result = subprocess.run(
        [FLASK, "--app", "wsgi", "groupbuy", "sweep", "--no-pushes"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and '"succeeded": 0' in result.stdout
