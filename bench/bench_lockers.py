"""Locker MQTT ingest: throughput against a bare paho subscriber, and event → kiosk latency.

1. Throughput. Rounds of 900 locker messages (90 % compartment states that each change a door,
   10 % door alarms) are queued on the broker for a persistent session, then drained: once by a
   bare paho subscriber that only counts, once by the portal's ingest, which validates, stores
   (one transaction per batch, acknowledging after the commit) and pushes to the board's room.
   900 stays under Mosquitto's default queue of 1000 messages per client (for BENCH_BROKER=system).
   Reported: messages/s of each (median of the rounds) and their ratio (goal ≥ 0.5).
2. Latency. `flask serve` runs with its in-process ingest against the same broker; a Socket.IO
   client logged in as the pickup point's kiosk watches the board's room; a locker publishes
   compartment states at 200 messages/s. Each push names the locker's latest seq applied, so
   every message's latency is (first push covering its seq) − (publish time). Reported: p50,
   p99 (goal p99 < 250 ms).

Broker: a Mosquitto of the bench's own with the production configuration (deploy/mosquitto:
logins, topic ACL, 1000 messages in flight, so the ingest can take a backlog in big batches);
BENCH_BROKER=system uses the machine's broker at 127.0.0.1:1883 as it is configured (Mosquitto's
default of 20 in flight makes the ingest acknowledge the first 20 of a backlog before it gets
more), BENCH_BROKER=embedded the amqtt broker of `make run`; without Mosquitto, amqtt.
`python -m bench lockers`; BENCH_ROUNDS, BENCH_LATENCY_S change the sizes, BENCH_DATABASE_URL
the database (SQLite in a temporary folder by default).
"""

import asyncio
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "bench-secret"
USER_PASSWORD = "bench password 1"
PER_ROUND = 900
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 11))  # the machine is shared: medians of many
LATENCY_S = float(os.environ.get("BENCH_LATENCY_S", 15))
RATE = 200
COMPARTMENTS = [f"A{n:02d}" for n in range(1, 9)]
DEVICE = "bench-1"
PORTAL_USER = "linli-portal"
DEPLOY = ROOT_DIR / "deploy" / "mosquitto"


# ------------------------------------------------------------------ broker and world


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    kind: str
    shared: bool  # other clients use it too: each phase takes a topic root of its own

    def root(self) -> str:
        return f"bench-{uuid.uuid4().hex[:8]}" if self.shared else "linli"


@contextmanager
def broker():
    """A Mosquitto of the bench's own, started with deploy/mosquitto/linli.conf (logins, the
    topic ACL, queue and in-flight limits as in production) on a free port; with
    BENCH_BROKER=system the machine's broker at 127.0.0.1:1883 as it is configured (Mosquitto's
    default allows 20 messages in flight per client); the embedded amqtt broker where there is no
    Mosquitto (or BENCH_BROKER=embedded)."""
    wanted = os.environ.get("BENCH_BROKER", "deploy")
    binary, passwd = shutil.which("mosquitto") or "/usr/sbin/mosquitto", shutil.which("mosquitto_passwd")
    if wanted == "system" and answers("127.0.0.1", 1883):
        yield Broker("127.0.0.1", 1883, "the machine's mosquitto (its own configuration)", True)
    elif wanted != "embedded" and Path(binary).exists() and passwd:
        with deployed_mosquitto(binary, passwd) as port:
            yield Broker("127.0.0.1", port, "mosquitto with deploy/mosquitto/linli.conf", False)
    else:
        from portal.iot.broker import EmbeddedBroker

        embedded = EmbeddedBroker("127.0.0.1", free_port(), check=lambda u, p: p == PASSWORD).start()
        try:
            yield Broker(embedded.host, embedded.port, "amqtt (embedded)", True)
        finally:
            embedded.stop()


@contextmanager
def deployed_mosquitto(binary: str, passwd: str):
    """Mosquitto with the production configuration; the portal's user and the bench locker's."""
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-mosquitto-"))
    folder.chmod(0o755)  # started as root, mosquitto reads its files as its own user
    port = free_port()
    password_file = folder / "linli.passwd"
    for flags, user in ((["-c"], PORTAL_USER), ([], DEVICE)):
        subprocess.run([passwd, *flags, "-b", str(password_file), user, PASSWORD], check=True)
    password_file.chmod(0o644)
    conf = (
        (DEPLOY / "linli.conf")
        .read_text()
        .replace("listener 1883", f"listener {port} 127.0.0.1")
        .replace("/etc/mosquitto/linli.passwd", str(password_file))
        .replace("/etc/mosquitto/linli.acl", str(DEPLOY / "linli.acl"))
        .replace("/var/lib/mosquitto/", f"{folder}/")
    )
    (folder / "linli.conf").write_text(conf)
    process = subprocess.Popen([binary, "-c", str(folder / "linli.conf")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not answers("127.0.0.1", port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the bench's Mosquitto did not start")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def config(database_url: str) -> dict:
    return {
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": None,
    }


def make_world(app) -> dict:
    """A community with a locker pickup point, its locker and a kiosk login."""
    from flask_migrate import upgrade

    from portal.accounts.models import User
    from portal.accounts.services import hash_password
    from portal.community.models import Membership, MembershipStatus, Role
    from portal.community.services import create_community
    from portal.core.db import db, utcnow
    from portal.lockers.models import KioskDevice
    from portal.lockers.services import register_locker
    from portal.pickup.models import PickupKind, PickupPoint

    with app.app_context():
        upgrade(revision="heads")
        community = create_community("基准小区", "南京", "", "1栋: 1单元")
        point = PickupPoint(community_id=community.id, name="基准自提点", kind=PickupKind.LOCKER)
        db.session.add(point)
        db.session.flush()
        locker, _ = register_locker(point, DEVICE, "A柜", ",".join(COMPARTMENTS))
        kiosk = User(
            phone="19900000001",
            display_name="屏幕",
            password_hash=hash_password(USER_PASSWORD),
            is_device=True,
            active_community_id=community.id,
        )
        db.session.add(kiosk)
        db.session.flush()
        db.session.add(
            Membership(
                user_id=kiosk.id,
                community_id=community.id,
                roles=Role.KIOSK,
                status=MembershipStatus.ACTIVE,
                decided_at=utcnow(),
            )
        )
        db.session.add(KioskDevice(user_id=kiosk.id, pickup_point_id=point.id))
        db.session.commit()
        world = {"point": point.id, "locker": locker.id, "kiosk_phone": kiosk.phone}
        db.session.remove()
        return world


# ------------------------------------------------------------------ messages


class Locker:
    """Builds the bench locker's messages with growing seqs."""

    def __init__(self, root: str):
        self.base = f"{root}/v1/lockers/{DEVICE}"
        self.seq = 0
        self.doors = dict.fromkeys(COMPARTMENTS, "closed")

    def status(self) -> tuple[str, bytes]:
        self.seq += 1
        return f"{self.base}/status", json.dumps(
            {
                "online": True,
                "boot": "benchboot001",
                "fw": "1.4.2",
                "seq": self.seq,
                "compartments": [{"id": c, "size": "M", "cold": False} for c in COMPARTMENTS],
            }
        ).encode()

    def state(self) -> tuple[str, bytes]:
        self.seq += 1
        comp = COMPARTMENTS[self.seq % len(COMPARTMENTS)]
        self.doors[comp] = "open" if self.doors[comp] == "closed" else "closed"
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return f"{self.base}/compartments/{comp}", json.dumps(
            {
                "seq": self.seq,
                "ts": ts,
                "door": self.doors[comp],
                "occupied": False,
                "temp_c": None,
                "fault": None,
            }
        ).encode()

    def alarm(self) -> tuple[str, bytes]:
        self.seq += 1
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        comp = COMPARTMENTS[self.seq % len(COMPARTMENTS)]
        return f"{self.base}/events", json.dumps(
            {"id": str(uuid.uuid4()), "seq": self.seq, "ts": ts, "type": "door_alarm", "comp": comp}
        ).encode()

    def mix(self, count: int) -> list[tuple[str, bytes]]:
        return [self.alarm() if n % 10 == 9 else self.state() for n in range(count)]


def client(host, port, client_id=None, clean=True, username=PORTAL_USER) -> mqtt.Client:
    paho = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"b-{uuid.uuid4().hex[:10]}",
        clean_session=clean,
        protocol=mqtt.MQTTv311,
    )
    paho.username_pw_set(username, PASSWORD)
    paho.max_inflight_messages_set(100)
    connected = threading.Event()
    paho.on_connect = lambda *args: connected.set()
    paho.connect(host, port, keepalive=30)
    paho.loop_start()
    if not connected.wait(10):
        raise RuntimeError("no CONNACK")
    return paho


def publish_all(host, port, messages) -> None:
    publisher = client(host, port, username=DEVICE)
    infos = [publisher.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    publisher.disconnect()
    publisher.loop_stop()


# ------------------------------------------------------------------ 1. throughput


def bare_round(host, port, root, messages) -> float:
    """Messages/s a paho subscriber that only counts drains from its queued session."""
    client_id = f"bench-bare-{uuid.uuid4().hex[:8]}"
    sub = client(host, port, client_id, clean=False)
    sub.subscribe(f"{root}/v1/lockers/#", qos=1)
    time.sleep(0.3)
    sub.disconnect()
    sub.loop_stop()
    publish_all(host, port, messages)
    times: list[float] = []
    done = threading.Event()

    def on_message(c, u, m):
        times.append(time.perf_counter())
        if len(times) == len(messages):
            done.set()

    sub = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False, protocol=mqtt.MQTTv311
    )
    sub.username_pw_set(PORTAL_USER, PASSWORD)
    sub.on_message = on_message
    sub.connect(host, port)
    sub.loop_start()
    if not done.wait(120):
        raise RuntimeError(f"bare subscriber got {len(times)} of {len(messages)}")
    sub.disconnect()
    sub.loop_stop()
    forget(host, port, client_id)
    return (len(times) - 1) / (times[-1] - times[0])


def timed_ingest(app, url, root, client_id, target=0):
    """The portal's ingest, noting when it read its first message and when it had applied
    `target` of them (an event, so the bench waits without polling: a thread waking every
    millisecond would take the interpreter lock from the ingest it measures)."""
    from portal.iot.client import Ingest
    from portal.lockers.ingest import LockerHandlers

    class TimedIngest(Ingest):
        first_at = None
        settled_at = None
        finished = threading.Event()

        def _take(self, item):
            if self.first_at is None:
                self.first_at = time.perf_counter()
            super()._take(item)

        def _apply(self, items):
            super()._apply(items)
            # (retained states the broker sends again on subscribing are stale, not applied)
            if target and self.counters["applied"] >= target and self.settled_at is None:
                self.settled_at = time.perf_counter()
                self.finished.set()

    return TimedIngest(app, LockerHandlers(), url=url, topic_root=root, client_id=client_id)


def ingest_round(app, host, port, root, messages) -> tuple[float, dict]:
    """Messages/s the portal's ingest drains, validated, stored and pushed."""
    client_id = f"bench-ingest-{uuid.uuid4().hex[:8]}"
    url = f"mqtt://{PORTAL_USER}:{PASSWORD}@{host}:{port}"
    first = timed_ingest(app, url, root, client_id).start()
    first.wait_connected(10)
    time.sleep(0.3)
    first.stop()
    publish_all(host, port, messages)
    target = len(messages)
    ingest = timed_ingest(app, url, root, client_id, target).start()
    if not ingest.finished.wait(120):
        raise RuntimeError(f"ingest applied {ingest.counters['applied']} of {target} in 120 s")
    snapshot = ingest.counters.snapshot()
    rate = (target - 1) / (ingest.settled_at - ingest.first_at)
    ingest.stop()
    forget(host, port, client_id)
    return rate, snapshot


def forget(host, port, client_id) -> None:
    c = client(host, port, client_id, clean=True)
    c.disconnect()
    c.loop_stop()


def throughput(app, host, port, root) -> dict:
    locker = Locker(root)
    publish_all(host, port, [locker.status()])
    from portal.iot.client import Ingest
    from portal.lockers.ingest import LockerHandlers

    warm = Ingest(
        app,
        LockerHandlers(),
        url=f"mqtt://{PORTAL_USER}:{PASSWORD}@{host}:{port}",
        topic_root=root,
        client_id=f"bench-warm-{uuid.uuid4().hex[:6]}",
    ).start()
    warm.wait_connected(10)
    time.sleep(1)  # the retained status: the locker is known and online
    warm.stop()
    forget(host, port, warm.client_id)
    bare, portal, snapshots = [], [], []
    for _ in range(ROUNDS):
        bare.append(bare_round(host, port, root, locker.mix(PER_ROUND)))
        rate, snapshot = ingest_round(app, host, port, root, locker.mix(PER_ROUND))
        portal.append(rate)
        snapshots.append(snapshot)
    return {
        "bare_msgs_per_s": statistics.median(bare),
        "ingest_msgs_per_s": statistics.median(portal),
        "ratio": statistics.median(portal) / statistics.median(bare),
        "paired_ratio": statistics.median(p / b for p, b in zip(portal, bare, strict=True)),
        "rounds": ROUNDS,
        "per_round": PER_ROUND,
        "bare_all": [round(r) for r in bare],
        "ingest_all": [round(r) for r in portal],
        "last_counters": {
            k: snapshots[-1][k] for k in ("applied", "pushed", "batches", "errors", "malformed")
        },
    }


# ------------------------------------------------------------------ 2. latency


def serve(database_url, host, port, root) -> tuple[subprocess.Popen, str]:
    http_port = free_port()
    env = dict(os.environ)
    env.update(
        PORTAL_DATABASE_URL=database_url,
        PORTAL_SECRET_KEY="bench-secret",
        PORTAL_LOG_LEVEL="WARNING",
        PORTAL_PASSWORD_HASH=json.dumps({"time_cost": 1, "memory_cost": 1024, "parallelism": 1}),
        PORTAL_MQTT_URL=f"mqtt://{PORTAL_USER}:{PASSWORD}@{host}:{port}",
        PORTAL_MQTT_TOPIC_ROOT=root,
        PORTAL_MQTT_CLIENT_ID=f"bench-serve-{uuid.uuid4().hex[:8]}",
        PORTAL_LOGIN_RATE_LIMIT="1000 per minute",
    )
    env.pop("PORTAL_REDIS_URL", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "serve", "--port", str(http_port)],
        cwd=ROOT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/login", timeout=2).read()
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("flask serve did not start")


def login_cookie(url: str, phone: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + "/login").read().decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"phone": phone, "password": USER_PASSWORD}).encode()
    request = urllib.request.Request(url + "/login", data=data, headers={"X-CSRFToken": token})
    opener.open(request).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def watch(
    url: str, cookie: str, room: str, received: list, ready: threading.Event, stop: threading.Event
):
    """A minimal Socket.IO (Engine.IO 4) client over websockets: join the room, note each push."""
    import websockets

    ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(ws_url, additional_headers={"Cookie": cookie}) as ws:
        await ws.recv()  # open
        await ws.send("40")
        await ws.recv()  # connected to the namespace
        await ws.send("421" + json.dumps(["watch", {"rooms": [room]}]))
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            except websockets.ConnectionClosed:
                return
            now = time.perf_counter()
            if message == "2":
                await ws.send("3")
            elif message.startswith("431"):
                if room in json.loads(message[3:])[0]["joined"]:
                    ready.set()
            elif message.startswith("42"):
                name, payload = json.loads(message[2:])
                if name == "portal" and payload.get("locker") == DEVICE:
                    received.append((now, payload.get("seq") or 0))


def latency(database_url, world, host, port, root) -> dict:
    process, url = serve(database_url, host, port, root)
    received: list = []
    ready, stop = threading.Event(), threading.Event()
    try:
        cookie = login_cookie(url, world["kiosk_phone"])
        thread = threading.Thread(
            target=lambda: asyncio.run(watch(url, cookie, f"pickup:{world['point']}", received, ready, stop)),
            daemon=True,
        )
        thread.start()
        if not ready.wait(15):
            raise RuntimeError("the kiosk socket could not join the board's room")
        locker = Locker(root)
        locker.seq = 10_000_000  # newer than anything the throughput rounds applied
        publisher = client(host, port, username=DEVICE)
        publisher.publish(*locker.status(), qos=1).wait_for_publish(10)
        time.sleep(1.0)
        sent: dict[int, float] = {}
        count = int(LATENCY_S * RATE)
        start = time.perf_counter()
        for n in range(count):
            due = start + n / RATE
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            topic, payload = locker.state()
            sent[locker.seq] = time.perf_counter()
            publisher.publish(topic, payload, qos=1)
        elapsed = time.perf_counter() - start
        time.sleep(2.0)
        publisher.disconnect()
        publisher.loop_stop()
    finally:
        stop.set()
        process.terminate()
        process.wait(10)
    pushes = sorted(received)
    latencies, missed, index = [], 0, 0
    for seq, published in sorted(sent.items()):
        while index < len(pushes) and pushes[index][1] < seq:
            index += 1
        if index == len(pushes):
            missed += 1
            continue
        covering = next((t for t, s in pushes[index:] if s >= seq and t >= published), None)
        if covering is None:
            missed += 1
        else:
            latencies.append((covering - published) * 1000)
    warm = latencies[RATE:] or latencies  # leave out the first second
    quantiles = statistics.quantiles(warm, n=100)
    return {
        "rate_sent": round(count / elapsed, 1),
        "messages": count,
        "pushes": len(pushes),
        "p50_ms": round(statistics.median(warm), 1),
        "p99_ms": round(quantiles[98], 1),
        "max_ms": round(max(warm), 1),
        "not_pushed": missed,
    }


# ------------------------------------------------------------------ main


def main() -> int:
    sys.path.insert(0, str(ROOT_DIR))
    from portal import create_app
    from portal.lockers.runtime import settle_heap

    with tempfile.TemporaryDirectory() as tmp, broker() as mq:
        host, port = mq.host, mq.port
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(config(database_url))
        world = make_world(app)
        settle_heap()  # as the ingest's start-up in `flask serve` and `flask lockers ingest` does
        print(f"broker: {mq.kind} at {host}:{port}; database: {database_url.split(':')[0]}", flush=True)
        result = throughput(app, host, port, mq.root())
        print(
            f"throughput ({result['rounds']} rounds of {result['per_round']} messages, median):", flush=True
        )
        print(f"  bare paho subscriber   {result['bare_msgs_per_s']:8.0f} msg/s   {result['bare_all']}")
        print(f"  portal ingest          {result['ingest_msgs_per_s']:8.0f} msg/s   {result['ingest_all']}")
        print(
            f"  ratio ingest / bare    {result['ratio']:8.2f}   (goal ≥ 0.5; median of each round's own "
            f"ratio {result['paired_ratio']:.2f})",
            flush=True,
        )
        print(f"  last ingest round: {result['last_counters']}", flush=True)
        print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        lat = latency(database_url, world, host, port, mq.root())
        print(
            f"latency locker event → kiosk socket at {lat['rate_sent']} msg/s "
            f"({lat['messages']} messages, {lat['pushes']} pushes):"
        )
        print(
            f"  p50 {lat['p50_ms']} ms   p99 {lat['p99_ms']} ms   max {lat['max_ms']} ms   "
            f"(goal p99 < 250 ms; not pushed: {lat['not_pushed']})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
