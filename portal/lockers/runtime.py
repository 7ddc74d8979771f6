"""Starting the MQTT parts: the ingest, and for `flask serve` the embedded broker.

Never called from create_app: `flask serve` and `flask lockers ingest` call it. (`make run`'s
simulated lockers and the demo driver that moves them are portal.demo.lockers.)
"""

import gc
import logging
import secrets
import socket

from portal.core.db import db
from portal.iot.broker import EmbeddedBroker, locker_acl
from portal.iot.client import Ingest
from portal.lockers.ingest import LockerHandlers

log = logging.getLogger("portal.lockers.runtime")

PORTAL_MQTT_USER = "linli-portal"


def start_ingest(app, url: str, client_id: str | None = None) -> Ingest:
    """Start the ingest against a broker URL (persistent session, QoS 1)."""
    settle_heap()
    ingest = Ingest(
        app,
        LockerHandlers(),
        url=url,
        topic_root=app.config.get("MQTT_TOPIC_ROOT", "linli"),
        client_id=client_id or app.config.get("MQTT_CLIENT_ID", "linli-portal"),
        keepalive=int(app.config.get("MQTT_KEEPALIVE", 30)),
    )
    return ingest.start()


def settle_heap() -> None:
    """What the process loaded to start lives as long as it: move it out of the garbage
    collector's sight. Otherwise every full collection walks the whole app (measured: 116 ms,
    a pause in the middle of a batch; 3 ms once frozen)."""
    gc.collect()
    gc.freeze()


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def embedded_broker(
    app, portal_password: str, host: str = "127.0.0.1", port: int | None = None
) -> EmbeddedBroker:
    """amqtt with logins for the portal and for registered lockers, and the contract's ACL."""

    def check(username: str, password: str) -> bool:
        if username == PORTAL_MQTT_USER:
            return secrets.compare_digest(password, portal_password)
        from portal.lockers.services import verify_locker_login

        with app.app_context():
            try:
                return verify_locker_login(username, password)
            finally:
                db.session.remove()

    wanted = port or int(app.config.get("MQTT_EMBEDDED_PORT", 1883))
    if not _port_free(host, wanted):
        chosen = _free_port(host)
        log.warning("port %s is taken (another broker?); the embedded broker uses %s", wanted, chosen)
        wanted = chosen
    root = app.config.get("MQTT_TOPIC_ROOT", "linli")
    return EmbeddedBroker(host, wanted, check=check, acl=locker_acl({PORTAL_MQTT_USER}, root)).start()


class MqttRuntime:
    """What `flask serve` started; `stop()` ends it in reverse order (lockers say goodbye
    before the ingest and the broker go)."""

    def __init__(self):
        self.broker: EmbeddedBroker | None = None
        self.ingest: Ingest | None = None
        self.url: str | None = None
        self.extras: list = []  # started later beside them, each with a stop() (the demo's lockers)

    def stop(self) -> None:
        for part in [*reversed(self.extras), self.ingest, self.broker]:
            if part is not None:
                try:
                    part.stop()
                except Exception:
                    log.exception("stopping %s failed", type(part).__name__)


def start_for_serve(app, echo=print) -> MqttRuntime:
    """PORTAL_MQTT_URL set: ingest from it. Unset: the embedded broker and the ingest."""
    runtime = MqttRuntime()
    url = app.config.get("MQTT_URL")
    if url:
        if app.config.get("MQTT_INGEST_IN_SERVE", True):
            runtime.ingest = start_ingest(app, url)
            echo(f"MQTT: ingesting from {runtime.ingest.broker.host}:{runtime.ingest.broker.port}")
        return runtime
    password = secrets.token_urlsafe(24)
    try:
        runtime.broker = embedded_broker(app, password)
        runtime.url = runtime.broker.url(PORTAL_MQTT_USER, password)
        runtime.ingest = start_ingest(
            app, runtime.url, client_id=app.config.get("MQTT_CLIENT_ID", "linli-portal")
        )
        runtime.ingest.wait_connected(10)
        echo(f"MQTT: embedded broker on {runtime.broker.host}:{runtime.broker.port} (logins required)")
    except Exception:
        log.exception("the MQTT parts did not start; the portal runs without lockers")
        runtime.stop()
        return MqttRuntime()
    return runtime
