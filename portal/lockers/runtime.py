"""Starting the MQTT parts: the ingest, and for `flask serve` the embedded broker, simulated
lockers of the demo pickup point and a demo driver that makes the board move by itself.

Never called from create_app: `flask serve` and `flask lockers ingest` call it.
"""

import gc
import logging
import random
import secrets
import socket
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from portal.core.db import begin_write, db, utcnow
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
    """What `flask serve` started; `stop()` ends it in reverse order (lockers say goodbye)."""

    def __init__(self):
        self.broker: EmbeddedBroker | None = None
        self.ingest: Ingest | None = None
        self.fleet = None
        self.driver: DemoDriver | None = None
        self.url: str | None = None

    def stop(self) -> None:
        for part, action in (
            (self.driver, "stop"),
            (self.fleet, "stop"),
            (self.ingest, "stop"),
            (self.broker, "stop"),
        ):
            if part is not None:
                try:
                    getattr(part, action)()
                except Exception:
                    log.exception("stopping %s failed", type(part).__name__)


def start_for_serve(app, echo=print) -> MqttRuntime:
    """PORTAL_MQTT_URL set: ingest from it. Unset: embedded broker + ingest + simulated lockers."""
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
        if app.config.get("MQTT_SIMULATE", True):
            start_simulation(app, runtime, echo)
    except Exception:
        log.exception("the MQTT parts did not start; the portal runs without lockers")
        runtime.stop()
        return MqttRuntime()
    return runtime


# ------------------------------------------------------------------ simulated demo lockers


def _simulated_lockers(app) -> list[tuple[str, str, list]]:
    """(device id, new password, layout) for the demo lockers that exist; rotates their passwords."""
    from portal.lockers.demo import DEMO_LOCKERS
    from portal.lockers.models import Locker
    from portal.lockers.services import rotate_credentials

    wanted = app.config.get("MQTT_SIMULATE_LOCKERS") or [device_id for device_id, *_ in DEMO_LOCKERS]
    with app.app_context():
        try:
            begin_write()
            lockers = db.session.scalars(sa.select(Locker).where(Locker.device_id.in_(wanted))).all()
            result = [
                (
                    locker.device_id,
                    rotate_credentials(locker),
                    [(c.comp, c.size, c.cold) for c in locker.compartments],
                )
                for locker in lockers
            ]
            db.session.commit()
            return result
        finally:
            db.session.remove()


def start_simulation(app, runtime: MqttRuntime, echo=print) -> None:
    """Power up the demo lockers (devices/ simulator) and the demo driver."""
    from devices.fleet import LockerFleet
    from devices.locker import BrokerConfig, Compartment, SimulatedLocker

    lockers = _simulated_lockers(app)
    if not lockers:
        echo("MQTT: no demo lockers registered (flask demo seed adds them); no simulation")
        return
    heartbeat = float(app.config.get("MQTT_SIMULATE_HEARTBEAT_S", 30))
    fleet = LockerFleet(
        SimulatedLocker(
            device_id,
            [Compartment(id=comp, size=size, cold=cold) for comp, size, cold in layout] or None,
            broker=BrokerConfig(
                runtime.broker.host, runtime.broker.port, username=device_id, password=password
            ),
            topic_root=app.config.get("MQTT_TOPIC_ROOT", "linli"),
            heartbeat_s=heartbeat,
            collect_delay_s=3.0,
        )
        for device_id, password, layout in lockers
    )
    fleet.start()
    runtime.fleet = fleet
    runtime.driver = DemoDriver(
        app, fleet, interval_s=float(app.config.get("MQTT_SIMULATE_EVERY_S", 6))
    ).start()
    echo(f"MQTT: simulating lockers {', '.join(fleet.lockers)} (the demo board moves by itself)")


class DemoDriver:
    """Acts like the people at the demo pickup point, through the simulated lockers only:
    the leader deposits confirmed orders, residents type the codes they were sent (and now and
    then a wrong one), a door is left open, a cold compartment warms up."""

    def __init__(self, app, fleet, interval_s: float = 6.0, rng: random.Random | None = None):
        self.app = app
        self.fleet = fleet
        self.interval_s = interval_s
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._typed: dict[str, float] = {}  # code -> when it was typed (people don't retype at once)
        self._comes_after: dict[str, timedelta] = {}  # code -> how long its resident waits
        self.pickup_after_s = float(app.config.get("MQTT_SIMULATE_PICKUP_AFTER_S", 60))
        self.restock_every_s = float(app.config.get("MQTT_SIMULATE_RESTOCK_EVERY_S", 180))
        self._restocked_at = time.monotonic()  # the seeded orders come first
        self.done: list[str] = []

    def start(self) -> "DemoDriver":
        self._thread = threading.Thread(target=self._run, name="locker-demo", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s * self.rng.uniform(0.6, 1.4)):
            try:
                self.step()
            except Exception:
                log.exception("demo driver step failed")

    def step(self) -> str | None:
        """Do one thing a person at the pickup point would do; returns what (or None)."""
        with self.app.app_context():
            try:
                to_deposit, to_collect = self._orders()
            finally:
                db.session.remove()
        choices = []
        if to_deposit and self._free():
            choices += [self._deposit] * 3
        elif self._free() and time.monotonic() - self._restocked_at > self.restock_every_s:
            choices += [self._restock] * 3
        if to_collect:
            choices += [self._collect] * 3
        choices += [self._wrong_code, self._door]
        action = self.rng.choice(choices)
        what = action(to_deposit, to_collect)
        if what:
            self.done.append(what)
            log.info("demo: %s", what)
        return what

    def _orders(self):
        from portal.groupbuy.models import Order, OrderStatus
        from portal.lockers.models import Compartment, Locker

        device_ids = list(self.fleet.lockers)
        lockers = db.session.scalars(sa.select(Locker).where(Locker.device_id.in_(device_ids))).all()
        points = {locker.pickup_point_id for locker in lockers}
        if not points:
            return [], []
        in_lockers = dict(
            db.session.execute(
                sa.select(Compartment.order_id, Locker.device_id)
                .join(Locker, Locker.id == Compartment.locker_id)
                .where(Compartment.order_id.is_not(None))
            ).all()
        )
        orders = db.session.scalars(
            sa.select(Order)
            .where(
                Order.pickup_point_id.in_(points),
                Order.status.in_([OrderStatus.CONFIRMED, OrderStatus.READY]),
            )
            .order_by(Order.id)
        ).all()
        to_deposit = [
            o.reference for o in orders if o.id not in in_lockers and o.status == OrderStatus.CONFIRMED
        ]
        now = utcnow()
        to_collect = [
            (o.pickup_code, in_lockers[o.id])
            for o in orders
            if o.id in in_lockers
            and o.status == OrderStatus.READY
            and o.pickup_code
            and o.code_issued_at
            and o.code_issued_at <= now - self._patience(o.pickup_code)
        ]
        return to_deposit, to_collect

    def _patience(self, code: str) -> timedelta:
        """How long after the code the resident comes by: one to four times pickup_after_s."""
        if code not in self._comes_after:
            self._comes_after[code] = timedelta(seconds=self.pickup_after_s * self.rng.uniform(1, 4))
        return self._comes_after[code]

    def _restock(self, _to_deposit, _to_collect):
        """The leader's next delivery: a buy that just succeeded, for the courier to deposit."""
        from portal.groupbuy.demo import deliver_to_locker
        from portal.lockers.models import Locker

        self._restocked_at = time.monotonic()
        with self.app.app_context():
            try:
                begin_write()
                locker = db.session.scalar(
                    sa.select(Locker).where(Locker.device_id.in_(list(self.fleet.lockers))).limit(1)
                )
                buy = deliver_to_locker(locker.pickup_point, self.rng) if locker else None
                title = buy.title if buy else None
                db.session.commit()
            finally:
                db.session.remove()
        return f"a new delivery for the lockers: {title}" if title else None

    def _free(self):
        return [
            (locker, comp.id)
            for locker in self.fleet.lockers.values()
            if locker.powered
            for comp in locker.compartments.values()
            if not comp.occupied and not comp.fault and comp.door == "closed"
        ]

    def _deposit(self, to_deposit, _to_collect):
        locker, comp = self.rng.choice(self._free())
        reference = to_deposit[0]
        locker.deposit(comp, reference)
        return f"deposit {reference} into {locker.locker_id}/{comp}"

    def _collect(self, _to_deposit, to_collect):
        now = time.monotonic()
        waiting = [
            (code, device_id) for code, device_id in to_collect if now - self._typed.get(code, -60.0) > 30
        ]
        if not waiting:
            return None
        code, device_id = self.rng.choice(waiting)
        self._typed[code] = now
        self.fleet.lockers[device_id].enter_code(code)
        return f"code typed at {device_id}"

    def _wrong_code(self, _to_deposit, _to_collect):
        if self.rng.random() > 0.15:  # rare, or the demo would lock its own keypads
            return None
        locker = self.rng.choice(list(self.fleet.lockers.values()))
        locker.enter_code(f"{self.rng.randrange(10**8):08d}")
        return f"wrong code at {locker.locker_id}"

    def _door(self, _to_deposit, _to_collect):
        free = self._free()
        if not free or self.rng.random() > 0.3:
            return None
        locker, comp = self.rng.choice(free)
        locker.set_door(comp, "open")
        timer = threading.Timer(4.0, self._close, args=(locker, comp))
        timer.daemon = True
        timer.start()
        return f"door of {locker.locker_id}/{comp} opened for a moment"

    @staticmethod
    def _close(locker, comp):
        try:
            if locker.powered:
                locker.set_door(comp, "closed")
        except Exception:
            log.exception("demo: closing a door failed")
