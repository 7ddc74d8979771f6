"""Logging in and out: server-side sessions, remember me, argon2id, rate limits."""

import sqlalchemy as sa

from portal.accounts.models import LoginSession
from portal.core.db import db
from tests.conftest import TEST_PASSWORD


def test_login_then_the_community_home(client, make):
    community = make.community("幸福里")
    user = make.member(community).user
    response = client.post("/login", data={"phone": user.phone, "password": TEST_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "幸福里" in client.get("/").get_data(as_text=True)


def test_login_returns_to_the_page_asked_for_but_never_elsewhere(client, make):
    user = make.member(make.community()).user
    data = {"phone": user.phone, "password": TEST_PASSWORD}
    assert client.post("/login?next=/invites", data=data).headers["Location"] == "/invites"
    client.post("/logout")
    assert client.post("/login?next=https://evil.example/", data=data).headers["Location"] == "/"


def test_passwords_are_hashed_with_argon2id(make):
    assert make.user().password_hash.startswith("$argon2id$")


def test_wrong_password_gets_one_message_and_no_session(client, make):
    user = make.member(make.community()).user
    response = client.post(
        "/login", data={"phone": user.phone, "password": "nope"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "Wrong mobile number or password." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0


def test_malformed_phone_is_shown_beside_the_field(client, htmx):
    response = client.post(
        "/login", data={"phone": "12345", "password": "x"}, headers={**htmx, "Accept-Language": "en"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="phone-error"' in page and "Enter an 11-digit mobile number." in page
    assert "<html" not in page  # the form fragment, swapped in place


def test_logout_ends_the_session_on_the_server(app, make, auth):
    user = make.member(make.community()).user
    client = auth.login(user)
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/me")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_remember_me_survives_a_browser_restart_until_logout(app, make, auth):
    user = make.member(make.community()).user
    client = auth.login(user, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.expires is not None
    assert client.get_cookie("session").expires is None  # the session cookie dies with the browser
    restarted = app.test_client()
    restarted.set_cookie("remember_token", remember.value)
    assert restarted.get("/me").status_code == 200
    restarted.post("/logout")
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value)
    assert replay.get("/me").status_code == 302


def test_without_remember_me_no_lasting_cookie(make, auth):
    client = auth.login(make.member(make.community()).user)
    assert client.get_cookie("remember_token") is None


def test_repeated_wrong_passwords_are_rate_limited(client, make):
    user = make.member(make.community()).user
    for _ in range(10):
        assert client.post("/login", data={"phone": user.phone, "password": "wrong"}).status_code == 422
    response = client.post(
        "/login", data={"phone": user.phone, "password": TEST_PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_changing_the_password_logs_out_other_devices(app, make, auth):
    user = make.member(make.community()).user
    laptop, phone = auth.login(user), auth.login(user)
    response = phone.post(
        "/me", data={"current": TEST_PASSWORD, "password": "brand new pw", "confirm": "brand new pw"}
    )
    assert response.status_code == 200
    assert laptop.get("/me").status_code == 302
    assert phone.get("/me").status_code == 200


def test_wrong_current_password_changes_nothing(make, auth):
    user = make.member(make.community()).user
    old_hash = user.password_hash
    client = auth.login(user)
    response = client.post(
        "/me", data={"current": "wrong", "password": "brand new pw", "confirm": "brand new pw"}
    )
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_a_kiosk_screen_stays_logged_in_for_its_device_session(app, make, auth):
    from portal.community.models import Role

    kiosk = make.member(make.community(), roles=Role.KIOSK).user
    assert kiosk.is_device
    client = auth.login(kiosk)
    remember = client.get_cookie("remember_token")
    assert remember is not None
    from datetime import UTC, datetime, timedelta

    assert remember.expires > datetime.now(UTC) + timedelta(days=300)


def test_guessing_across_many_phone_numbers_from_one_address_is_limited(app, client, make):
    community = make.community()
    residents = [make.member(community).user for _ in range(3)]
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = "5 per 10 minutes"
    for resident in residents:  # neighbours behind one address log in: successes do not count
        login = {"phone": resident.phone, "password": TEST_PASSWORD}
        assert client.post("/login", data=login).status_code == 303
        client.post("/logout")
    for number in range(5):
        wrong = {"phone": f"1390000{number:04d}", "password": "guess"}
        assert client.post("/login", data=wrong).status_code == 422
    guess = {"phone": residents[0].phone, "password": "guess"}
    assert client.post("/login", data=guess, headers={"Accept-Language": "en"}).status_code == 429
    elsewhere = {"REMOTE_ADDR": "10.9.8.7"}  # the resident herself, from her own phone, still logs in
    right = {"phone": residents[0].phone, "password": TEST_PASSWORD}
    assert client.post("/login", data=right, environ_base=elsewhere).status_code == 303


def test_a_stranger_failing_with_her_number_does_not_lock_a_resident_out(app, make):
    resident = make.member(make.community()).user
    stranger = app.test_client()
    for _ in range(12):
        stranger.post("/login", data={"phone": resident.phone, "password": "guess"},
                      environ_base={"REMOTE_ADDR": "10.6.6.6"})
    own = app.test_client()
    response = own.post("/login", data={"phone": resident.phone, "password": TEST_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert response.status_code == 303


def test_the_remember_me_cookie_is_secure_when_the_session_cookie_is(database_url, make):
    from portal import create_app
    from tests.conftest import PortalClient, base_config

    resident = make.member(make.community()).user
    secure = create_app({**base_config(database_url), "SESSION_COOKIE_SECURE": True})
    secure.test_client_class = PortalClient
    client = secure.test_client()
    login = {"phone": resident.phone, "password": TEST_PASSWORD, "remember": "y"}
    response = client.post("/login", data=login, base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"})
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(cookie for cookie in cookies if cookie.startswith("remember_token="))
    assert "Secure" in remember
    assert all("Secure" in cookie for cookie in cookies if cookie.startswith("session="))
    with secure.app_context():  # its pool holds a connection: close it now, not at a later GC
        db.engine.dispose()
