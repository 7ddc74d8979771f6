"""htmx fragments versus pages, error pages, and the security headers on every response."""

HX = {"HX-Request": "true"}


def test_a_page_for_browsers_and_the_fragment_for_htmx(client):
    page = client.get("/login")
    fragment = client.get("/login", headers=HX)
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="login-form"' in body
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_a_history_restore_gets_the_whole_page(client):
    response = client.get("/login", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_errors_are_pages_for_browsers_and_fragments_for_htmx(client):
    page = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)
    assert "Not found" in page.get_data(as_text=True)
    fragment = client.get("/no/such/page", headers={**HX, "Accept-Language": "en"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True) and "Not found" in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#main"


def test_anonymous_htmx_requests_are_sent_to_log_in(client):
    response = client.get("/me", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=/me")


def test_an_unexpected_error_is_a_500_page_and_logged(app, client, caplog):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("kaput")

    response = client.get("/boom-for-test", headers={"Accept-Language": "en"})
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)
    assert "kaput" not in response.get_data(as_text=True)
    assert any("unhandled error" in r.message for r in caplog.records)


def test_a_failed_statement_is_rolled_back_before_the_error_page(app, make, auth):
    """On PostgreSQL a failed statement aborts the transaction: the error page, which reads the
    person's community, would fail too and leave the server's bare page, without our headers."""
    import sqlalchemy as sa

    from portal.core.db import db

    @app.get("/failed-statement-for-test")
    def failed_statement():
        db.session.execute(sa.text("SELECT no_such_column FROM users"))

    community = make.community("幸福里")
    client = auth.login(make.member(community).user)
    response = client.get("/failed-statement-for-test", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in page
    assert "幸福里" in page  # the page still knows whose it is
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_security_headers_and_a_csp_without_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/no/such/page").headers["Content-Security-Policy"] == csp


def test_an_image_opened_alone_may_be_styled_by_the_browser_and_runs_nothing(client):
    page_policy = client.get("/login").headers["Content-Security-Policy"]
    with client.get("/static/icons/icon-192.png") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
        csp = image.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'unsafe-inline'" in csp and "script" not in csp
    with client.get("/static/icons/icon.svg") as svg:  # an SVG can hold script: the page policy
        assert svg.headers["Content-Security-Policy"] == page_policy


def test_pages_carry_the_csrf_token_for_htmx_and_no_inline_script(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "<script>" not in page and " style=" not in page
    assert '"includeIndicatorStyles": false' in page


def test_session_cookie_is_http_only(client, make):
    from tests.conftest import TEST_PASSWORD

    user = make.member(make.community()).user
    response = client.post("/login", data={"phone": user.phone, "password": TEST_PASSWORD})
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_form_fields_carry_only_real_attributes(client, make):
    from portal.community.services import create_invite
    from portal.core.db import db

    community = make.community()
    invite = create_invite(make.member(community))
    db.session.commit()
    for path in ("/login", f"/apply/{community.id}", f"/join/{invite.token}"):
        page = client.get(path).get_data(as_text=True)
        assert '="None"' not in page, path
        assert 'name="password" required type="password"' in page, path
