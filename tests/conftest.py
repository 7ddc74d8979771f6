"""Fixtures: a migrated database per test (SQLite, or PostgreSQL with PORTAL_TEST_DATABASE_URL),
the app, a CSRF-aware client, login helpers and factories."""

import os
import shutil
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from tests.factories import Factory

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI") == "true"
TEST_PASSWORD = "correct horse 42"


def service_available(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, with CI=true, fail) when a real service the test needs is not answering."""
    if service_available(host, port):
        return
    message = f"{name} is not answering at {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: real services are required)")
    pytest.skip(message)


UPLOADS = Path(tempfile.mkdtemp(prefix="linli-test-uploads-"))


def base_config(database_url: str) -> dict:
    return {
        "UPLOAD_FOLDER": str(UPLOADS),  # never the real instance/uploads
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "SERVER_NAME": None,
        "LOG_LEVEL": "WARNING",
    }


def migrate_to_head(database_url: str) -> None:
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(base_config(database_url))
    with app.app_context():
        upgrade(revision="heads")
        from portal.core.db import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run the migrations once; each test starts from a copy (SQLite) or truncated tables (PG)."""
    if PG_URL:
        parts = urlsplit(PG_URL)
        require_service("PostgreSQL", parts.hostname or "127.0.0.1", parts.port or 5432)
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        migrate_to_head(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return path


def empty_postgresql(url: str) -> None:
    """Back to the migrated, empty database: truncate the tables that have rows, restart sequences.

    Truncating every table after every test cost 0.3 s a test (each TRUNCATE makes new files);
    a test fills a few tables, found here in one statement.
    """
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        probe = " UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables
        )
        filled = [row[0] for row in conn.exec_driver_sql(probe)] if tables else []
        if filled:
            quoted = ", ".join(f'"{t}"' for t in filled)
            conn.exec_driver_sql(f"TRUNCATE {quoted} CASCADE")
        conn.exec_driver_sql(
            "SELECT setval(quote_ident(sequencename)::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        )
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    if PG_URL:
        yield PG_URL
        empty_postgresql(PG_URL)
        return
    path = tmp_path / "portal.sqlite3"
    shutil.copy(database_template, path)
    yield f"sqlite:///{path}"


class PortalClient(FlaskClient):
    """A test client that sends the CSRF token on state-changing requests, as the pages do.

    Pass csrf=False to send a request without it. Each request runs in its own app context,
    as in production, so `g` and the database session never leak from the test or between requests;
    the test's own session is committed first, so its objects reload with what the request did.
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        from portal.core.db import db

        db.session.commit()  # the request sees what the test made; the test then sees what it did
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The signed token Flask-WTF would put in this client's pages."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


@pytest.fixture
def app(database_url):
    from portal import create_app
    from portal.core.db import db

    app = create_app(base_config(database_url))
    app.test_client_class = PortalClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Factories for communities, people and memberships (committed)."""
    return Factory(TEST_PASSWORD)


HTMX = {"HX-Request": "true"}


@pytest.fixture
def htmx():
    """Headers of an htmx request."""
    return dict(HTMX)


class Auth:
    def __init__(self, app):
        self.app = app

    def login(self, user, remember: bool = False, client=None):
        """A client logged in as `user` through the real login form."""
        client = client or self.app.test_client()
        response = client.post(
            "/login",
            data={"phone": user.phone, "password": TEST_PASSWORD, "remember": "y" if remember else ""},
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return client


@pytest.fixture
def auth(app):
    return Auth(app)


@pytest.fixture
def live_server(app, database_url):
    """Start a running portal on the test's database (call with kind/workers/config)."""
    from tests.live import LiveServer

    servers = []

    def start(kind: str = "gunicorn", workers: int = 4, **config) -> LiveServer:
        from portal.core.db import db

        db.session.commit()
        server = LiveServer(database_url, kind=kind, workers=workers, **config).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1920, "height": 1080}
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never Playwright's own browser download)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleErrors:
    """The console errors and uncaught page errors of every page a test opened, each with the
    page's address at the time; the test fails at teardown when there is any.

    A console error is any `console.error`, a resource that failed to load (a 404 favicon),
    a CSP violation. Two kinds are left out, both the portal's answer as the test asked for it
    (Chromium logs every 4xx answer as a console error): a 422 to a form with errors, shown in
    place, and the status of the page's own document (a test that opens a missing page checks
    the 404 itself); a picture, script or fetch of the page that fails still counts.
    """

    EXPECTED = ("the server responded with a status of 422",)
    FAILED_LOAD = "Failed to load resource"

    def __init__(self):
        self.seen: list[str] = []

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: uncaught {error}"))

    def _console(self, page, message) -> None:
        if message.type != "error" or any(mark in message.text for mark in self.EXPECTED):
            return
        where = message.location or {}
        if message.text.startswith(self.FAILED_LOAD) and where.get("url") == page.url:
            return  # the document itself: the test sees its status
        self.seen.append(f"{page.url}: {message.text} ({where.get('url', '')}:{where.get('lineNumber', '')})")


@pytest.fixture
def console_errors():
    return ConsoleErrors()


@pytest.fixture
def browser_page(chromium, console_errors):
    """A fresh browser context per call: `page = browser_page(viewport=PHONE, locale="zh-CN")`.

    Every page it opens is watched: a console error or an uncaught error on any of them fails
    the test at teardown, listing them (ConsoleErrors)."""
    contexts = []

    def new_page(viewport=None, locale="zh-CN", **options):
        context = chromium.new_context(viewport=viewport or PHONE, locale=locale, **options)
        context.on("page", console_errors.watch)  # window.open and popups too
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()
    if console_errors.seen:
        pytest.fail("console errors on the pages this test opened:\n" + "\n".join(console_errors.seen))


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def socket_client(app, auth):
    """A Socket.IO test client logged in as `user` (anonymous with None), connected in its own
    app context as a real connection would be."""
    from portal.extensions import socketio

    clients = []

    def connect(user=None, **kwargs):
        http = auth.login(user) if user is not None else app.test_client()
        with app.app_context():
            client = socketio.test_client(app, flask_test_client=http, **kwargs)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.is_connected():
            client.disconnect()
