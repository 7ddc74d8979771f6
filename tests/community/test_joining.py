"""Joining a community by invitation or by application, and the admin's side of it."""

from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.community.models import Invite, Membership, MembershipStatus, Role
from portal.community.services import create_invite
from portal.core.db import db, utcnow
from portal.core.masking import mask_name
from portal.notifications.models import Notification
from tests.snapshot import db_snapshot

NEWCOMER = {
    "display_name": "新邻居小林",
    "phone": "13912345678",
    "password": "good password",
    "confirm": "good password",
}


def notifications_of(user_id: int, kind: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.kind == kind)
    )


def test_a_resident_invites_and_a_newcomer_joins(app, make, auth):
    community = make.community("幸福里")
    inviter = make.member(community)
    client = auth.login(inviter.user)
    assert client.post("/invites").status_code == 200
    invite = db.session.scalar(sa.select(Invite).where(Invite.inviter_id == inviter.user_id))
    assert invite.expires_at > utcnow() + timedelta(hours=71)

    newcomer = app.test_client()
    page = newcomer.get(f"/join/{invite.token}").get_data(as_text=True)
    assert "幸福里" in page and mask_name(inviter.user.display_name) in page
    assert inviter.user.display_name not in page  # whoever holds the link sees the inviter masked
    unit = community.buildings[1].units[0]
    response = newcomer.post(f"/join/{invite.token}", data={**NEWCOMER, "unit": unit.id})
    assert response.status_code == 303

    user = db.session.scalar(sa.select(User).where(User.phone == NEWCOMER["phone"]))
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.unit_id == unit.id and membership.building_id == unit.building_id
    assert membership.invited_by_id == inviter.user_id and membership.invite_id == invite.id
    assert user.active_community_id == community.id
    assert notifications_of(inviter.user_id, "invite_accepted") == 1
    assert "幸福里" in newcomer.get("/").get_data(as_text=True)  # logged in as the newcomer


def test_the_invite_qr_code_is_an_svg_of_the_join_link(make, auth):
    inviter = make.member(make.community())
    invite = create_invite(inviter)
    db.session.commit()
    response = auth.login(inviter.user).get(f"/invites/{invite.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith("<?xml")


def test_an_expired_or_revoked_invite_is_refused(app, make):
    community = make.community()
    inviter = make.member(community)
    invite = create_invite(inviter)
    invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    before = db_snapshot()
    unit = community.buildings[0].units[0]
    assert client.get(f"/join/{invite.token}").status_code == 410
    assert client.post(f"/join/{invite.token}", data={**NEWCOMER, "unit": unit.id}).status_code == 410
    assert db_snapshot() == before

    fresh = create_invite(inviter)
    fresh.revoked_at = utcnow()
    db.session.commit()
    assert client.get(f"/join/{fresh.token}").status_code == 410


def test_a_stopped_or_expired_invite_shows_the_way_forward(app, make, auth):
    community = make.community("翠屏幸福里")
    inviter = make.member(community, make.user("王阿姨"))
    expired, stopped = create_invite(inviter), create_invite(inviter)
    expired.expires_at = utcnow() - timedelta(days=1)
    stopped.revoked_at = utcnow()
    db.session.commit()
    client = app.test_client()
    en = {"Accept-Language": "en"}

    response = client.get(f"/join/{expired.token}", headers=en)
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This invitation expired on" in page
    assert f'href="/apply/{community.id}"' in page and "Apply to join 翠屏幸福里" in page
    assert f"Ask {mask_name('王阿姨')} for a new invitation link" in page and "王阿姨" not in page
    assert 'id="join-form"' not in page

    page = client.get(f"/join/{stopped.token}", headers=en).get_data(as_text=True)
    assert "This invitation was stopped by the neighbour who sent it." in page
    zh = client.get(f"/join/{stopped.token}").get_data(as_text=True)
    assert "申请加入" in zh

    community.accepts_applications = False
    db.session.commit()
    page = client.get(f"/join/{expired.token}", headers=en).get_data(as_text=True)
    assert "/apply/" not in page and "for a new invitation link" in page

    member = auth.login(inviter.user).get(f"/join/{stopped.token}", headers=en)
    assert member.status_code == 410
    assert "You are a member of 翠屏幸福里 already." in member.get_data(as_text=True)
    htmx = client.post(f"/join/{stopped.token}", data=NEWCOMER, headers={"HX-Request": "true"})
    assert htmx.status_code == 410 and htmx.headers["HX-Retarget"] == "#main"
    assert "<html" not in htmx.get_data(as_text=True)


def test_a_unit_of_another_community_is_refused_beside_the_field(app, make):
    community, elsewhere = make.community(), make.community()
    invite = create_invite(make.member(community))
    db.session.commit()
    before = db_snapshot()
    foreign_unit = elsewhere.buildings[0].units[0]
    response = app.test_client().post(
        f"/join/{invite.token}", data={**NEWCOMER, "unit": foreign_unit.id}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert 'id="unit-error"' in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_every_missing_field_is_reported_and_nothing_stored(app, make):
    community = make.community()
    invite = create_invite(make.member(community))
    db.session.commit()
    before = db_snapshot()
    response = app.test_client().post(f"/join/{invite.token}", data={"confirm": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("display_name", "phone", "password", "unit"):
        assert f'id="{field}-error"' in page
    assert db_snapshot() == before


def test_a_registered_phone_number_is_refused(app, make):
    community = make.community()
    existing = make.user()
    invite = create_invite(make.member(community))
    db.session.commit()
    before = db_snapshot()
    response = app.test_client().post(
        f"/join/{invite.token}",
        data={**NEWCOMER, "phone": existing.phone, "unit": community.buildings[0].units[0].id},
    )
    assert response.status_code == 422 and 'id="phone-error"' in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_a_member_of_one_community_joins_another_and_switches(make, auth):
    home, second = make.community("幸福里"), make.community("梧桐花园")
    person = make.member(home)
    invite = create_invite(make.member(second))
    db.session.commit()
    client = auth.login(person.user)
    unit = second.buildings[0].units[0]
    assert client.post(f"/join/{invite.token}", data={"unit": unit.id}).status_code == 303
    assert "梧桐花园" in client.get("/").get_data(as_text=True)
    page = client.get("/communities").get_data(as_text=True)
    assert "幸福里" in page and "梧桐花园" in page
    assert client.post(f"/communities/{home.id}/switch").status_code == 303
    db.session.expire_all()
    assert db.session.get(User, person.user_id).active_community_id == home.id
    assert "幸福里" in client.get("/").get_data(as_text=True)


def test_apply_then_the_admin_approves_once(app, make, auth):
    community = make.community("幸福里")
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    applicant = app.test_client()
    unit = community.buildings[0].units[1]
    response = applicant.post(
        f"/apply/{community.id}", data={**NEWCOMER, "unit": unit.id, "note": "住在1栋2单元301"}
    )
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.phone == NEWCOMER["phone"]))
    application = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert application.status == MembershipStatus.PENDING
    assert notifications_of(admin.user_id, "application_received") == 1
    assert applicant.get("/").status_code == 302  # not a member yet: to "my communities"

    admin_client = auth.login(admin.user)
    assert "住在1栋2单元301" in admin_client.get("/admin/applications").get_data(as_text=True)
    assert admin_client.post(f"/admin/applications/{application.id}/approve").status_code == 200
    assert admin_client.post(f"/admin/applications/{application.id}/approve").status_code == 200
    db.session.expire_all()
    assert db.session.get(Membership, application.id).status == MembershipStatus.ACTIVE
    assert notifications_of(user.id, "application_approved") == 1
    assert "幸福里" in applicant.get("/").get_data(as_text=True)


def test_a_rejected_applicant_is_told_and_stays_out(app, make, auth):
    community = make.community()
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    pending = make.member(community, status=MembershipStatus.PENDING)
    auth.login(admin.user).post(f"/admin/applications/{pending.id}/reject")
    db.session.expire_all()
    assert db.session.get(Membership, pending.id).status == MembershipStatus.REJECTED
    assert notifications_of(pending.user_id, "application_rejected") == 1


def test_admin_changes_roles_but_never_removes_the_last_admin(make, auth):
    community = make.community()
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    resident = make.member(community)
    client = auth.login(admin.user)
    roles = [str(int(Role.RESIDENT)), str(int(Role.LEADER))]
    assert client.post(f"/admin/members/{resident.id}/roles", data={"roles": roles}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Membership, resident.id).roles == Role.RESIDENT | Role.LEADER
    assert notifications_of(resident.user_id, "roles_changed") == 1

    response = client.post(
        f"/admin/members/{admin.id}/roles",
        data={"roles": [str(int(Role.RESIDENT))]},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "at least one admin" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, admin.id).roles & Role.ADMIN


def test_a_removed_member_loses_access(make, auth):
    community = make.community()
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    resident = make.member(community)
    resident_client = auth.login(resident.user)
    assert resident_client.get("/invites").status_code == 200
    assert auth.login(admin.user).post(f"/admin/members/{resident.id}/remove").status_code == 303
    assert resident_client.get("/invites").status_code == 302


def test_admin_sets_a_new_password_and_old_sessions_end(app, make, auth):
    community = make.community()
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    resident = make.member(community)
    resident_client = auth.login(resident.user)
    response = auth.login(admin.user).post(
        f"/admin/members/{resident.id}/password",
        data={"password": "temporary 123", "confirm": "temporary 123"},
    )
    assert response.status_code == 200
    assert resident_client.get("/me").status_code == 302
    login = app.test_client().post("/login", data={"phone": resident.user.phone, "password": "temporary 123"})
    assert login.status_code == 303


def test_platform_admin_creates_a_community_with_buildings_and_its_admin(make, auth):
    platform = make.user(is_platform_admin=True)
    future_admin = make.user()
    client = auth.login(platform)
    response = client.post(
        "/platform/communities",
        data={
            "name": "翠屏城",
            "city": "南京",
            "buildings": "1栋: 1单元, 2单元\n2栋：1单元，2单元，3单元",
            "admin_phone": future_admin.phone,
        },
    )
    assert response.status_code == 303
    from portal.community.models import Community

    community = db.session.scalar(sa.select(Community).where(Community.name == "翠屏城"))
    assert [(b.name, [u.name for u in b.units]) for b in community.buildings] == [
        ("1栋", ["1单元", "2单元"]),
        ("2栋", ["1单元", "2单元", "3单元"]),
    ]
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == future_admin.id))
    assert membership.has(Role.ADMIN)


def test_a_bad_buildings_list_is_refused(make, auth):
    platform = make.user(is_platform_admin=True)
    before = db_snapshot()
    response = auth.login(platform).post(
        "/platform/communities", data={"name": "翠屏城", "buildings": "1栋: 1单元, 1单元"}
    )
    assert response.status_code == 422 and 'id="buildings-error"' in response.get_data(as_text=True)
    db_after = db_snapshot()
    db_after.pop("login_sessions"), before.pop("login_sessions")
    assert db_after == before
