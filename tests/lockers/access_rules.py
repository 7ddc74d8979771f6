"""Lockers and kiosk routes in the access matrix (see tests/access.py).

Community A has a locker pickup point (hosted by A's leader) with a registered locker, an open
alarm, an announcement and a kiosk screen (A's kiosk persona); B has a pickup point too.
"""

from portal.core.db import db, utcnow
from portal.lockers.models import Announcement, KioskDevice, LockerAlarm
from portal.lockers.services import register_locker
from portal.pickup.models import PickupKind, PickupPoint
from tests.access import Route

ADMINS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": "ok",
    "outsider_admin": "ok",
    "leader": 403,
    "kiosk": 403,
}
ADMIN_FORMS = {**ADMINS, "admin": 422, "outsider_admin": 422}
A_ADMIN_OBJECT = {**ADMINS, "outsider_admin": 404}
BOARD_HOME = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": "ok",
    "leader": 403,
    "kiosk": "ok",
    "outsider_admin": "ok",
}
A_BOARD = {**BOARD_HOME, "outsider_admin": 404}


def populate(world):
    a, b = world["community"], world["other_community"]
    point = PickupPoint(
        community_id=a.id, name="3栋智能柜", kind=PickupKind.LOCKER, host_user_id=world.people["leader"].id
    )
    other = PickupPoint(community_id=b.id, name="梧桐驿站", kind=PickupKind.STATION)
    db.session.add_all([point, other])
    db.session.flush()
    locker, _ = register_locker(point, "access-a", "A柜", "A01:S,A02:M")
    alarm = LockerAlarm(
        locker_id=locker.id, community_id=a.id, kind="door", comp="A01", raised_at=utcnow(), last_at=utcnow()
    )
    note = Announcement(pickup_point_id=point.id, text="今天下午柜机维护")
    db.session.add_all([alarm, note, KioskDevice(user_id=world.people["kiosk"].id, pickup_point_id=point.id)])
    db.session.commit()
    world.objects.update(point=point, other_point=other, locker=locker, alarm=alarm, note=note)


PLATFORM = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": 403,
    "outsider_admin": 403,
    "platform": "ok",
}

ROUTES = [
    Route("lockers.platform_sightings", "GET", lambda w: "/platform/lockers", PLATFORM),
    Route("lockers.index", "GET", lambda w: "/admin/lockers", ADMINS),
    Route(
        "lockers.register",
        "POST",
        lambda w: "/admin/lockers",
        ADMIN_FORMS,
        data=lambda w: {"device_id": "BAD ID"},
    ),
    Route("lockers.locker", "GET", lambda w: f"/admin/lockers/{w['locker'].id}", A_ADMIN_OBJECT),
    Route(
        "lockers.locker",
        "GET",
        lambda w: "/admin/lockers/999999",
        {**ADMINS, "admin": 404, "outsider_admin": 404},
    ),
    Route(
        "lockers.edit",
        "POST",
        lambda w: f"/admin/lockers/{w['locker'].id}",
        A_ADMIN_OBJECT,
        data=lambda w: {"name": "A柜 (东)", "enabled": "y"},
    ),
    Route(
        "lockers.credentials",
        "POST",
        lambda w: f"/admin/lockers/{w['locker'].id}/credentials",
        A_ADMIN_OBJECT,
    ),
    Route(
        "lockers.remote_open",
        "POST",
        lambda w: f"/admin/lockers/{w['locker'].id}/open",
        A_ADMIN_OBJECT,
        data=lambda w: {"comp": "A01"},
    ),
    Route("lockers.approve", "POST", lambda w: f"/admin/lockers/{w['locker'].id}/approve", A_ADMIN_OBJECT),
    Route("lockers.unlock", "POST", lambda w: f"/admin/lockers/{w['locker'].id}/unlock", A_ADMIN_OBJECT),
    Route(
        "lockers.resolve", "POST", lambda w: f"/admin/lockers/alarms/{w['alarm'].id}/resolve", A_ADMIN_OBJECT
    ),
    Route("lockers.kiosks", "GET", lambda w: "/admin/kiosks", ADMINS),
    Route(
        "lockers.new_kiosk", "POST", lambda w: "/admin/kiosks", ADMIN_FORMS, data=lambda w: {"phone": "123"}
    ),
    Route(
        "lockers.remove_kiosk",
        "POST",
        lambda w: f"/admin/kiosks/{w.people['kiosk'].id}/remove",
        A_ADMIN_OBJECT,
    ),
    Route(
        "lockers.announce", "POST", lambda w: "/admin/kiosks/announcements", ADMIN_FORMS, data=lambda w: {}
    ),
    Route(
        "lockers.unannounce",
        "POST",
        lambda w: f"/admin/kiosks/announcements/{w['note'].id}/remove",
        A_ADMIN_OBJECT,
    ),
    Route("lockers.kiosk_home", "GET", lambda w: "/kiosk", {**BOARD_HOME, "outsider_admin": "ok"}),
    Route("lockers.board", "GET", lambda w: f"/kiosk/points/{w['point'].id}", A_BOARD),
    Route(
        "lockers.board",
        "GET",
        lambda w: f"/kiosk/points/{w['other_point'].id}",
        {**BOARD_HOME, "admin": 404, "kiosk": 404},
    ),
]
