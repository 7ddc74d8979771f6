"""In-app notifications: the unread badge, marking read, and the live push after commit."""

from portal.core.db import db
from portal.notifications.services import notify


def test_the_badge_counts_unread_and_reading_clears_it(make, auth):
    community = make.community("幸福里")
    person = make.member(community)
    notify(person.user_id, "application_approved", community_id=community.id, community="幸福里")
    notify(person.user_id, "password_reset")
    db.session.commit()
    client = auth.login(person.user)
    badge = client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert ">2<" in badge
    page = client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your application to join 幸福里 was approved." in page
    assert client.post("/notifications/read").status_code == 200
    assert client.get("/notifications/badge").get_data(as_text=True).strip() == ""


def test_someone_elses_notifications_stay_theirs(make, auth):
    community = make.community()
    owner, other = make.member(community), make.member(community)
    notify(owner.user_id, "password_reset")
    db.session.commit()
    client = auth.login(other.user)
    assert client.get("/notifications/badge").get_data(as_text=True).strip() == ""
    client.post("/notifications/read")
    assert "1" in auth.login(owner.user).get("/notifications/badge").get_data(as_text=True)


def test_a_notification_is_pushed_to_its_person_only_after_commit(make, socket_client):
    community = make.community()
    person, other = make.member(community), make.member(community)
    person_socket, other_socket = socket_client(person.user), socket_client(other.user)
    assert person_socket.is_connected() and other_socket.is_connected()

    notify(person.user_id, "password_reset")
    db.session.flush()
    assert person_socket.get_received() == []
    db.session.rollback()
    assert person_socket.get_received() == []

    notify(person.user_id, "password_reset")
    db.session.commit()
    received = person_socket.get_received()
    assert [(r["name"], r["args"]) for r in received] == [("portal", [{"type": "notification"}])]
    assert other_socket.get_received() == []


def test_anonymous_sockets_are_refused(socket_client):
    assert not socket_client(None).is_connected()


def test_the_bell_shows_the_unread_count_when_a_page_loads(make, auth):
    community = make.community()
    person = make.member(community)
    for _ in range(3):
        notify(person.user_id, "password_reset")
    db.session.commit()
    client = auth.login(person.user)
    page = client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # the bell reads "Notifications 3 unread": the visible count is part of its name
    badge = '<span class="badge">3<span class="visually-hidden"> unread</span></span>'
    bell = f'<span class="visually-hidden">Notifications</span><span class="badge-slot">{badge}</span>'
    assert bell in page
    client.post("/notifications/read")
    page = client.get("/points").get_data(as_text=True)
    assert 'class="badge-slot"></span>' in page
