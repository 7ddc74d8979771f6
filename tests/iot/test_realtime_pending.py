"""Pushes leave only after the real commit: not when a savepoint is released, not after a
rollback; a savepoint rolled back keeps what was queued before it; one push per key (the last)."""

from unittest import mock

import pytest

from portal import realtime
from portal.core.db import db


@pytest.fixture
def emitted(app):
    sent = []
    with mock.patch.object(realtime.socketio, "emit", lambda name, payload, to: sent.append((to, payload))):
        yield sent


def test_savepoints_do_not_emit_and_the_commit_does(app, emitted):
    session = db.session()
    session.connection()
    realtime.push_after_commit(session, "room", {"type": "a"})
    savepoint = session.begin_nested()
    realtime.push_after_commit(session, "room", {"type": "b"})
    savepoint.commit()
    assert emitted == []
    failed = session.begin_nested()
    failed.rollback()
    assert emitted == [] and len(session.info[realtime.PENDING]) == 2
    session.commit()
    assert emitted == [("room", {"type": "a"}), ("room", {"type": "b"})]


def test_a_rolled_back_transaction_pushes_nothing(app, emitted):
    session = db.session()
    session.connection()
    realtime.push_after_commit(session, "room", {"type": "a"})
    session.rollback()
    session.connection()
    session.commit()
    assert emitted == []


def test_pushes_with_a_key_are_sent_once_with_the_last_payload(app, emitted):
    session = db.session()
    session.connection()
    for seq in (1, 2, 3):
        realtime.push_after_commit(session, "pickup:1", {"type": "locker", "key": (1, "a"), "seq": seq})
    realtime.push_after_commit(session, "pickup:1", {"type": "locker", "key": (1, "b"), "seq": 9})
    assert realtime.pending_count(session) == 2
    session.commit()
    assert emitted == [("pickup:1", {"type": "locker", "seq": 3}), ("pickup:1", {"type": "locker", "seq": 9})]


def test_rewinding_drops_what_a_failed_message_queued(app, emitted):
    session = db.session()
    session.connection()
    realtime.push_after_commit(session, "room", {"type": "kept"})
    mark = realtime.pending_mark(session)
    realtime.push_after_commit(session, "room", {"type": "dropped"})
    realtime.pending_rewind(session, mark)
    session.commit()
    assert emitted == [("room", {"type": "kept"})]
