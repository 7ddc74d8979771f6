"""Every foundation page on a 390×844 phone and a 1920×1080 screen, in both languages:
it renders, nothing overflows sideways, and a screenshot is left to look at."""

import pytest

from portal.community.models import MembershipStatus, Role
from portal.community.services import create_invite
from portal.core.db import db
from portal.notifications.services import notify
from tests.conftest import KIOSK, PHONE, TEST_PASSWORD, screenshot
from tests.live import log_in

pytestmark = pytest.mark.browser

PAGES = [
    ("resident", "/", "home"),
    ("resident", "/invites", "invites"),
    ("resident", "/notifications", "notifications"),
    ("resident", "/me", "me"),
    ("resident", "/communities", "communities"),
    ("admin", "/admin/members", "admin-members"),
    ("admin", "/admin/applications", "admin-applications"),
    ("admin", "/admin/buildings", "admin-buildings"),
    ("admin", "/admin/invitations", "admin-invitations"),
    ("platform", "/platform/communities", "platform-communities"),
    (None, "/", "welcome"),
    (None, "/login", "login"),
    (None, "/apply", "apply-choose"),
    (None, "/no/such/page", "not-found"),
]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_foundation_pages_fit_phones_and_desktops(live_server, make, browser_page, locale):
    community = make.community("翠屏幸福里", buildings="\n".join(f"{n}栋: 1单元, 2单元" for n in range(1, 7)))
    make.community("梧桐花园")
    admin = make.member(community, make.user("物业 周经理"), roles=Role.RESIDENT | Role.ADMIN)
    resident = make.member(community, make.user("王阿姨"), invited_by_id=admin.user_id)
    make.member(community, make.user("张先生"), roles=Role.RESIDENT | Role.LEADER, building_index=2)
    make.member(community, make.user("新邻居小林"), status=MembershipStatus.PENDING, application_note="住3栋")
    create_invite(resident)
    notify(resident.user_id, "application_approved", community_id=community.id, community=community.name)
    platform = make.user("平台管理员", is_platform_admin=True)
    db.session.commit()
    people = {"resident": resident.user, "admin": admin.user, "platform": platform}
    server = live_server(workers=2)

    for viewport, size in ((PHONE, "phone"), (KIOSK, "desktop")):
        pages = {}
        for persona, path, name in PAGES:
            if persona not in pages:
                pages[persona] = browser_page(viewport=viewport, locale=locale)
                if persona:
                    log_in(pages[persona], server.url, people[persona].phone, TEST_PASSWORD)
            page = pages[persona]
            response = page.goto(server.url + path)
            assert response.status == (404 if "no/such" in path else 200), path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is wider than the {size} screen by {overflow}px"
            screenshot(page, f"foundation-{size}-{name}-{locale[:2]}")
