"""Real Socket.IO clients (python-socketio's asyncio client over WebSocket) for tests and benches:
many of them in one event loop, each logged in through a person's cookies, counting what the
portal pushes to them.

    with Sockets(server.url, cookie, count=200, rooms=["pickup:3"]) as sockets:
        ...                                   # they stay connected meanwhile
        sockets.wait_for(lambda event: event["type"] == "locker")   # every client got one
"""

import asyncio
import threading
import time
from collections.abc import Callable

import socketio


class Sockets:
    def __init__(self, url: str, cookie: str, count: int = 1, rooms: list[str] | None = None, timeout=60.0):
        self.url, self.cookie, self.count, self.rooms, self.timeout = url, cookie, count, rooms or [], timeout
        self.clients: list[socketio.AsyncClient] = []
        self.events: list[list[tuple[float, dict]]] = []  # per client: (time.monotonic(), payload)
        self.errors: list[BaseException] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="socket-clients", daemon=True)

    def __enter__(self) -> "Sockets":
        self.thread.start()
        self._run(self._connect_all(), self.timeout + 30)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._run(self._disconnect_all(), 60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    def _run(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _connect_one(self, index: int, gate: asyncio.Semaphore) -> None:
        client = socketio.AsyncClient(reconnection=False)
        received: list[tuple[float, dict]] = []
        client.on("portal", lambda payload: received.append((time.monotonic(), payload)))
        async with gate:  # a phone connects once: don't storm the server's accept queue
            await client.connect(
                self.url, headers={"Cookie": self.cookie}, transports=["websocket"], wait_timeout=self.timeout
            )
            if self.rooms:
                joined = await client.call("watch", {"rooms": self.rooms}, timeout=self.timeout)
                assert sorted(joined["joined"]) == sorted(self.rooms), joined
        self.clients.append(client)
        self.events.append(received)

    async def _connect_all(self) -> None:
        gate = asyncio.Semaphore(100)
        results = await asyncio.gather(
            *(self._connect_one(i, gate) for i in range(self.count)), return_exceptions=True
        )
        self.errors = [r for r in results if isinstance(r, BaseException)]

    async def _disconnect_all(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)

    @property
    def connected(self) -> int:
        return sum(1 for client in self.clients if client.connected)

    def received(self, match: Callable[[dict], bool]) -> list[float | None]:
        """Per client: when it first received a push that matches, or None."""
        return [next((at for at, payload in got if match(payload)), None) for got in list(self.events)]

    def wait_for(self, match: Callable[[dict], bool], timeout: float = 30.0) -> list[float]:
        """Wait until every client has received a matching push; their arrival times."""
        deadline = time.monotonic() + timeout
        while True:
            arrivals = self.received(match)
            if arrivals and all(at is not None for at in arrivals):
                return arrivals
            if time.monotonic() > deadline:
                got = sum(at is not None for at in arrivals)
                raise AssertionError(f"{got}/{len(arrivals)} clients received the push within {timeout} s")
            time.sleep(0.05)
