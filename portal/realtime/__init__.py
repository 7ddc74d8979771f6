"""Socket.IO: people join their own room; events are pushed only after the commit.

Besides `user:<id>`, a page may ask to watch more rooms (body `data-rooms`, see app.js): each
room prefix has an access check registered by the domain that owns it, e.g. `pickup:<id>` for
the kiosk board of a pickup point (portal.lockers). A room without a check is refused.
"""

import json
from collections.abc import Callable
from functools import wraps

import click
from flask import current_app
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.signals import notification_created
from portal.extensions import socketio

PENDING = "realtime_pending"
MAX_WATCHED_ROOMS = 8

# room prefix -> check(user, object id) -> bool
ROOM_CHECKS: dict[str, Callable[[object, int], bool]] = {}


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def register_room(prefix: str, check: Callable[[object, int], bool]) -> None:
    """Let pages watch rooms `<prefix>:<id>`; `check(user, id)` decides who may join."""
    ROOM_CHECKS[prefix] = check


def push_after_commit(session: Session, room: str, payload: dict) -> None:
    """Queue a small event for a room; it is emitted once the transaction commits."""
    session.info.setdefault(PENDING, []).append((room, payload))


def pending_mark(session: Session) -> int:
    """How many events are queued now (to rewind to, when a savepoint is rolled back)."""
    return len(session.info.get(PENDING, ()))


def pending_rewind(session: Session, mark: int) -> None:
    """Forget the events queued after `mark` (their savepoint was rolled back)."""
    if PENDING in session.info:
        del session.info[PENDING][mark:]


def pending_count(session: Session) -> int:
    """How many pushes the next commit will emit (repeats within the transaction counted once)."""
    return len({_push_key(room, payload) for room, payload in session.info.get(PENDING, ())})


def _push_key(room: str, payload: dict):
    """Pushes with the same key say the same thing; only the last of a transaction is sent."""
    if "key" in payload:
        return (room, payload["type"], payload["key"])
    return (room, json.dumps(payload, sort_keys=True, default=str))


@event.listens_for(Session, "after_commit")
def _emit_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is committed yet (SQLAlchemy fires this for it too)
    latest = {}
    for room, payload in session.info.pop(PENDING, []):
        latest[_push_key(room, payload)] = (room, payload)  # a batch touching a board ten times pushes once
    for room, payload in latest.values():
        socketio.emit("portal", {k: v for k, v in payload.items() if k != "key"}, to=room)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return  # only a savepoint was rolled back (see pending_mark/pending_rewind)
    session.info.pop(PENDING, None)


def _on_notification(notification, user_id: int) -> None:
    from portal.core.db import db

    push_after_commit(db.session(), user_room(user_id), {"type": "notification"})


def may_watch(user, room: str) -> bool:
    """Whether `user` may join `room` (`prefix:id` with a registered check)."""
    prefix, _, raw_id = room.partition(":")
    check = ROOM_CHECKS.get(prefix)
    if check is None or not raw_id.isdigit() or len(raw_id) > 12:
        return False
    try:
        return bool(check(user, int(raw_id)))
    except Exception:
        current_app.logger.exception("room check for %s failed", room)
        return False


NO_REDIS = (
    "PORTAL_REDIS_URL is not set: this process runs apart from the web processes, so its live "
    "updates (a closed buy, a parcel in a locker, a notification) could reach no open page. Set "
    "PORTAL_REDIS_URL (the web processes' too), or pass --no-pushes if nobody needs them."
)


def pushes_apart(command):
    """For a command that runs apart from the web (the ingest, the sweepers): its pushes reach
    browsers only through the Redis message queue, so without PORTAL_REDIS_URL it refuses to
    start — unless `--no-pushes` says that nobody needs them."""

    @click.option(
        "--no-pushes",
        is_flag=True,
        help="Run without PORTAL_REDIS_URL, knowing that open pages will not update live.",
    )
    @wraps(command)
    def checked(*args, no_pushes: bool = False, **kwargs):
        if not current_app.config.get("REDIS_URL") and not no_pushes:
            raise click.UsageError(NO_REDIS)
        return command(*args, **kwargs)

    return checked


def async_mode() -> str:
    """gevent where the server runs on gevent (gunicorn -k gevent patches the standard library
    first), threads otherwise (`flask serve`, tests, the ingest and sweepers)."""
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def init_realtime(app) -> None:
    # init_app keeps options from earlier apps in this process: a message queue set up for one
    # app (REDIS_URL) must not carry over to the next
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=async_mode(),
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config.get("SOCKETIO_CHANNEL", "linli-socketio"),
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        manage_session=False,
    )
    notification_created.connect(_on_notification, weak=False)

    @socketio.on("connect")
    def on_connect(auth=None):
        if not current_user.is_authenticated:
            return False
        join_room(user_room(current_user.id))
        current_app.logger.debug("socket joined %s", user_room(current_user.id))
        return True

    @socketio.on("watch")
    def on_watch(data=None):
        """Join the rooms a page asks for, each after its access check; answers what was joined."""
        if not current_user.is_authenticated:
            return {"joined": []}
        rooms = data.get("rooms") if isinstance(data, dict) else None
        if not isinstance(rooms, list):
            return {"joined": []}
        joined = []
        for room in rooms[:MAX_WATCHED_ROOMS]:
            if isinstance(room, str) and may_watch(current_user, room):
                join_room(room)
                joined.append(room)
        return {"joined": joined}
