"""Group-buy pages served as in production, against a bare Flask page, side by side in one run.

A fresh SQLite database (WAL) gets a community, a leader and 50 open buys with photos, orders
and a resident who joined some of them. Two gunicorn servers (gthread, the same workers and
threads) run at once on it: the portal, and a bare Flask app (bench/bare_groupbuy.py) that
renders the same 50 rows from the same tables with the same card markup, without sessions,
CSRF, translations or navigation. A keep-alive HTTP client with several threads then measures,
in alternating rounds so drift hits both alike:
  - bare:    GET /              (the 50 rows, bare Flask)
  - listing: GET /groupbuy      (the portal's listing page of those 50 buys, logged in)
  - detail:  GET /groupbuy/<id> (one buy with photos, participants and the join form)
Reported: req/s (median of the rounds), p50 and p99 latency and the servers' CPU time per
request (from /proc, steady even when other work shares the machine) for each, and listing/bare
(median of the rounds' ratios; goal ≥ 0.7). BENCH_GROUPBUY_SECONDS (per round, default 3),
BENCH_GROUPBUY_ROUNDS (5), BENCH_GROUPBUY_CLIENTS (8 threads), BENCH_GROUPBUY_WORKERS (2 gunicorn
workers × 4 threads).
"""

import http.client
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
from datetime import timedelta
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench password 1"
SECONDS = float(os.environ.get("BENCH_GROUPBUY_SECONDS", 3))
ROUNDS = int(os.environ.get("BENCH_GROUPBUY_ROUNDS", 5))
CLIENTS = int(os.environ.get("BENCH_GROUPBUY_CLIENTS", 8))
WORKERS = int(os.environ.get("BENCH_GROUPBUY_WORKERS", 2))
THREADS = 4
BUYS = 50
GOAL = 0.7


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, uploads: str) -> dict:
    env = dict(os.environ)
    env.update(
        PORTAL_DATABASE_URL=database_url,
        PORTAL_SECRET_KEY="bench-secret",
        PORTAL_LOG_LEVEL="WARNING",
        PORTAL_PASSWORD_HASH=json.dumps({"time_cost": 1, "memory_cost": 1024, "parallelism": 1}),
        PORTAL_LOGIN_RATE_LIMIT="1000 per minute",
        PORTAL_UPLOAD_FOLDER=uploads,
    )
    for name in ("PORTAL_REDIS_URL", "PORTAL_MQTT_URL"):
        env.pop(name, None)
    return env


# ------------------------------------------------------------------ the world


def make_world(database_url: str, uploads: str) -> dict:
    """Migrate a fresh database and fill it: 50 open buys, 3 photos each on some, orders."""
    os.environ["PORTAL_UPLOAD_FOLDER"] = uploads
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.services import hash_password
    from portal.community.models import Membership, MembershipStatus, Role
    from portal.community.services import create_community
    from portal.core.db import db, utcnow
    from portal.demo.groupbuy import _picture
    from portal.groupbuy.services.buys import BuyInput, create_buy
    from portal.groupbuy.services.joining import join_buy
    from portal.pickup.models import PickupKind, PickupPoint

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret",
            "UPLOAD_FOLDER": uploads,
            "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        community = create_community(
            "基准测试小区", "南京", "", "\n".join(f"{n}栋: 1单元, 2单元" for n in range(1, 9))
        )
        password = hash_password(PASSWORD)
        people = []
        for n in range(12):
            user = User(phone=f"1370000{n:04d}", display_name=f"邻居{n}", password_hash=password)
            db.session.add(user)
            db.session.flush()
            building = community.buildings[n % 8]
            roles = Role.RESIDENT | (Role.LEADER if n == 0 else Role.RESIDENT)
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
            user.active_community_id = community.id
            people.append((user, membership))
        points = [
            PickupPoint(
                community_id=community.id,
                name="3栋一楼自提点",
                kind=PickupKind.STATION,
                opening_hours="每天 08:00–20:00",
            ),
            PickupPoint(
                community_id=community.id,
                name="3栋 智能柜自提点",
                kind=PickupKind.LOCKER,
                opening_hours="全天",
            ),
        ]
        db.session.add_all(points)
        db.session.flush()
        leader_membership = people[0][1]
        kinds = ["peach", "rice", "egg", "veg", "cake", "cherry"]
        categories = ["fresh", "local", "local", "fresh", "handmade", "fresh"]
        now = utcnow()
        buy_ids = []
        for i in range(BUYS):
            deadline = now + timedelta(hours=6 + i * 3)
            buy = create_buy(
                leader_membership,
                BuyInput(
                    title=f"团购商品 {i + 1} 号 · 产地直发 精选好货",
                    unit="份",
                    unit_price_cents=1990 + i * 37,
                    reference_price_cents=2990 + i * 41,
                    min_quantity=10 + i % 7,
                    stock_cap=80 if i % 3 else None,
                    per_person_limit=5,
                    deadline=deadline,
                    pickup_from=deadline + timedelta(hours=12),
                    pickup_until=deadline + timedelta(hours=36),
                    pickup_point_ids=[p.id for p in points],
                    category=categories[i % 6],
                    description="早上采摘，下午到自提点。" * 5,
                    photos=[_picture(kinds[i % 6])] if i < 20 else [],
                ),
            )
            for n, (user, _m) in enumerate(people[1 : 1 + (i % 8)]):
                join_buy(
                    user, buy, 1 + n % 3, "邻居好，一起拼" if n % 2 else "", points[n % 2].id, n % 2 == 0
                )
            buy_ids.append(buy.id)
        db.session.commit()
        resident = people[1][0]
        world = {"resident": resident.phone, "buy_ids": buy_ids, "detail_id": buy_ids[7]}
        db.session.remove()
        db.engine.dispose()
    return world


# ------------------------------------------------------------------ servers and the client


class Server:
    def __init__(self, name: str, app_path: str, env: dict):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(WORKERS),
                "-k",
                "gthread",
                "--threads",
                str(THREADS),
                "--keep-alive",
                "30",
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                app_path,
            ],
            cwd=ROOT_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited: {self.log.read().decode()[-2000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", path)
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn master and its workers (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *self._children()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def _children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def login_cookie(server: Server, phone: str) -> str:
    """Log in through the real form; the session cookie for the measured requests."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = "; ".join(c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [])
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"phone": phone, "password": PASSWORD})
    connection.request(
        "POST",
        "/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "X-CSRFToken": token,
        },
    )
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise RuntimeError(f"login failed: {response.status}")
    cookies = dict(c.split(";")[0].split("=", 1) for c in response.headers.get_all("Set-Cookie") or [])
    jar = dict(c.split("=", 1) for c in cookie.split("; ") if c)
    jar.update(cookies)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def measure_on(server: "Server", path: str, cookie: str | None, seconds: float, expect: bytes) -> dict:
    """measure(), plus the server's CPU milliseconds per request (robust to a busy machine)."""
    before = server.cpu_seconds()
    result = measure(server.port, path, cookie, seconds, expect)
    result["cpu_ms"] = (server.cpu_seconds() - before) * 1000 / max(result["n"], 1)
    return result


def measure(port: int, path: str, cookie: str | None, seconds: float, expect: bytes) -> dict:
    """CLIENTS keep-alive connections requesting `path` for `seconds`; req/s and latencies."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if response.status != 200 or expect not in body:
                errors.append(f"{response.status} {body[:120]!r}")
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(f"{path}: {len(errors)} failed requests, e.g. {errors[0]}")
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "n": len(latencies),
    }


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="linli-bench-groupbuy-")
    database_url = f"sqlite:///{workdir}/bench.sqlite3"
    uploads = f"{workdir}/uploads"
    print(f"world: {BUYS} open buys in {database_url}", flush=True)
    world = make_world(database_url, uploads)
    env = server_env(database_url, uploads)
    portal = Server("portal", "wsgi:app", env)
    bare = Server("bare", "bench.bare_groupbuy:app", {**env, "BENCH_DATABASE_URL": database_url})
    try:
        portal.wait("/login")
        bare.wait("/")
        cookie = login_cookie(portal, world["resident"])
        cases = [
            ("bare", bare, "/", None, b'class="gb-card"'),
            ("listing", portal, "/groupbuy", cookie, b'class="gb-card"'),
            ("detail", portal, f"/groupbuy/{world['detail_id']}", cookie, b'id="gb-panel"'),
        ]
        for _name, server, path, cookie_, expect in cases:  # warm up every worker and cache
            measure(server.port, path, cookie_, 1.0, expect)
        rounds = {name: [] for name, *_ in cases}
        for index in range(ROUNDS):
            ordered = cases if index % 2 == 0 else [cases[1], cases[0], cases[2]]
            for name, server, path, cookie_, expect in ordered:
                rounds[name].append(measure_on(server, path, cookie_, SECONDS, expect))
    finally:
        portal.stop()
        bare.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"gunicorn gthread, {WORKERS} workers × {THREADS} threads each; {CLIENTS} keep-alive clients; "
        f"{ROUNDS} rounds × {SECONDS:g} s, alternating; SQLite (WAL)"
    )
    print(f"{'page':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU ms/req':>12}{'requests':>10}")
    cpu = {}
    for name, results in rounds.items():
        rps = statistics.median(r["rps"] for r in results)
        p50 = statistics.median(r["p50"] for r in results)
        p99 = statistics.median(r["p99"] for r in results)
        cpu[name] = statistics.median(r["cpu_ms"] for r in results)
        total = sum(r["n"] for r in results)
        print(f"{name:<10}{rps:>10.1f}{p50:>10.1f}{p99:>10.1f}{cpu[name]:>12.2f}{total:>10}")
    # each round's listing against the bare page measured right next to it, then the median
    ratios = [
        listing["rps"] / bare["rps"] for listing, bare in zip(rounds["listing"], rounds["bare"], strict=True)
    ]
    ratio = statistics.median(ratios)
    detail = statistics.median(
        d["rps"] / b["rps"] for d, b in zip(rounds["detail"], rounds["bare"], strict=True)
    )
    print(
        f"listing / bare = {ratio:.2f} req/s (goal ≥ {GOAL}; per round: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}); detail / bare = {detail:.2f}"
    )
    print(
        f"server CPU per request, bare / listing = {cpu['bare'] / cpu['listing']:.2f} "
        f"(the ratio an otherwise idle machine would show); "
        f"bare / detail = {cpu['bare'] / cpu['detail']:.2f}"
    )
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
