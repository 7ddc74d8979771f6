"""The installable web app: manifests (home screen, kiosk full screen), icons, /favicon.ico."""

import json

from portal.community.models import Role
from tests.groupbuy.helpers import make_point

EN = {"Accept-Language": "en"}


def test_every_page_links_the_manifest_and_the_icons(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'href="/static/icons/icon.svg" type="image/svg+xml"' in page
    assert 'rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png"' in page


def test_the_manifest_installs_the_portal_standalone_in_the_person_s_language(client):
    response = client.get("/manifest.webmanifest", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Linli" and manifest["lang"] == "en"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    purposes = {(i["sizes"], i.get("purpose")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable"), ("any", "any")} <= purposes
    for icon in manifest["icons"]:  # every icon it names is there, with its type
        served = client.get(icon["src"])
        assert served.status_code == 200 and served.mimetype == icon["type"], icon
        served.close()
    assert json.loads(client.get("/manifest.webmanifest").data)["name"] == "邻里"


def test_the_kiosk_board_has_its_own_full_screen_manifest(app, make, auth):
    community = make.community("翠屏幸福里")
    admin = make.member(community, make.user("物业 周经理"), roles=Role.RESIDENT | Role.ADMIN)
    point = make_point(community)
    client = auth.login(admin.user)
    board = client.get(f"/kiosk/points/{point.id}")
    assert board.status_code == 200
    assert '<link rel="manifest" href="/kiosk.webmanifest">' in board.get_data(as_text=True)
    manifest = json.loads(client.get("/kiosk.webmanifest").data)
    assert manifest["display"] == "fullscreen" and manifest["start_url"] == "/kiosk"


def test_favicon_ico_is_served_and_the_csp_allows_manifest_and_worker(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO
    assert client.get("/favicon.ico", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "manifest-src 'self'" in csp and "worker-src 'self' blob:" in csp
