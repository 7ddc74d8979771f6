"""The staff policy (neighbors.privacy.STAFF_POLICY) on every staff surface: a leader handing
over goods, event staff at the door, a neighbour collecting an order (代取), the community's
admins, and whoever holds an invitation link. A resident who hides her name (the default) shows
as 王** to each of them; one who shows it to the community is named in full. Searches never
match a hidden name, and a profile opens only to those who may see the person.
"""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.community.services import create_invite
from portal.core.db import db, utcnow
from portal.core.masking import mask_name, mask_phone
from portal.events.services.signups import sign_up
from portal.groupbuy.models import Order
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.joining import join_buy
from portal.neighbors.models import Visibility
from portal.neighbors.privacy import ensure_profile
from portal.notifications.models import Notification
from tests.events.helpers import make_event
from tests.groupbuy.helpers import make_buy, make_point, pass_deadline

HIDDEN, OPEN = "隐名的王阿姨", "公开的张先生"


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def hood(make):
    class Hood:
        pass

    h = Hood()
    h.community = make.community("翠屏幸福里")
    h.point = make_point(h.community)
    h.leader = make.member(h.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER | Role.ADMIN)
    h.hidden = make.member(h.community, make.user(HIDDEN), building_index=1)
    h.open = make.member(h.community, make.user(OPEN))
    profile = ensure_profile(h.open)
    profile.name_visibility = Visibility.COMMUNITY
    db.session.commit()
    return h


def _shows_the_policy(text: str, hood) -> None:
    assert HIDDEN not in text and mask_name(HIDDEN) in text
    assert OPEN in text
    assert hood.hidden.user.phone not in text


def _confirmed_buy(hood):
    buy = make_buy(hood.leader, [hood.point], min_quantity=2)
    for member in (hood.hidden, hood.open):
        join_buy(member.user, buy, 1)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    return buy


def test_the_leader_sees_names_as_neighbours_do_with_the_home_and_a_masked_number(hood, auth):
    buy = _confirmed_buy(hood)
    leader = auth.login(hood.leader.user)
    orders = leader.get(f"/groupbuy/{buy.id}/orders").get_data(as_text=True)
    _shows_the_policy(orders, hood)
    assert mask_phone(hood.hidden.user.phone) in orders and "2栋 1单元" in orders
    fragment = leader.get(f"/groupbuy/{buy.id}/orders", headers={"HX-Request": "true"}).get_data(as_text=True)
    _shows_the_policy(fragment, hood)
    picks = leader.get(f"/groupbuy/workbench/picklist?buy={buy.id}").get_data(as_text=True)
    _shows_the_policy(picks, hood)
    assert mask_phone(hood.hidden.user.phone) in picks
    table = list(csv.reader(io.StringIO(leader.get(f"/groupbuy/{buy.id}/orders.csv").get_data(as_text=True))))
    names = {row[11] for row in table[1:]}
    assert names == {mask_name(HIDDEN), OPEN}
    assert hood.hidden.user.phone not in str(table)


def test_event_staff_see_names_as_neighbours_do_and_never_find_a_hidden_one(hood, auth):
    event = make_event(hood.leader, title="春季插花", starts_at=utcnow() + timedelta(days=3))
    for member in (hood.hidden, hood.open):
        sign_up(event, member, 0, utcnow())
    db.session.commit()
    staff = auth.login(hood.leader.user)
    _shows_the_policy(staff.get(f"/events/{event.id}/admin").get_data(as_text=True), hood)
    calendar = staff.get(f"/events/{event.id}.ics").get_data(as_text=True)  # the event, not who comes
    assert "BEGIN:VEVENT" in calendar and HIDDEN not in calendar and OPEN not in calendar
    hidden_search = staff.get(f"/events/{event.id}/door?q=隐名").get_data(as_text=True)
    assert mask_name(HIDDEN) not in hidden_search
    by_digits = staff.get(f"/events/{event.id}/door?q={hood.hidden.user.phone[-4:]}").get_data(as_text=True)
    assert mask_name(HIDDEN) in by_digits and HIDDEN not in by_digits
    assert OPEN in staff.get(f"/events/{event.id}/door?q=公开").get_data(as_text=True)
    attendees = staff.get(f"/events/{event.id}/attendees.csv").get_data(as_text=True).lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(attendees)))
    assert table[0][:2] == ["Name", "Building and unit"]
    assert {row[0] for row in table[1:]} == {mask_name(HIDDEN), OPEN}
    assert "2栋 1单元" in {row[1] for row in table[1:]}
    assert hood.hidden.user.phone not in str(table) and mask_phone(hood.hidden.user.phone) not in str(table)


def test_admins_search_by_number_unit_or_a_name_they_may_see(hood, auth):
    admin = auth.login(hood.leader.user)
    assert mask_name(HIDDEN) not in admin.get("/admin/members?q=隐名").get_data(as_text=True)
    by_phone = admin.get(f"/admin/members?q={hood.hidden.user.phone}").get_data(as_text=True)
    assert mask_name(HIDDEN) in by_phone and HIDDEN not in by_phone
    assert mask_name(HIDDEN) in admin.get("/admin/members?q=2栋").get_data(as_text=True)
    assert OPEN in admin.get("/admin/members?q=公开").get_data(as_text=True)
    _shows_the_policy(admin.get("/admin/members").get_data(as_text=True), hood)
    rows = admin.get("/admin/members", headers={"HX-Request": "true"}).get_data(as_text=True)
    _shows_the_policy(rows, hood)
    member_page = admin.get(f"/admin/members/{hood.hidden.id}").get_data(as_text=True)
    assert HIDDEN not in member_page and mask_name(HIDDEN) in member_page
    assert mask_name(HIDDEN) not in admin.get("/neighbors/ambassadors?q=隐名").get_data(as_text=True)
    assert mask_name(HIDDEN) not in admin.get("/points/admin/badges?q=隐名").get_data(as_text=True)


def test_an_invitation_link_and_the_notifications_name_nobody_in_full(hood, auth, make, client):
    invite = create_invite(hood.hidden)
    db.session.commit()
    page = client.get(f"/join/{invite.token}").get_data(as_text=True)
    assert HIDDEN not in page and mask_name(HIDDEN) in page
    newcomer = make.user("新搬来的刘女士")
    joined = auth.login(newcomer).post(
        f"/join/{invite.token}", data={"unit": hood.community.buildings[0].units[0].id}
    )
    assert joined.status_code in (200, 302, 303)
    told = db.session.scalar(sa.select(Notification).where(Notification.kind == "invite_accepted"))
    assert told.user_id == hood.hidden.user_id and "新搬来的刘女士" not in str(told.params)


def test_a_delegate_is_told_the_asker_by_the_name_they_may_see(hood, auth, monkeypatch):
    from portal.extensions import socketio

    pushed = []
    monkeypatch.setattr(socketio, "emit", lambda event, payload, to=None: pushed.append((to, payload)))
    buy = _confirmed_buy(hood)
    mine = sa.select(Order).where(Order.buy_id == buy.id, Order.user_id == hood.hidden.user_id)
    order = db.session.scalar(mine)
    asker = auth.login(hood.hidden.user)
    asked = asker.post(f"/groupbuy/orders/{order.id}/delegate", data={"phone": hood.open.user.phone})
    assert asked.status_code == 200
    told = db.session.scalar(sa.select(Notification).where(Notification.kind == "gb_delegated"))
    assert told.user_id == hood.open.user_id and HIDDEN not in str(told.params)
    helper_page = auth.login(hood.open.user).get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    assert HIDDEN not in helper_page and mask_name(HIDDEN) in helper_page
    # the live pushes say only what changed, never who: the pages they refetch apply the policy
    assert pushed and {"type": "notification"} in [payload for _room, payload in pushed]
    personal = (HIDDEN, OPEN, hood.hidden.user.phone, hood.open.user.phone)
    assert not any(word in str(pushed) for word in personal)


def test_a_profile_opens_only_to_those_who_may_see_the_person(hood, auth):
    neighbour = auth.login(hood.open.user)
    hidden = neighbour.get(f"/neighbors/{hood.hidden.id}")
    nobody = neighbour.get("/neighbors/987654")
    assert hidden.status_code == nobody.status_code == 404
    assert auth.login(hood.hidden.user).get(f"/neighbors/{hood.hidden.id}").status_code == 200
    profile = ensure_profile(hood.hidden)
    profile.discoverable = True
    db.session.commit()
    shown = auth.login(hood.open.user).get(f"/neighbors/{hood.hidden.id}")
    assert shown.status_code == 200 and HIDDEN not in shown.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "heading", "line"), [
    ("en", "Who sees what", "The group leader of a buy you joined"),
    ("zh", "可见范围", "你参加的团购的团长"),
])
def test_the_profile_form_says_who_sees_what(hood, auth, app, locale, heading, line):
    app.config["BABEL_DEFAULT_LOCALE"] = locale
    page = auth.login(hood.hidden.user).get("/neighbors/me", headers={"Accept-Language": locale}).get_data(
        as_text=True
    )
    assert heading in page and line in page
