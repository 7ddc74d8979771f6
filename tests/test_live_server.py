"""The live-server fixture serves the test's database: a resident logs in over real HTTP."""

from tests.conftest import TEST_PASSWORD
from tests.live import HttpSession


def test_resident_logs_in_against_a_running_server(live_server, make):
    community = make.community("幸福里")
    resident = make.member(community).user
    server = live_server(workers=2)
    session = HttpSession(server.url).login(resident.phone, TEST_PASSWORD)
    status, page, headers = session.get("/")
    assert status == 200
    assert community.name in page
    assert "HX-Request" in headers.get("Vary", "")
