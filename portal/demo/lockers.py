"""Demo lockers: three locker banks at the demo community's locker pickup point, its kiosk
screen and a few announcements; and for `flask serve` the simulated lockers (devices/) and
the driver that makes the board move by itself.
"""

import logging
import random
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.community.models import Membership, Role
from portal.core.db import begin_write, db, utcnow
from portal.demo import demo_user_ids
from portal.demo.groupbuy import deliver_to_locker
from portal.groupbuy.models import Order, OrderStatus
from portal.lockers.models import Announcement, Compartment, KioskDevice, Locker
from portal.lockers.runtime import MqttRuntime
from portal.lockers.services import rotate_credentials
from portal.pickup.models import PickupKind, PickupPoint

log = logging.getLogger("portal.demo.lockers")

# (device id, name, layout: (compartment, size, cold))
DEMO_LOCKERS = [
    ("cuiping-3-a", "A柜", [(f"A{n:02d}", "SML"[n % 3], n >= 7) for n in range(1, 9)]),
    ("cuiping-3-b", "B柜", [(f"B{n:02d}", "SML"[n % 3], n >= 7) for n in range(1, 9)]),
    ("cuiping-3-c", "C柜", [(f"C{n:02d}", "ML"[n % 2], False) for n in range(1, 7)]),
]
DEMO_POINT = "3栋 智能柜自提点"
ANNOUNCEMENTS = [
    "冷藏格请在取件后随手关门，谢谢邻居们配合 🙏",
    "本周六上午 9:00–11:00 柜机例行维护，期间请到物业前台核销取货",
]


def locker_point(community) -> PickupPoint:
    """The community's locker pickup point (the group-buy demo's, or a new one)."""
    point = db.session.scalar(
        sa.select(PickupPoint)
        .where(PickupPoint.community_id == community.id, PickupPoint.kind == PickupKind.LOCKER)
        .order_by(PickupPoint.id)
    )
    if point is None:
        point = PickupPoint(
            community_id=community.id,
            name=DEMO_POINT,
            kind=PickupKind.LOCKER,
            address="3栋东侧 快递驿站旁",
            opening_hours="全天 24 小时",
        )
        db.session.add(point)
        db.session.flush()
    return point


def seed(community, people: dict) -> None:
    """Lockers, a kiosk screen and announcements for the demo community (once)."""
    if db.session.scalar(sa.select(Locker.id).where(Locker.device_id == DEMO_LOCKERS[0][0])):
        return
    point = locker_point(community)
    for device_id, name, layout in DEMO_LOCKERS:
        locker = Locker(community_id=community.id, pickup_point_id=point.id, device_id=device_id, name=name)
        db.session.add(locker)
        for comp, size, cold in layout:
            locker.compartments.append(Compartment(comp=comp, size=size, cold=cold))
        rotate_credentials(locker)  # `flask serve` gives the simulated lockers fresh ones anyway
    kiosk = _kiosk_user(community, people)
    if kiosk is not None and db.session.get(KioskDevice, kiosk.id) is None:
        db.session.add(KioskDevice(user_id=kiosk.id, pickup_point_id=point.id))
    for text in ANNOUNCEMENTS:
        db.session.add(Announcement(pickup_point_id=point.id, text=text, created_at=utcnow()))
    db.session.flush()


def _kiosk_user(community, people: dict):
    for user in people.values():
        if getattr(user, "is_device", False):
            return user
    return db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.roles.op("&")(int(Role.KIOSK)) != 0)
    )


# --- the simulated lockers and the demo driver (`flask serve`) -------------------------


def _simulated_lockers(app) -> list[tuple[str, str, list]]:
    """(device id, new password, layout) for the demo lockers that exist; rotates their passwords."""
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
    """Power up the demo lockers (devices/ simulator) beside the embedded broker, and the demo
    driver; `runtime.stop()` stops them first."""
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
    runtime.extras.append(fleet)
    runtime.extras.append(
        DemoDriver(app, fleet, interval_s=float(app.config.get("MQTT_SIMULATE_EVERY_S", 6))).start()
    )
    echo(f"MQTT: simulating lockers {', '.join(fleet.lockers)} (the demo board moves by itself)")


class DemoDriver:
    """Acts like the demo's people at the demo pickup point, through the simulated lockers only:
    the leader deposits confirmed orders, residents type the codes they were sent (and now and
    then a wrong one), a door is left open, a cold compartment warms up.

    Only the demo's own people's orders are touched: someone who joined for real (by invite or
    application) and ordered at the locker point gets no deposit, code or collection from it.
    """

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
                Order.user_id.in_(demo_user_ids()),
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
