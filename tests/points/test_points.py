"""Points earned from other domains' signals (invites, attendance, reviews) with campaigns, thanking a
neighbour, the catalogue and the provider's code check, badges."""

import pytest

from portal.community.models import Role
from portal.core import localtime
from portal.core.db import db
from portal.core.masking import mask_name
from portal.core.signals import event_attended, help_completed, skill_exchange_completed
from portal.points import badges, catalogue
from portal.points import services as points
from portal.points.listeners import on_order_completed
from portal.points.models import BadgeAward, CatalogueItem, PointsEntry, Redemption


@pytest.fixture
def hood(app, make):
    a = make.community()
    inviter = make.member(a)
    invitee = make.member(a, invited_by_id=inviter.user_id)
    admin = make.member(a, roles=Role.RESIDENT | Role.ADMIN)
    return a, inviter, invitee, admin


class Thing:
    def __init__(self, id):
        self.id = id


def test_the_inviter_earns_once_when_the_invitee_completes_a_first_order(app, hood):
    a, inviter, invitee, _admin = hood
    with app.test_request_context("/"):
        on_order_completed(Thing(1), user_id=invitee.user_id, community_id=a.id)
        on_order_completed(Thing(2), user_id=invitee.user_id, community_id=a.id)
        on_order_completed(Thing(3), user_id=inviter.user_id, community_id=a.id)  # nobody invited the inviter
        db.session.commit()
    assert points.balance(inviter.user_id, a.id) == points.rule("invite")
    entries = db.session.scalars(db.select(PointsEntry)).all()
    assert [(e.user_id, e.reason, e.ref_type, e.ref_id) for e in entries] == [
        (inviter.user_id, "invite", "membership", invitee.id)
    ]


def test_a_campaign_doubles_invite_points_between_its_dates(app, hood):
    a, inviter, invitee, admin = hood
    today = localtime.today()
    with app.test_request_context("/"):
        points.create_campaign(a.id, "邻里介绍月", "invite", 2, today, today, admin.user_id)
        points.create_campaign(
            a.id,
            "过期活动",
            "invite",
            5,
            today.replace(year=today.year - 1),
            today.replace(year=today.year - 1),
            admin.user_id,
        )
        on_order_completed(Thing(1), user_id=invitee.user_id, community_id=a.id)
        db.session.commit()
    entry = db.session.scalar(db.select(PointsEntry))
    assert entry.amount == 2 * points.rule("invite") and "邻里介绍月" in entry.note


def test_event_attendance_earns_once(app, hood):
    a, inviter, _invitee, _admin = hood
    with app.test_request_context("/"):
        for _ in range(2):
            event_attended.send(Thing(5), user_id=inviter.user_id, community_id=a.id)
        db.session.commit()
    assert points.balance(inviter.user_id, a.id) == points.rule("event_attended")


def test_thanking_a_neighbour_with_points(auth, app, hood, htmx):
    a, inviter, invitee, _admin = hood
    with app.test_request_context("/"):
        points.award(inviter.user_id, a.id, 20, "welcome")
        db.session.commit()
    client = auth.login(inviter.user)
    response = client.post(
        f"/points/give/{invitee.id}", data={"amount": "15", "note": "谢谢代取快递"}, headers=htmx
    )
    assert response.status_code == 200 and "15" in response.get_data(as_text=True)
    for bad in ({"amount": "6"}, {"amount": "0"}, {"amount": "abc"}, {}):
        assert client.post(f"/points/give/{invitee.id}", data=bad).status_code == 422, bad
    assert client.post(f"/points/give/{inviter.id}", data={"amount": "1"}).status_code == 422  # myself
    assert (points.balance(inviter.user_id, a.id), points.balance(invitee.user_id, a.id)) == (5, 15)
    page = auth.login(invitee.user).get("/points").get_data(as_text=True)
    assert "Thanks from a neighbour" in page and "谢谢代取快递" in page


def test_catalogue_redemption_and_the_providers_check(auth, app, make, hood, htmx):
    a, inviter, _invitee, admin = hood
    admin_client = auth.login(admin.user)
    response = admin_client.post(
        "/points/admin/catalogue",
        data={
            "title": "家电维修上门费全免",
            "kind": "service",
            "provider": "老赵维修",
            "cost": "30",
            "stock": "1",
            "active": "y",
        },
    )
    assert response.status_code == 200
    assert admin_client.post("/points/admin/catalogue", data={"title": "x", "cost": "-1"}).status_code == 422
    item = db.session.scalar(db.select(CatalogueItem))
    with app.test_request_context("/"):
        points.award(inviter.user_id, a.id, 100, "welcome")
        db.session.commit()
    client = auth.login(inviter.user)
    response = client.post(f"/points/catalogue/{item.id}/redeem", headers=htmx)
    assert response.status_code == 200
    code = db.session.scalar(db.select(Redemption.code))
    assert code in response.get_data(as_text=True)
    assert client.post(f"/points/catalogue/{item.id}/redeem").status_code == 422  # sold out (stock 1)
    assert points.balance(inviter.user_id, a.id) == 70
    assert code in client.get("/points/redemptions").get_data(as_text=True)
    # the provider, without an account, checks and uses the code once
    provider = app.test_client()
    url = f"/points/check/{item.check_token}"
    assert provider.get(url).status_code == 200
    assert provider.post(url, data={"code": "WRONG123"}).status_code == 422
    checked = provider.post(url, data={"code": code.lower()}).get_data(as_text=True)
    assert "Valid code" in checked
    assert "Marked used" in provider.post(url, data={"code": code, "use": "1"}).get_data(as_text=True)
    assert provider.post(url, data={"code": code, "use": "1"}).status_code == 422
    # another item's link does not check this code
    other = make.community()
    with app.test_request_context("/"):
        foreign = catalogue.create_item(other.id, title="别的小区", cost=1)
        db.session.commit()
    assert provider.post(f"/points/check/{foreign.check_token}", data={"code": code}).status_code == 422


def test_admins_run_campaigns_and_badges_and_see_invitation_rewards(auth, app, hood):
    a, inviter, invitee, admin = hood
    client = auth.login(admin.user)
    today = localtime.today().isoformat()
    assert (
        client.post(
            "/points/admin/campaigns",
            data={
                "name": "邻里介绍月",
                "reason": "invite",
                "multiplier": "2",
                "starts_on": today,
                "ends_on": today,
            },
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/points/admin/campaigns",
            data={"name": "x", "reason": "invite", "multiplier": "1", "starts_on": today, "ends_on": today},
        ).status_code
        == 422
    )
    assert points.multiplier_for(a.id, "invite")[0] == 200
    with app.test_request_context("/"):
        on_order_completed(Thing(1), user_id=invitee.user_id, community_id=a.id)
        db.session.commit()
    page = client.get("/points/admin/invitations").get_data(as_text=True)
    assert mask_name(inviter.user.display_name) in page
    assert "earned" in page and str(2 * points.rule("invite")) in page
    assert (
        client.post(f"/points/admin/badges/{inviter.id}/grant", data={"badge": "gold_leader"}).status_code
        == 200
    )
    assert db.session.scalar(db.select(BadgeAward.badge)) == "gold_leader"
    assert "Gold group leader" in auth.login(inviter.user).get("/points").get_data(as_text=True)


def test_three_helps_earn_the_warm_neighbour_badge(app, hood):
    a, inviter, invitee, _admin = hood
    with app.test_request_context("/"):
        help_completed.send(Thing(1), community_id=a.id, asker_id=invitee.user_id, helper_id=inviter.user_id)
        skill_exchange_completed.send(
            Thing(2), community_id=a.id, requester_id=invitee.user_id, helper_id=inviter.user_id
        )
        db.session.commit()
        assert badges.badges_of(inviter.user_id, a.id) == []
        help_completed.send(Thing(3), community_id=a.id, asker_id=invitee.user_id, helper_id=inviter.user_id)
        db.session.commit()
    assert badges.badges_of(inviter.user_id, a.id) == ["warm_neighbour"]


def test_a_leaders_collected_orders_earn_the_gold_leader_badge(app, hood, monkeypatch):
    a, inviter, invitee, _admin = hood
    monkeypatch.setattr(badges, "GOLD_LEADER_AFTER", 3)

    class Order:
        class buy:  # noqa: N801
            leader_id = inviter.user_id

    with app.test_request_context("/"):
        for _ in range(2):
            on_order_completed(Order(), user_id=invitee.user_id, community_id=a.id)
        assert badges.badges_of(inviter.user_id, a.id) == []
        on_order_completed(Order(), user_id=invitee.user_id, community_id=a.id)
        db.session.commit()
    assert badges.badges_of(inviter.user_id, a.id) == ["gold_leader"]
