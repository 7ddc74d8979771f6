"""The ingest: a paho-mqtt 2 client (callback API v2) that feeds validated messages to handlers.

- QoS 1 subscriptions on a persistent session (clean_session False, fixed client id), so what
  lockers publish while the portal is down is delivered when it returns; retained status and
  compartment states arrive on every (re)subscription.
- `on_message` never raises: it parses the topic and the payload, counts and logs what is
  malformed (with its topic), and keeps the rest for the batch. Acknowledgements are manual: a
  message is acknowledged only after the transaction that applied it committed, so a crash means
  a redelivery (events are de-duplicated by id, states by seq), never a loss.
- One thread does everything: it reads from the socket while messages keep coming (up to
  BATCH_MAX), then applies them in one transaction (one savepoint per message only when one
  fails), acknowledges them, publishes the commands waiting in the outbox, and does the
  once-a-second upkeep. A second thread would only trade the interpreter lock back and forth:
  measured, handing messages over to a worker thread cost more than storing them.
"""

import logging
import struct
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from sqlalchemy.exc import OperationalError

from portal.iot.counters import IngestCounters
from portal.iot.dispatch import DeviceMessage, Handlers, Refused, dispatch
from portal.iot.schemas import Malformed, encode, parse
from portal.iot.topics import COMMANDS, TopicError, Topics

log = logging.getLogger("portal.iot.ingest")

BATCH_MAX = 1000  # a backlog drains in few transactions; at a normal pace a batch is a message or two
OUTBOX_POLL_S = 0.5
TICK_S = 1.0
IDLE_WAIT_S = 0.25  # how long a read waits when nothing is pending (bounds stop() and the upkeep)
RECONNECT_MIN_S = 1.0
RECONNECT_MAX_S = 30.0
_PUBACK = struct.Struct("!BBH")  # type, remaining length 2, message id


@dataclass(frozen=True)
class BrokerURL:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_url(url: str) -> BrokerURL:
    """`mqtt://user:pass@host:port` (or `mqtts://`) → BrokerURL."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://: {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return BrokerURL(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if tls else 1883),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=tls,
    )


@dataclass(slots=True)
class _AckOnly:
    """A message that needs nothing but its acknowledgement (kept in order with the rest)."""

    mid: int
    qos: int
    generation: int


class _BufferedSocket:
    """paho reads a packet with three or four recv() calls (type, length bytes, body); this
    serves them from one recv() of up to 64 KiB, moving an offset rather than copying what is
    left. paho asks `pending()` (meant for TLS buffers) before it waits in select(), so buffered
    bytes are read without waiting."""

    def __init__(self, sock):
        self._sock = sock
        self._buffer = b""
        self._offset = 0

    def recv(self, size: int) -> bytes:
        if self._offset >= len(self._buffer):
            self._buffer = self._sock.recv(65536)  # BlockingIOError when there is nothing: paho's cue
            self._offset = 0
        start = self._offset
        self._offset = start + size
        return self._buffer[start : self._offset]

    def pending(self) -> int:
        inner = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._buffer) - self._offset + inner

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _Client(mqtt.Client):
    def _create_socket(self):
        return _BufferedSocket(super()._create_socket())


class Ingest:
    """Subscribe to the locker tree and apply what arrives; see the module docstring."""

    def __init__(
        self,
        app,
        handlers: Handlers,
        *,
        url: str,
        topic_root: str = "linli",
        client_id: str = "linli-portal",
        counters: IngestCounters | None = None,
        keepalive: int = 30,
    ):
        self.app = app
        self.handlers = handlers
        self.broker = parse_url(url)
        self.topics = Topics(topic_root)
        self.client_id = client_id
        self.keepalive = keepalive
        self.counters = counters or IngestCounters()
        self._pending: list = []  # read, not yet applied (DeviceMessage or _AckOnly)
        self._taken = 0  # messages read so far
        self._settled = 0  # of those, applied (or skipped) and acknowledged
        self._stop = threading.Event()
        self._killed = False
        self._connected = threading.Event()
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._reconnect_at = 0.0
        self._reconnect_delay = RECONNECT_MIN_S
        self._outbox_due = 0.0
        self._tick_due = 0.0
        self.last_batch_at = 0.0
        self.listening_since: float | None = None  # time.time() of the SUBACK on this connection
        bind = getattr(handlers, "bind", None)
        if bind is not None:
            bind(self)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "Ingest":
        client = _Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client
        self._stop.clear()
        self.listening_since = None
        self._tick_due = time.monotonic() + TICK_S  # the first upkeep after what is queued came in
        client.connect_async(self.broker.host, self.broker.port, keepalive=self.keepalive)
        self._thread = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._thread.start()
        log.info(
            "ingest connecting to %s:%s as %s (topics %s)",
            self.broker.host,
            self.broker.port,
            self.client_id,
            self.topics.subscription,
        )
        return self

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def stop(self, timeout: float = 10.0) -> None:
        """Apply what was read, publish pending commands, then leave (the session stays)."""
        self.drain(timeout)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._client is not None and self._client.socket() is not None:
            self._client.disconnect()
        self._connected.clear()
        log.info("ingest stopped: %s", self.counters.snapshot())

    def kill(self) -> None:
        """Vanish without applying or acknowledging anything (tests: a crash)."""
        self._killed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._client is not None:
            sock = self._client.socket()
            if sock is not None:
                sock.close()
        self._connected.clear()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything read so far has been applied and acknowledged."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._settled >= self._taken:
                return True
            time.sleep(0.01)
        return False

    def publish(self, locker: str, payload: dict) -> bool:
        """Publish a command to a locker (QoS 1, not retained); only from the ingest's thread."""
        client = self._client
        if client is None or not client.is_connected():
            return False
        info = client.publish(self.topics.commands(locker), encode(payload), qos=1, retain=False)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def resubscribe_compartments(self, locker: str) -> None:
        """Ask the broker for a locker's retained compartment states again (after a new boot)."""
        client = self._client
        if client is not None and client.is_connected():
            client.subscribe(self.topics.compartments(locker), qos=1)

    # ------------------------------------------------------------------ paho callbacks

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        try:
            if reason_code.is_failure:
                log.error("broker refused the ingest: %s", reason_code)
                return
            client.subscribe(self.topics.subscription, qos=1)
            self._reconnect_delay = RECONNECT_MIN_S
            self.counters.add("connects")
            log.info("ingest connected (session present: %s)", flags.session_present)
        except Exception:
            log.exception("ingest on_connect failed")

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        """Connected counts from the SUBACK: from then on nothing a locker publishes is missed."""
        if any(code.is_failure for code in reason_codes):
            log.error("broker refused the ingest's subscription: %s", reason_codes)
            return
        if self.listening_since is None:  # (not again for a locker's compartments after its reboot)
            self.listening_since = time.time()
        self._connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._generation += 1  # acks for messages of the old connection must not be sent
        self._connected.clear()
        self.listening_since = None
        if reason_code.is_failure:
            log.warning("ingest lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message) -> None:
        """Validate and hand over; never raises (a failure here would stop paho's loop)."""
        try:
            self._receive(message)
        except Exception:
            self.counters.add("errors")
            log.exception("ingest could not take a message on %r", getattr(message, "topic", "?"))
            self._take(_AckOnly(message.mid, message.qos, self._generation))

    def _receive(self, message) -> None:
        generation = self._generation
        topic = message.topic
        try:
            parsed = self.topics.parse(topic)
            if parsed.kind == COMMANDS:
                self.counters.add("received")
                self.counters.add("ignored")
                self._take(_AckOnly(message.mid, message.qos, generation))
                return
            body = parse(parsed.kind, message.payload, parsed.comp)
        except (TopicError, Malformed) as error:
            reason = error.reason if isinstance(error, Malformed) else "bad-topic"
            self.counters.malformed(reason)
            log.warning("malformed MQTT message on %r: %s", topic[:200], error)
            self._take(_AckOnly(message.mid, message.qos, generation))
            return
        self.counters.valid()
        self._take(
            DeviceMessage(
                topic, parsed.locker, parsed.kind, body, time.time(), message.mid, message.qos, generation
            )
        )

    def _take(self, item) -> None:
        self._pending.append(item)
        self._taken += 1

    # ------------------------------------------------------------------ the loop

    def _run(self) -> None:
        """Read while messages keep coming, apply them as one batch, keep up with the upkeep."""
        client = self._client
        while not self._stop.is_set():
            try:
                if client.socket() is None and not self._reconnect(client):
                    self._upkeep()
                    self._stop.wait(IDLE_WAIT_S)
                    continue
                rc = client.loop(timeout=IDLE_WAIT_S)
                while rc == mqtt.MQTT_ERR_SUCCESS and 0 < len(self._pending) < BATCH_MAX:
                    # messages are coming: read on without select() until the socket has no more
                    before = self._taken
                    rc = client.loop_read()
                    if self._taken == before:
                        break
                if self._killed:
                    return
                if self._pending:
                    self._apply_pending()
                    if self._killed:
                        return
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    self._back_off(f"connection ended ({mqtt.error_string(rc)})")
                self._upkeep()
            except Exception:
                log.exception("ingest loop step failed; going on")
                self._stop.wait(0.5)
        if not self._killed and self._pending:
            self._apply_pending()

    def _reconnect(self, client) -> bool:
        """(Re)open the connection once its back-off has passed; the CONNACK calls _on_connect."""
        if time.monotonic() < self._reconnect_at:
            return False
        try:
            client.reconnect()
            return True
        except OSError as error:
            self._back_off(str(error))
            return False

    def _back_off(self, why: str) -> None:
        self._reconnect_at = time.monotonic() + self._reconnect_delay
        log.warning(
            "ingest not connected to %s:%s: %s; trying again in %.0f s",
            self.broker.host,
            self.broker.port,
            why,
            self._reconnect_delay,
        )
        self._reconnect_delay = min(RECONNECT_MAX_S, self._reconnect_delay * 2)

    def _apply_pending(self) -> None:
        items, self._pending = self._pending, []
        self._apply(items)

    def _upkeep(self) -> None:
        now = time.monotonic()
        if now >= self._outbox_due:
            self._flush_outbox()
        if now >= self._tick_due:
            self._tick()

    def _apply(self, items: list) -> None:
        messages = [item for item in items if isinstance(item, DeviceMessage)]
        try:
            if messages:
                try:
                    outcomes = self._apply_in_transaction(messages)
                except OperationalError:
                    # stopping while the database is away: leave them unacknowledged, the broker
                    # delivers them again to the next ingest
                    log.error("stopped with %d messages not applied (database unavailable)", len(messages))
                    return
                except Exception:
                    # a bug, not bad input: the batch is lost, but the ingest must not stall on it
                    log.exception(
                        "could not apply %d messages; they are acknowledged and dropped", len(messages)
                    )
                    outcomes = {"errors": len(messages)}
                for name, amount in outcomes.items():
                    self.counters.add(name, amount)
                self.last_batch_at = time.time()
            self._ack(items)
        finally:
            self._settled += len(items)
        if messages and getattr(self.handlers, "commands_queued", True):
            self.handlers.commands_queued = False
            self._flush_outbox()  # replies go out at once; other commands within OUTBOX_POLL_S

    def _apply_in_transaction(self, messages: list[DeviceMessage]) -> dict:
        """Apply a batch in one transaction; retried while the database is unavailable."""
        from portal.core.db import begin_write, db
        from portal.realtime import pending_count

        attempt = 0
        while True:
            attempt += 1
            with self.app.app_context():
                session = db.session()
                try:
                    begin_write()
                    self._begin_batch(messages)
                    try:
                        outcomes, refusals = self._apply_fast(session, messages)
                    except OperationalError:
                        raise
                    except Exception:
                        # one message failed: start over, each message in its own savepoint
                        log.warning(
                            "a batch of %d messages failed as one; again message by message",
                            len(messages),
                            exc_info=True,
                        )
                        session.rollback()
                        begin_write()
                        self._begin_batch(messages)
                        outcomes, refusals = self._apply_careful(session, messages)
                    outcomes["pushed"] = pending_count(session)
                    session.commit()
                    outcomes["batches"] = 1
                    for reason in refusals:
                        self.counters.refused(reason)
                    return outcomes
                except OperationalError:
                    session.rollback()
                    if self._stop.is_set() and attempt > 3:
                        raise
                    log.exception(
                        "database trouble applying %d messages (try %d); retrying", len(messages), attempt
                    )
                    time.sleep(min(5.0, 0.2 * attempt))
                finally:
                    db.session.remove()

    def _begin_batch(self, messages: list[DeviceMessage]) -> None:
        begin = getattr(self.handlers, "begin_batch", None)
        if begin is None:
            return
        try:
            begin(messages)
        except OperationalError:
            raise
        except Exception:
            log.exception("begin_batch failed; going on without what it prepares")
            begin(())

    def _end_batch(self) -> None:
        """Let the handlers write what they kept back for one statement (inside the savepoint
        of a message when the batch goes message by message)."""
        end = getattr(self.handlers, "end_batch", None)
        if end is not None:
            end()

    def _apply_fast(self, session, messages: list[DeviceMessage]) -> tuple[dict, list]:
        """Every message in the one transaction; a handler error sends the batch the careful way.

        Handlers raise Refused before they write anything (or with keep=True), so a refusal does
        not need a savepoint.
        """
        outcomes: dict[str, int] = {}
        refusals: list[str] = []
        for message in messages:
            try:
                outcome = dispatch(self.handlers, message)
                outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
            except Refused as refused:
                refusals.append(refused.reason)
                log.warning("refused MQTT message on %r: %s", message.topic, refused)
        self._end_batch()
        session.flush()  # constraint violations show here, while the careful way can still take over
        return outcomes, refusals

    def _apply_careful(self, session, messages: list[DeviceMessage]) -> tuple[dict, list]:
        """One savepoint per message: a failing message is rolled back, logged and skipped."""
        from portal.realtime import pending_mark, pending_rewind

        outcomes: dict[str, int] = {}
        refusals: list[str] = []
        for message in messages:
            mark = pending_mark(session)
            savepoint = session.begin_nested()
            try:
                outcome = dispatch(self.handlers, message)
                self._end_batch()
                savepoint.commit()
                outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
            except Refused as refused:
                if refused.keep:
                    savepoint.commit()
                else:
                    savepoint.rollback()
                    pending_rewind(session, mark)
                refusals.append(refused.reason)
                log.warning("refused MQTT message on %r: %s", message.topic, refused)
            except OperationalError:
                raise
            except Exception:
                savepoint.rollback()
                pending_rewind(session, mark)
                self._begin_batch(messages)  # objects the handler cached may be stale now
                outcomes["errors"] = outcomes.get("errors", 0) + 1
                log.exception("handler failed on %r; message skipped", message.topic)
        return outcomes, refusals

    def _ack(self, items: list) -> None:
        """PUBACK each message of the batch, on the connection it came in on, in order, in one
        write: paho's ack() sends a packet with a system call of its own each time. (Manual
        acks are only ever PUBACKs here: the subscription is QoS 1 and the protocol MQTT 3.1.1.)"""
        client = self._client
        generation = self._generation
        mids = [item.mid for item in items if item.qos == 1 and item.generation == generation]
        if client is None or not mids:
            return
        acks = b"".join([_PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in mids])
        client._packet_queue(mqtt.PUBACK, acks, 0, 0)  # paho writes it, partial writes included

    def _flush_outbox(self) -> None:
        from portal.core.db import begin_write, db

        self._outbox_due = time.monotonic() + OUTBOX_POLL_S
        if not self.connected:
            return
        with self.app.app_context():
            try:
                commands = self.handlers.pending_commands()
                if not commands:
                    return
                sent = [c.key for c in commands if self.publish(c.locker, c.payload)]
                if sent:
                    db.session.commit()
                    begin_write()
                    self.handlers.commands_sent(sent)
                    db.session.commit()
                    self.counters.add("commands", len(sent))
            finally:
                db.session.rollback()
                db.session.remove()

    def _tick(self) -> None:
        from portal.core.db import db

        self._tick_due = time.monotonic() + TICK_S
        with self.app.app_context():
            try:
                self.handlers.tick(time.time())
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
