"""A real running portal for tests that need concurrency or a browser, and a tiny HTTP client.

`LiveServer(database_url).start()` runs gunicorn (several worker processes, threads), the
production web process (gunicorn's gevent worker, deploy/web/gunicorn.conf.py) or the
Socket.IO-capable development server against the test's database; `HttpSession` logs in and
posts forms with the CSRF token, as a browser would.
"""

import http.cookiejar
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free port below the kernel's ephemeral range (32768–60999), so that no outgoing
    connection (to PostgreSQL, Redis, the broker: thousands in a test run) can take it between
    this check and the server's bind; a server that still loses the race is started again."""
    while True:
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def server_env(database_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        PORTAL_DATABASE_URL=database_url,
        PORTAL_SECRET_KEY="test-secret",
        PORTAL_PASSWORD_HASH=json.dumps({"time_cost": 1, "memory_cost": 1024, "parallelism": 1}),
        PORTAL_LOGIN_RATE_LIMIT="10000 per minute",
        PORTAL_LOG_LEVEL="WARNING",
        PORTAL_UPLOAD_FOLDER=os.path.join(tempfile.gettempdir(), "linli-live-uploads"),
    )
    env.update({f"PORTAL_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()})
    return env


class LiveServer:
    def __init__(self, database_url: str, kind: str = "gunicorn", workers: int = 4,
                 threads: int = 8, **config):
        self.database_url = database_url
        self.kind = kind
        self.workers = workers
        self.threads = threads
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def command(self) -> list[str]:
        if self.kind == "production":
            config = "deploy/web/gunicorn.conf.py"  # binds to PORTAL_BIND
            return [str(BIN / "gunicorn"), "-c", config, "--log-level", "warning", "wsgi:app"]
        if self.kind == "gunicorn":
            return [
                str(BIN / "gunicorn"), "-w", str(self.workers),
                "-k", "gthread", "--threads", str(self.threads),
                "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app",
            ]
        return [str(BIN / "flask"), "--app", "wsgi", "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self, timeout: float = 90) -> "LiveServer":
        """Start the server and wait until it answers; the timeout only bounds a server that
        hangs (starting takes a few seconds, more on a loaded machine)."""
        for _attempt in range(3):
            self._spawn()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    output = self.output()
                    self.stop()
                    if "in use" in output:  # the port was taken after free_port() checked it
                        self.port = free_port()
                        self.url = f"http://127.0.0.1:{self.port}"
                        break
                    raise RuntimeError("server exited: " + output[-2000:])
                try:
                    with urllib.request.urlopen(self.url + "/login", timeout=10):
                        return self
                except (urllib.error.URLError, ConnectionError, OSError):
                    time.sleep(0.2)
            else:
                output = self.output()
                self.stop()
                raise RuntimeError(f"server did not answer in {timeout} s: " + output[-2000:])
        raise RuntimeError("no free port for the server after three tries")

    def _spawn(self) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 — open while the server runs; stop() closes it
        env = server_env(self.database_url, **self.config)
        env["PORTAL_BIND"] = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and not self.log.closed:
            self.log.close()


def log_in(page, url: str, phone: str, password: str, next_path: str = "") -> None:
    """Log a Playwright page in through the login form, as a resident would (then to next_path)."""
    page.goto(f"{url}/login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#phone").fill(phone)
    page.locator("#password").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(lambda address: "/login" not in address)  # the page is on /login until then


class HttpSession:
    """Cookies, the CSRF token from the page's meta tag, form posts. Standard library only."""

    CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        self.csrf = None

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method != "GET" else None
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if method != "GET":
            request.add_header("X-CSRFToken", self.csrf or self.fetch_csrf())
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def fetch_csrf(self) -> str:
        """The token from a page: the login form, or where it sends someone logged in."""
        status, text, headers = self.request("GET", "/login")
        if status in (302, 303):
            _status, text, _headers = self.request("GET", urllib.parse.urlsplit(headers["Location"]).path)
        self.csrf = self.CSRF.search(text).group(1)
        return self.csrf

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.request("POST", path, data, **kwargs)

    def login(self, phone: str, password: str) -> "HttpSession":
        status, text, _ = self.post("/login", {"phone": phone, "password": password})
        if status != 303:
            raise AssertionError(f"login failed for {phone}: {status} {text[:200]}")
        self.csrf = None  # the session changed; fetch a fresh token for the next post
        return self

    def cookie_header(self) -> str:
        """The session's cookies as a Cookie header (for a Socket.IO client of the same person)."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
