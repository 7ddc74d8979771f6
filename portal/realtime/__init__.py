"""Socket.IO: people join their own room; events are pushed only after the commit."""

from flask import current_app
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.signals import notification_created
from portal.extensions import socketio

PENDING = "realtime_pending"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def push_after_commit(session: Session, room: str, payload: dict) -> None:
    """Queue a small event for a room; it is emitted once the transaction commits."""
    session.info.setdefault(PENDING, []).append((room, payload))


@event.listens_for(Session, "after_commit")
def _emit_pending(session: Session) -> None:
    for room, payload in session.info.pop(PENDING, []):
        socketio.emit("portal", payload, to=room)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction) -> None:
    session.info.pop(PENDING, None)


def _on_notification(notification, user_id: int) -> None:
    from portal.core.db import db

    push_after_commit(db.session(), user_room(user_id), {"type": "notification"})


def init_realtime(app) -> None:
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("REDIS_URL"),
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
