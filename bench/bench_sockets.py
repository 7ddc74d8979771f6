"""Open Socket.IO connections on the production web process (deploy/web/gunicorn.conf.py: one
gevent worker), as a pickup point's kiosk boards and phones keep them in the evening.

A fresh database (PostgreSQL at 127.0.0.1:5432, a database of its own; SQLite when none answers,
or BENCH_DATABASE_URL) gets a community, 50 open buys, a pickup point and its kiosk screen. The
server starts; the group-buy listing's latency is measured with no socket open (the baseline);
then for N = 100, 1,000 and 3,000 (BENCH_SOCKETS_COUNTS) real Socket.IO clients (python-socketio
over WebSocket, logged in as the kiosk) join the kiosk room, and the bench reports:
  - connected: how many of the N are connected;
  - RSS: the web worker's resident memory;
  - fan-out: an admin posts an announcement, which pushes to the kiosk room; the time from the
    request until each client has the push, p50/p99 over all clients of BENCH_SOCKETS_PUSHES pushes;
  - listing p99 while the N sockets stay open, against the baseline.
Summary: `sockets: C/1000 connected, fan-out p99 F ms, listing p99 L ms with sockets vs I ms without`.
Goal: 1000/1000, F < 500, L ≤ 2 × I. The clients run in this process (one asyncio loop), so
their own work is part of the fan-out time.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COUNTS = [int(n) for n in os.environ.get("BENCH_SOCKETS_COUNTS", "100,1000,3000").split(",")]
PUSHES = int(os.environ.get("BENCH_SOCKETS_PUSHES", 10))
REQUESTS = int(os.environ.get("BENCH_SOCKETS_REQUESTS", 200))
PASSWORD = "bench password 1"
PG = ("127.0.0.1", 5432)


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


def fresh_database(tmp: str) -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if not answers(*PG):
        return f"sqlite:///{tmp}/bench-sockets.sqlite3"
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS linli_bench_sockets WITH (FORCE)")
        conn.execute("CREATE DATABASE linli_bench_sockets")
    return "postgresql+psycopg://postgres@127.0.0.1:5432/linli_bench_sockets"


def config(database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "LOG_LEVEL": "WARNING",
    }


def make_world(database_url: str) -> dict:
    """Migrate and fill: a community, 50 open buys, a locker pickup point, its kiosk, an admin."""
    from datetime import timedelta

    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.services import hash_password
    from portal.community.models import Membership, MembershipStatus, Role
    from portal.community.services import create_community
    from portal.core.db import db, utcnow
    from portal.groupbuy.services.buys import BuyInput, create_buy
    from portal.lockers.models import KioskDevice
    from portal.pickup.models import PickupKind, PickupPoint

    app = create_app(config(database_url))
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        community = create_community("基准测试小区", "南京", "", "1栋: 1单元\n2栋: 1单元")
        password = hash_password(PASSWORD)
        people = {}
        for phone, name, roles in (
            ("13700000001", "物业 周经理", Role.RESIDENT | Role.ADMIN),
            ("13700000002", "团长 李姐", Role.RESIDENT | Role.LEADER),
            ("13700000003", "王阿姨", Role.RESIDENT),
            ("13700000009", "3栋自提点屏幕", Role.KIOSK),
        ):
            user = User(phone=phone, display_name=name, password_hash=password, is_device=roles == Role.KIOSK)
            user.active_community_id = community.id
            db.session.add(user)
            db.session.flush()
            building = community.buildings[0]
            membership = Membership(
                user_id=user.id,
                community_id=community.id,
                roles=roles,
                status=MembershipStatus.ACTIVE,
                building_id=building.id,
                unit_id=building.units[0].id,
                decided_at=utcnow(),
            )
            db.session.add(membership)
            db.session.flush()
            people[phone] = (user, membership)
        point = PickupPoint(community_id=community.id, name="3栋 智能柜自提点", kind=PickupKind.LOCKER)
        db.session.add(point)
        db.session.flush()
        db.session.add(KioskDevice(user_id=people["13700000009"][0].id, pickup_point_id=point.id))
        now = utcnow()
        for n in range(50):
            deadline = now + timedelta(days=1, hours=n)
            create_buy(
                people["13700000002"][1],
                BuyInput(
                    title=f"时令好物 {n + 1}",
                    unit="箱",
                    unit_price_cents=1990 + n,
                    min_quantity=10,
                    deadline=deadline,
                    pickup_from=deadline + timedelta(days=1),
                    pickup_until=deadline + timedelta(days=2),
                    pickup_point_ids=[point.id],
                ),
            )
        db.session.commit()
        return {"point": point.id}


class Http:
    """A keep-alive client that logs in, keeps the session cookie and posts with the CSRF token."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie_header()}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.csrf})
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def login(self, phone: str) -> "Http":
        import re

        _status, page = self.request("GET", "/login")
        self.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", {"phone": phone, "password": PASSWORD})
        assert status == 303, status
        _status, page = self.request("GET", "/")
        self.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        return self


def listing_p99(http: Http) -> float:
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        status, _ = http.request("GET", "/groupbuy")
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return percentile(times, 99)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else master


def fan_out(admin: Http, sockets, point_id: int) -> list[float]:
    """Latencies (ms) from each announcement's request until each client has its push."""
    latencies = []
    for k in range(1, PUSHES + 1):
        before = [len(got) for got in sockets.events]
        sent = time.monotonic()
        status, _ = admin.request(
            "POST", "/admin/kiosks/announcements", {"pickup_point_id": point_id, "text": f"第 {k} 条通知"}
        )
        assert status in (200, 303), status
        deadline = sent + 30
        while any(len(got) <= b for got, b in zip(sockets.events, before, strict=True)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        latencies += [
            (got[b][0] - sent) * 1000 for got, b in zip(sockets.events, before, strict=True) if len(got) > b
        ]
    return latencies


def main() -> int:
    sys.path.insert(0, str(ROOT_DIR))
    from tests.sockets import Sockets

    with tempfile.TemporaryDirectory() as tmp:
        database_url = fresh_database(tmp)
        world = make_world(database_url)
        port = free_port()
        env = dict(os.environ)
        settings = config(database_url)
        env.update({f"PORTAL_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in settings.items()})
        env["PORTAL_BIND"] = f"127.0.0.1:{port}"
        for name in ("PORTAL_REDIS_URL", "PORTAL_MQTT_URL"):
            env.pop(name, None)
        web = ["-c", "deploy/web/gunicorn.conf.py", "--log-level", "warning", "wsgi:app"]
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), *web],
            cwd=ROOT_DIR,
            env=env,
        )
        try:
            for _ in range(100):
                if answers("127.0.0.1", port):
                    break
                time.sleep(0.2)
            url = f"http://127.0.0.1:{port}"
            resident, admin = Http(port).login("13700000003"), Http(port).login("13700000001")
            kiosk = Http(port).login("13700000009")
            print(f"database: {database_url.split(':')[0]}; server: gunicorn gevent worker; url {url}")
            idle = listing_p99(resident)
            print(f"  listing p99 with no socket open: {idle:.1f} ms ({REQUESTS} requests)")
            rows = {}
            for count in COUNTS:
                started = time.monotonic()
                room = f"pickup:{world['point']}"
                with Sockets(url, kiosk.cookie_header(), count, rooms=[room]) as sockets:
                    took = time.monotonic() - started
                    connected = sockets.connected
                    rss = rss_mib(worker_pid(server.pid))
                    latencies = fan_out(admin, sockets, world["point"])
                    busy = listing_p99(resident)
                row = {
                    "connected": connected,
                    "rss": rss,
                    "p50": statistics.median(latencies) if latencies else float("nan"),
                    "p99": percentile(latencies, 99) if latencies else float("nan"),
                    "listing": busy,
                    "delivered": len(latencies) / (count * PUSHES),
                }
                rows[count] = row
                print(
                    f"  {count:5d} clients: {connected}/{count} connected in {took:.1f} s, "
                    f"RSS {rss:.0f} MiB, "
                    f"fan-out p50 {row['p50']:.0f} ms p99 {row['p99']:.0f} ms "
                    f"({row['delivered']:.0%} of {PUSHES} pushes arrived), listing p99 {busy:.1f} ms",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(30)
    main_row = rows.get(1000) or rows[max(rows)]
    n = 1000 if 1000 in rows else max(rows)
    print(
        f"sockets: {main_row['connected']}/{n} connected, fan-out p99 {main_row['p99']:.0f} ms, "
        f"listing p99 {main_row['listing']:.0f} ms with sockets vs {idle:.0f} ms without"
    )
    ok = main_row["connected"] == n and main_row["p99"] < 500 and main_row["listing"] <= 2 * idle
    return 0 if ok else 1
