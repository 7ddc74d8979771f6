"""Admin pages (registration, credentials, approval, remote open, unlock, kiosks, notices), the
kiosk board, and who may watch which live room."""

import re

import pytest
import sqlalchemy as sa

from portal.community.models import Membership, Role
from portal.core.db import db
from portal.extensions import socketio
from portal.lockers.models import Announcement, Compartment, KioskDevice, Locker, LockerCommand
from portal.lockers.services import verify_locker_login
from tests.conftest import HTMX
from tests.lockers.conftest import fresh


def test_admin_registers_a_locker_and_sees_its_password_once(world, auth):
    admin = auth.login(world.admin)
    response = admin.post(
        "/admin/lockers",
        data={
            "pickup_point_id": world.point.id,
            "device_id": "North-2",
            "name": "B柜",
            "layout": "B01:S, B02:M, C01:L:cold",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password = re.search(r'class="lk-password">([^<]+)<', page).group(1)
    fresh()
    locker = db.session.scalar(sa.select(Locker).where(Locker.device_id == "north-2"))
    assert [(c.comp, c.size, c.cold, c.approved) for c in locker.compartments] == [
        ("B01", "S", False, True),
        ("B02", "M", False, True),
        ("C01", "L", True, True),
    ]
    assert password not in locker.mqtt_password_hash
    assert verify_locker_login("north-2", password) and not verify_locker_login("north-2", "guess")
    assert "mosquitto_passwd" in page
    assert password not in admin.get(f"/admin/lockers/{locker.id}").get_data(as_text=True)

    rotated = admin.post(f"/admin/lockers/{locker.id}/credentials", headers=HTMX).get_data(as_text=True)
    new_password = re.search(r'class="lk-password">([^<]+)<', rotated).group(1)
    assert verify_locker_login("north-2", new_password) and not verify_locker_login("north-2", password)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"device_id": "bad id!"}, "device_id"),
        ({"device_id": "ok-1", "layout": "A01:XL"}, "layout"),
        ({"device_id": "ok-1", "layout": "A01, A01"}, "layout"),
    ],
)
def test_bad_registrations_are_refused_beside_the_field(world, auth, data, field):
    admin = auth.login(world.admin)
    response = admin.post("/admin/lockers", data={"pickup_point_id": world.point.id, **data}, headers=HTMX)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Locker)) == 1


def test_a_taken_locker_id_is_refused(world, auth):
    admin = auth.login(world.admin)
    response = admin.post(
        "/admin/lockers",
        data={"pickup_point_id": world.point.id, "device_id": world.locker.device_id},
        headers=HTMX,
    )
    assert response.status_code == 422 and 'id="device_id-error"' in response.get_data(as_text=True)


def test_learned_compartments_wait_for_approval(world, auth):
    from portal.core.db import begin_write

    begin_write()
    locker = db.session.get(Locker, world.locker.id)
    locker.compartments.append(Compartment(comp="D01", approved=False))
    db.session.commit()
    admin = auth.login(world.admin)
    page = admin.get(f"/admin/lockers/{locker.id}").get_data(as_text=True)
    assert "D01" in page and f"/admin/lockers/{locker.id}/approve" in page
    board = auth.login(world.kiosk).get(f"/kiosk/points/{world.point.id}").get_data(as_text=True)
    assert 'data-comp="D01"' not in board and 'data-comp="A01"' in board
    assert admin.post(f"/admin/lockers/{locker.id}/approve").status_code == 303
    fresh()
    assert all(c.approved for c in db.session.get(Locker, locker.id).compartments)


def test_an_unregistered_locker_is_shown_to_the_platform_admin_and_no_community(world, auth, make):
    """A locker that called in belongs to no community yet: its id and layout are for the
    platform admin, who tells the right community; registering it brings the layout along."""
    from portal.core.db import begin_write, utcnow
    from portal.lockers.services import note_sighting

    begin_write()
    note_sighting("stranger-9", "A01:S,A02:M:cold", "1.4.2", utcnow())
    db.session.commit()
    platform = auth.login(make.user(is_platform_admin=True))
    page = platform.get("/platform/lockers").get_data(as_text=True)
    assert "stranger-9" in page and "A01:S,A02:M:cold" in page
    other_admin = make.member(make.community(), roles=Role.RESIDENT | Role.ADMIN).user
    for admin in (world.admin, other_admin):
        assert "stranger-9" not in auth.login(admin).get("/admin/lockers").get_data(as_text=True)

    admin = auth.login(world.admin)
    data = {"pickup_point_id": world.point.id, "device_id": "stranger-9", "name": "C柜", "layout": ""}
    assert admin.post("/admin/lockers", data=data).status_code == 200
    fresh()
    locker = db.session.scalar(sa.select(Locker).where(Locker.device_id == "stranger-9"))
    assert [(c.comp, c.cold, c.approved) for c in locker.compartments] == [
        ("A01", False, False),
        ("A02", True, False),
    ]
    assert "stranger-9" not in platform.get("/platform/lockers").get_data(as_text=True)


def test_remote_open_goes_to_the_outbox(world, auth):
    admin = auth.login(world.admin)
    response = admin.post(f"/admin/lockers/{world.locker.id}/open", data={"comp": "A03"}, headers=HTMX)
    assert response.status_code == 200 and "A03" in response.get_data(as_text=True)
    fresh()
    command = db.session.scalar(sa.select(LockerCommand))
    assert (command.type, command.comp, command.in_reply_to, command.requested_by_id) == (
        "open",
        "A03",
        None,
        world.admin.id,
    )
    assert (
        admin.post(f"/admin/lockers/{world.locker.id}/open", data={"comp": "Z9"}, headers=HTMX).status_code
        == 422
    )


def test_admin_creates_a_kiosk_screen_that_logs_in_to_its_board(world, auth, app):
    admin = auth.login(world.admin)
    response = admin.post(
        "/admin/kiosks",
        data={"pickup_point_id": world.point.id, "name": "3栋大屏", "phone": "19912345678"},
        headers=HTMX,
    )
    assert response.status_code == 200
    password = re.search(r'class="lk-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    fresh()
    device = db.session.scalar(
        sa.select(KioskDevice)
        .join(KioskDevice.user)
        .where(KioskDevice.pickup_point_id == world.point.id, KioskDevice.user_id != world.kiosk.id)
    )
    assert device.user.is_device
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == device.user_id))
    assert membership.roles == Role.KIOSK

    screen = app.test_client()
    assert screen.post("/login", data={"phone": "19912345678", "password": password}).status_code == 303
    landing = screen.get("/kiosk")
    assert landing.status_code == 302 and landing.headers["Location"].endswith(
        f"/kiosk/points/{world.point.id}"
    )
    assert screen.get("/admin/lockers").status_code == 403

    again = admin.post(
        "/admin/kiosks",
        data={"pickup_point_id": world.point.id, "name": "x", "phone": "19912345678"},
        headers=HTMX,
    )
    assert again.status_code == 422 and 'id="phone-error"' in again.get_data(as_text=True)


def test_announcements_appear_on_the_board(world, auth):
    admin = auth.login(world.admin)
    assert (
        admin.post(
            "/admin/kiosks/announcements",
            data={"pickup_point_id": world.point.id, "text": "周六上午柜机维护", "days": "3"},
        ).status_code
        == 303
    )
    assert (
        admin.post(
            "/admin/kiosks/announcements",
            data={"pickup_point_id": world.point.id, "text": "", "days": "500"},
            headers=HTMX,
        ).status_code
        == 422
    )
    board = auth.login(world.kiosk).get(f"/kiosk/points/{world.point.id}").get_data(as_text=True)
    assert "周六上午柜机维护" in board
    fresh()
    note = db.session.scalar(sa.select(Announcement))
    assert admin.post(f"/admin/kiosks/announcements/{note.id}/remove").status_code == 303
    assert "周六上午柜机维护" not in auth.login(world.kiosk).get(f"/kiosk/points/{world.point.id}").get_data(
        as_text=True
    )


def test_board_shows_ready_orders_with_masked_names_and_the_fragment_for_htmx(world, auth):
    import uuid

    from portal.core.db import begin_write, utcnow
    from portal.iot.schemas import Event
    from portal.lockers.ingest import LockerHandlers

    order = world.order()
    begin_write()
    LockerHandlers().event(
        world.locker.device_id,
        Event(str(uuid.uuid4()), 5, utcnow(), "deposit", "A02", order=order.reference),
        0.0,
    )
    db.session.commit()
    kiosk = auth.login(world.kiosk)
    page = kiosk.get(f"/kiosk/points/{world.point.id}").get_data(as_text=True)
    assert "王**" in page and "王阿姨" not in page and order.reference in page
    assert 'data-rooms="pickup:' in page and "<html" in page
    fragment = kiosk.get(f"/kiosk/points/{world.point.id}", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'data-state="ready"' in fragment and "王**" in fragment


def _socket(app, client):
    return socketio.test_client(app, flask_test_client=client)


def test_only_kiosks_admins_and_the_host_may_watch_a_board(world, auth, app, make):
    room = f"pickup:{world.point.id}"
    outsider_admin = make.member(make.community(), roles=Role.RESIDENT | Role.ADMIN).user
    for user, allowed in [
        (world.kiosk, True),
        (world.admin, True),
        (world.leader, True),
        (world.resident, False),
        (outsider_admin, False),
    ]:
        client = auth.login(user)
        with app.app_context():  # each socket event has its own context (and current_user), as when served
            sock = _socket(app, client)
            joined = sock.emit(
                "watch",
                {"rooms": [room, f"lockers:{world.community.id}", "user:1", "pickup:x"]},
                callback=True,
            )
            sock.disconnect()
        assert (room in joined["joined"]) == allowed, user.display_name
        assert "user:1" not in joined["joined"] and "pickup:x" not in joined["joined"]
    with app.app_context():
        assert not _socket(app, app.test_client()).is_connected()


def test_a_committed_change_is_pushed_to_the_board_room(world, auth, app):
    sock = _socket(app, auth.login(world.kiosk))
    sock.emit("watch", {"rooms": [f"pickup:{world.point.id}"]}, callback=True)
    sock.get_received()
    admin = auth.login(world.admin)
    admin.post(f"/admin/lockers/{world.locker.id}/unlock")
    pushed = [message["args"][0] for message in sock.get_received() if message["name"] == "portal"]
    assert {"type": "locker", "point": world.point.id} in pushed
    sock.disconnect()


def test_the_kiosk_board_labels_are_capitalised_in_english(world, auth):
    world.locker.locked_by_admin = True
    db.session.commit()
    page = auth.login(world.kiosk).get(
        f"/kiosk/points/{world.point.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    labels = re.findall(r'<span class="k-(?:state|comp-state|place)[^"]*">([^<]+)</span>', page)
    labels += re.findall(r"<h2>([^<]+)", page)
    assert "Free" in labels and ("Online" in labels or "Offline" in labels) and "Keypad locked" in labels
    assert all(label.strip()[0].isupper() for label in labels), labels
