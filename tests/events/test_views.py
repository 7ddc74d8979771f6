"""Event pages as residents, volunteers and admins use them."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.masking import mask_name
from portal.events.models import Event, Signup
from portal.events.services.tickets import ticket_token
from portal.notifications.models import Notification
from tests.events.helpers import make_event

HX = {"HX-Request": "true"}


@pytest.fixture
def town(make):
    community = make.community("幸福里")
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    volunteer = make.member(community, roles=Role.RESIDENT | Role.VOLUNTEER)
    resident = make.member(community)
    return community, admin, volunteer, resident


def local_input(moment):
    from portal.core.localtime import to_wall_clock

    return to_wall_clock(moment).strftime("%Y-%m-%dT%H:%M")


def test_resident_sees_signs_up_and_gets_a_ticket(auth, town):
    _community, admin, _volunteer, resident = town
    event = make_event(admin, capacity=5, title="春季亲子插花")
    client = auth.login(resident.user)
    page = client.get("/events").get_data(as_text=True)
    assert "春季亲子插花" in page
    response = client.post(f"/events/{event.id}/signup", data={"companions": "1"}, headers=HX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="signup-panel"' in text and "<html" not in text
    assert f"/events/{event.id}/ticket" in text
    signup = db.session.scalar(sa.select(Signup).where(Signup.event_id == event.id))
    assert (signup.status, signup.places) == ("confirmed", 2)
    ticket = client.get(f"/events/{event.id}/ticket")
    assert ticket.status_code == 200
    assert ticket_token(signup) in ticket.get_data(as_text=True)
    qr = client.get(f"/events/{event.id}/ticket.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_signup_without_htmx_redirects_back(auth, town):
    _community, admin, _volunteer, resident = town
    event = make_event(admin)
    response = auth.login(resident.user).post(f"/events/{event.id}/signup", data={"companions": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/events/{event.id}")


def test_bad_companions_is_422_and_stores_nothing(auth, town):
    _community, admin, _volunteer, resident = town
    event = make_event(admin, max_companions=1)
    client = auth.login(resident.user)
    for value in ("5", "abc", "-1"):
        response = client.post(f"/events/{event.id}/signup", data={"companions": value}, headers=HX)
        assert response.status_code == 422, value
        assert "field-error" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) == 0


def test_full_event_offers_the_waitlist_and_cancel_promotes(auth, town, make):
    community, admin, _volunteer, resident = town
    event = make_event(admin, capacity=1)
    first = make.member(community)
    auth.login(first.user).post(f"/events/{event.id}/signup", data={"companions": "0"}, headers=HX)
    client = auth.login(resident.user)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'id="signup-button"' in page and "secondary" in page
    response = client.post(f"/events/{event.id}/signup", data={"companions": "0"}, headers=HX)
    assert "state-wait" in response.get_data(as_text=True)
    response = auth.login(first.user).post(f"/events/{event.id}/cancel", headers=HX)
    assert response.status_code == 200
    mine = db.session.scalar(sa.select(Signup).where(Signup.user_id == resident.user_id))
    assert mine.status == "confirmed" and mine.promoted_at is not None
    # the waiting resident's open page refetches its panel when the notification is pushed
    assert "portal:notification from:body" in page
    panel = client.get(f"/events/{event.id}", headers=HX).get_data(as_text=True)
    assert panel.lstrip().startswith('<section id="signup-panel"') and 'id="show-ticket"' in panel
    assert db.session.scalar(
        sa.select(Notification.kind).where(Notification.user_id == resident.user_id)
    ) == "event_promoted"


def test_ticket_link_checks_in_for_staff_only(auth, town, make):
    community, admin, volunteer, resident = town
    event = make_event(admin, starts_at=utcnow() + timedelta(hours=1))
    auth.login(resident.user).post(f"/events/{event.id}/signup", data={"companions": "0"})
    signup = db.session.scalar(sa.select(Signup))
    link = f"/events/t/{ticket_token(signup)}"

    owner = auth.login(resident.user)
    assert owner.get(link).status_code == 303  # to their ticket page
    assert owner.post(link).status_code == 403
    neighbour = auth.login(make.member(community).user)
    assert neighbour.get(link).status_code == 404

    staff = auth.login(volunteer.user)
    page = staff.get(link).get_data(as_text=True)
    assert 'id="checkin-button"' in page and mask_name(resident.user.display_name) in page
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).checked_in_at is None  # opening changes nothing
    response = staff.post(link, headers=HX)
    assert response.status_code == 200
    assert "state-ok" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).checked_in_by_id == volunteer.user_id
    again = staff.post(link, headers=HX).get_data(as_text=True)
    assert "state-wait" in again  # already checked in
    assert staff.get("/events/t/forged-token").status_code == 404


def test_door_search_and_check_in(auth, town, make):
    community, admin, volunteer, _resident = town
    event = make_event(admin, starts_at=utcnow() + timedelta(hours=1))
    guest = make.member(community, user=make.user(name="王阿姨"))
    auth.login(guest.user).post(f"/events/{event.id}/signup", data={"companions": "0"})
    staff = auth.login(volunteer.user)
    # her name is private: the door finds her by the last digits of her number, masked
    assert "王**" not in staff.get(f"/events/{event.id}/door?q=王", headers=HX).get_data(as_text=True)
    digits = guest.user.phone[-4:]
    found = staff.get(f"/events/{event.id}/door?q={digits}", headers=HX).get_data(as_text=True)
    assert "王**" in found and "王阿姨" not in found and 'id="door-results"' in found
    signup = db.session.scalar(sa.select(Signup))
    response = staff.post(f"/events/{event.id}/signups/{signup.id}/check-in?q=王", headers=HX)
    assert response.status_code == 200 and "form-ok" in response.get_data(as_text=True)
    counts = staff.get(f"/events/{event.id}/counts").get_data(as_text=True)
    assert 'data-count="checked-in">1<' in counts


def test_admin_creates_with_photo_and_bad_input_is_422(auth, town):
    community, admin, _volunteer, _resident = town
    client = auth.login(admin.user)
    start = utcnow() + timedelta(days=5)
    good = {
        "kind": "event",
        "title": "农场探访",
        "description": "清晨采摘",
        "place": "东门集合",
        "starts_at": local_input(start),
        "ends_at": local_input(start + timedelta(hours=3)),
        "capacity": "12",
        "max_companions": "2",
        "audience": "community",
        "building_id": "0",
        "group_id": "0",
        "points_cost": "0",
    }
    bad = dict(good, ends_at=local_input(start - timedelta(hours=1)), capacity="0")
    response = client.post("/events/new", data=bad, headers=HX)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
    wrong_building = dict(good, audience="building", building_id="999999")
    assert client.post("/events/new", data=wrong_building, headers=HX).status_code == 422
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(picture, "PNG")
    picture.seek(0)
    response = client.post(
        "/events/new", data=dict(good, photo=(picture, "farm.png")), content_type="multipart/form-data"
    )
    assert response.status_code == 303
    event = db.session.scalar(sa.select(Event))
    assert event.title == "农场探访" and event.photo.startswith("events/")
    assert event.starts_at.replace(second=0, microsecond=0) == start.replace(second=0, microsecond=0)
    assert event.community_id == community.id


def test_one_submit_shows_every_rule_the_event_breaks_and_creates_nothing(auth, town):
    """A start in the past, an end before it, signing up closing after the start, no building
    chosen for a building's event and a photo that is no picture: all in the one 422."""
    _community, admin, _volunteer, _resident = town
    start = utcnow() - timedelta(hours=2)
    data = {
        "kind": "event", "title": "农场探访", "description": "", "place": "东门集合",
        "starts_at": local_input(start), "ends_at": local_input(start - timedelta(hours=1)),
        "signup_deadline": local_input(start + timedelta(hours=1)),
        "capacity": "12", "max_companions": "2", "audience": "building", "building_id": "0",
        "group_id": "0", "points_cost": "0",
        "photo": (io.BytesIO(b"%PDF-1.4 nope"), "poster.pdf"),
    }
    client = auth.login(admin.user)
    response = client.post(
        "/events/new", data=data, content_type="multipart/form-data",
        headers={**HX, "Accept-Language": "en"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for text in (
        "Starts: must be in the future.",
        "Ends: must be after the start.",
        "Signing up closes: must be before the event starts.",
        "Building: choose the building the event is for.",
        "Event photo: This file is not a picture (JPEG, PNG or WebP).",
    ):
        assert text in page, text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_admin_edit_moves_and_tells_people(auth, town):
    _community, admin, _volunteer, resident = town
    event = make_event(admin)
    auth.login(resident.user).post(f"/events/{event.id}/signup", data={"companions": "0"})
    client = auth.login(admin.user)
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert local_input(event.starts_at) in page
    start = event.starts_at + timedelta(days=1)
    data = {
        "kind": "event", "title": event.title, "description": "", "place": "社区活动室",
        "starts_at": local_input(start), "ends_at": local_input(start + timedelta(hours=1)),
        "capacity": "30", "max_companions": "2", "audience": "community", "building_id": "0",
        "group_id": "0", "points_cost": "0",
    }
    assert client.post(f"/events/{event.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.place, event.capacity, event.sequence) == ("社区活动室", 30, 1)
    assert db.session.scalar(
        sa.select(Notification.kind).where(Notification.user_id == resident.user_id)
    ) == "event_changed"


def test_admin_cancels_the_event(auth, town):
    _community, admin, _volunteer, resident = town
    event = make_event(admin)
    auth.login(resident.user).post(f"/events/{event.id}/signup", data={"companions": "0"})
    client = auth.login(admin.user)
    assert client.post(f"/events/{event.id}/cancel-event").status_code == 303
    assert client.post(f"/events/{event.id}/cancel-event").status_code == 422
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "cancelled"
    page = auth.login(resident.user).get(f"/events/{event.id}").get_data(as_text=True)
    assert "state-off" in page


def test_calendar_page_and_feed(auth, town, app):
    _community, admin, _volunteer, resident = town
    event = make_event(admin, title="邻里互助日")
    client = auth.login(resident.user)
    page = client.get("/events/calendar").get_data(as_text=True)
    assert "webcal://" not in page and 'id="make-feed"' in page  # nothing is made by looking
    from portal.events.models import CalendarFeed

    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0
    made = client.post("/events/calendar/reset", headers=HX).get_data(as_text=True)
    assert "webcal://" in made and "form-ok" not in made

    token = db.session.scalar(sa.select(CalendarFeed.token))
    anonymous = app.test_client()
    feed = anonymous.get(f"/events/feed/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "邻里互助日" in feed.get_data(as_text=True)
    assert "form-ok" in client.post("/events/calendar/reset", headers=HX).get_data(as_text=True)
    assert anonymous.get(f"/events/feed/{token}.ics").status_code == 404
    one = client.get(f"/events/{event.id}.ics")
    assert one.status_code == 200 and "attachment" in one.headers["Content-Disposition"]


def test_group_event_is_for_the_group_members(auth, town, make, app):
    from portal.boards.services.groups import create_group, join_group

    community, admin, _volunteer, resident = town
    with app.test_request_context():
        group = create_group(admin, "老人照护", "陪老人聊天、买菜")
        db.session.commit()
    member = make.member(community)
    join_group(member, group)
    db.session.commit()
    event = make_event(admin, audience="group", group_id=group.id, title="陪老人包饺子")
    member_client = auth.login(member.user)
    assert "陪老人包饺子" in member_client.get("/events").get_data(as_text=True)
    assert member_client.post(f"/events/{event.id}/signup", data={"companions": "0"}).status_code == 303
    outsider_client = auth.login(resident.user)
    assert "陪老人包饺子" not in outsider_client.get("/events").get_data(as_text=True)
    assert outsider_client.get(f"/events/{event.id}").status_code == 404
    assert outsider_client.post(f"/events/{event.id}/signup", data={"companions": "0"}).status_code == 404
    form = auth.login(admin.user).get("/events/new").get_data(as_text=True)
    assert "老人照护" in form


def test_help_day_page_gathers_the_days_open_needs(auth, town, app):
    from portal.boards.services.help import create_need
    from portal.core.localtime import local_date

    _community, admin, _volunteer, resident = town
    event = make_event(admin, kind="help_day", title="三月邻里互助日", starts_at=utcnow() + timedelta(days=2))
    day = local_date(event.starts_at)
    with app.test_request_context():
        create_need(admin, "帮忙取快递", "", day, "上午", "5栋", 0)
        create_need(admin, "修自行车", "", day + timedelta(days=1), "", "", 0)
        db.session.commit()
    page = auth.login(resident.user).get(f"/events/{event.id}").get_data(as_text=True)
    assert "帮忙取快递" in page and "修自行车" not in page


def test_kiosk_screens_do_not_sign_up(auth, town, make):
    community, admin, _volunteer, _resident = town
    event = make_event(admin)
    kiosk = make.member(community, roles=Role.KIOSK)
    client = auth.login(kiosk.user)
    assert "events.index" not in client.get("/").get_data(as_text=True)
    assert event.title not in client.get("/events").get_data(as_text=True)
    assert client.post(f"/events/{event.id}/signup", data={"companions": "0"}).status_code == 404


def test_event_photo_is_shown(auth, town):
    _community, admin, _volunteer, resident = town
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(picture, "JPEG")
    picture.seek(0)
    from werkzeug.datastructures import FileStorage

    from portal.core.uploads import save_image

    path = save_image(FileStorage(picture, "farm.jpg"), "events")
    event = make_event(admin, photo=path)
    client = auth.login(resident.user)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f"/uploads/{path}" in page
    assert client.get(f"/uploads/{path}").status_code == 200


def test_staff_download_the_attendee_list_as_csv(auth, town, make):
    import csv
    from datetime import UTC, datetime

    from portal.events.services.signups import sign_up

    community, admin, volunteer, resident = town
    event = make_event(admin, capacity=2, title="春季亲子插花")
    late = make.member(community)
    first = sign_up(event, resident, 1, utcnow())
    sign_up(event, late, 0, utcnow())  # the two seats are taken: waits
    first.created_at = datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=UTC)
    first.checked_in_at = datetime(2026, 12, 3, 11, 2, tzinfo=UTC)
    db.session.commit()

    page = auth.login(admin.user).get(f"/events/{event.id}/admin").get_data(as_text=True)
    assert f'href="/events/{event.id}/attendees.csv"' in page
    response = auth.login(volunteer.user).get(
        f"/events/{event.id}/attendees.csv", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"event-{event.id}-attendees.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Name", "Building and unit", "Places", "Status", "Signed up", "Checked in"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        (mask_name(resident.user.display_name), "2", "Signed up"),
        (mask_name(late.user.display_name), "1", "Waitlist"),
    ]
    assert rows[1][4:] == ["2026-12-01 18:30", "2026-12-03 19:02"]  # the community's clock
    assert rows[2][5] == ""
    assert resident.user.phone not in response.get_data(as_text=True)

    assert auth.login(resident.user).get(f"/events/{event.id}/attendees.csv").status_code == 403
    other_admin = make.member(make.community("别的小区"), roles=Role.RESIDENT | Role.ADMIN)
    assert auth.login(other_admin.user).get(f"/events/{event.id}/attendees.csv").status_code == 404
