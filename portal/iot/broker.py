"""The embedded MQTT broker (amqtt) that `flask serve` starts when PORTAL_MQTT_URL is unset.

Authentication is always on: amqtt does not queue QoS 1 messages for anonymous sessions, so
the portal's persistent session would lose what lockers send while it reconnects. Who may log
in (`check(username, password)`) and which topics each user may use (`acl(username, topic,
action)`) are functions handed in by the caller; the broker itself knows nothing of lockers.
"""

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin

log = logging.getLogger("portal.iot.broker")
# amqtt and its state machine library log every connection at INFO: too chatty beside the portal
for _name in ("amqtt", "transitions"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class CheckAuthPlugin(BaseAuthPlugin):
    """Every connection needs a username and a password that `check` accepts."""

    async def authenticate(self, *, session) -> bool:
        check = self.config.check
        if check is None or not session or not session.username:
            return False
        username, password = session.username, session.password or ""
        if isinstance(password, bytes):
            password = password.decode("utf-8", "replace")
        try:
            loop = asyncio.get_running_loop()
            return bool(await loop.run_in_executor(None, check, username, password))
        except Exception:
            log.exception("MQTT login check failed for %r", username)
            return False

    @dataclass
    class Config:
        check: Any = None


class AclPlugin(BaseTopicPlugin):
    """Publish, subscribe and receive only where `acl(username, topic, action)` says."""

    async def topic_filtering(self, *, session=None, topic=None, action=None) -> bool:
        acl = self.config.acl
        if acl is None:
            return True
        if session is None or not session.username or topic is None:
            return False
        try:
            return bool(acl(session.username, topic, _action_name(action)))
        except Exception:
            log.exception("MQTT ACL check failed for %r on %r", session.username, topic)
            return False

    @dataclass
    class Config:
        acl: Any = None


def _action_name(action) -> str:
    """ "publish" | "subscribe" | "receive"."""
    return {Action.PUBLISH: "publish", Action.SUBSCRIBE: "subscribe", Action.RECEIVE: "receive"}.get(
        action, str(action)
    )


class EmbeddedBroker:
    """amqtt in a thread with its own event loop; `start()` returns once it listens."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883, *, check=None, acl=None):
        self.host = host
        self.port = port
        self.check = check
        self.acl = acl
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Broker | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def config(self) -> dict:
        plugins = {f"{__name__}.CheckAuthPlugin": {"check": self.check}}
        if self.acl is not None:
            plugins[f"{__name__}.AclPlugin"] = {"acl": self.acl}
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": plugins,
        }

    def url(self, username: str, password: str) -> str:
        from urllib.parse import quote

        return f"mqtt://{quote(username, safe='')}:{quote(password, safe='')}@{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> "EmbeddedBroker":
        self._thread = threading.Thread(target=self._run, name="mqtt-broker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the embedded MQTT broker did not start in time")
        if self._error is not None:
            raise RuntimeError(f"the embedded MQTT broker could not start: {self._error}")
        log.info("embedded MQTT broker listening on %s:%s", self.host, self.port)
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start())
        except BaseException as error:  # reported to start()
            self._error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _start(self) -> None:
        self._broker = Broker(self.config())
        await self._broker.start()

    def stop(self, timeout: float = 10.0) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or broker is None or not loop.is_running():
            return
        future = asyncio.run_coroutine_threadsafe(broker.shutdown(), loop)
        try:
            future.result(timeout)
        except Exception:
            log.exception("embedded MQTT broker did not shut down cleanly")
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)


def locker_acl(portal_users: set[str], root: str):
    """ACL for the contract: the portal anywhere under the tree, each locker only its own topics.

    A locker's MQTT username is its locker id. It may publish its status, compartments and
    events, subscribe to its commands (and read back its own retained state at power-up).
    """
    tree = f"{root}/v1/lockers/"

    def allowed(username: str, topic: str, action: str) -> bool:
        if username in portal_users:
            return topic.startswith(tree) or topic == f"{root}/v1/lockers/#"
        base = tree + username + "/"
        if not topic.startswith(base):
            return False
        rest = topic[len(base) :]
        is_compartment = rest.startswith("compartments/") and "/" not in rest[len("compartments/") :]
        if action == "publish":
            return rest in ("status", "events") or (is_compartment and "+" not in rest)
        if action == "subscribe":
            return rest in ("commands", "status") or is_compartment
        return rest in ("commands", "status") or is_compartment  # receive

    return allowed
