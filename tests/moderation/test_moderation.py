"""Moderation: three different residents' reports hide a post for everyone but moderators;
the queue's actions (approve, hide, restore, delete, warn) each land in the audit log; a new
member's first posts wait for approval."""

import pytest

from portal.boards.models import Post
from portal.boards.services import posts as boards_posts
from portal.community.models import Role
from portal.core.db import db
from portal.moderation.models import AuditEntry, ContentStatus, Report
from portal.moderation.services import trust


@pytest.fixture
def club(app, make):
    a = make.community()
    people = {
        "author": make.member(a),
        "r1": make.member(a),
        "r2": make.member(a),
        "r3": make.member(a),
        "volunteer": make.member(a, roles=Role.RESIDENT | Role.VOLUNTEER),
        "admin": make.member(a, roles=Role.RESIDENT | Role.ADMIN),
    }
    with app.test_request_context("/"):
        for m in people.values():
            trust(m.user_id, a.id)
        post = boards_posts.create_post(people["author"], "chat", "低价代购 联系我", "全网最低价", [])
        db.session.commit()
    return a, people, post


def report(auth, member, post, reason="spam"):
    return auth.login(member.user).post(f"/moderation/report/post/{post.id}", data={"reason": reason})


def sees(auth, member, post) -> bool:
    client = auth.login(member.user)
    listed = f'id="post-{post.id}"' in client.get("/boards/chat").get_data(as_text=True)
    page = client.get(f"/boards/posts/{post.id}")
    assert listed == (page.status_code == 200)
    return listed


def test_the_third_report_hides_the_post_for_everyone_but_moderators(auth, club):
    _a, people, post = club
    assert report(auth, people["r1"], post).status_code == 200
    assert report(auth, people["r1"], post).status_code == 422  # the same resident twice counts once
    assert report(auth, people["r2"], post, "fraud").status_code == 200
    assert all(sees(auth, people[p], post) for p in ("r1", "r3", "author"))  # two reports: still visible

    response = report(auth, people["r3"], post)
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(post), post.id).status == ContentStatus.HIDDEN
    for name in ("r1", "r2", "r3", "author"):
        assert not sees(auth, people[name], post), name
    for name in ("volunteer", "admin"):
        assert sees(auth, people[name], post), name
        queue = auth.login(people[name].user).get("/moderation?tab=reported").get_data(as_text=True)
        assert f"queue-post-{post.id}" in queue and "Advertising or spam" in queue
    log = db.session.scalars(db.select(AuditEntry)).all()
    assert [(e.action, e.actor_id, e.item_id) for e in log] == [("auto_hide", None, post.id)]


def test_reports_need_a_reason_and_are_not_for_ones_own_post(auth, club):
    _a, people, post = club
    assert report(auth, people["r1"], post, reason="").status_code == 422
    assert report(auth, people["author"], post).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Report)) == 0


def test_every_queue_action_is_in_the_audit_log(auth, club, htmx):
    _a, people, post = club
    volunteer = auth.login(people["volunteer"].user)
    steps = [
        ("hide", ContentStatus.HIDDEN),
        ("restore", ContentStatus.VISIBLE),
        ("warn", ContentStatus.VISIBLE),
        ("approve", ContentStatus.VISIBLE),
        ("delete", ContentStatus.DELETED),
    ]
    for action, status in steps:
        response = volunteer.post(
            f"/moderation/post/{post.id}/{action}", data={"note": f"note {action}"}, headers=htmx
        )
        assert response.status_code == 200, action
        db.session.expire_all()
        assert db.session.get(type(post), post.id).status == status
    # a second delete is refused (the post is gone): 404, and nothing is logged for it
    assert volunteer.post(f"/moderation/post/{post.id}/delete").status_code == 404
    log = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.target_user_id, e.note) for e in log] == [
        (action, people["volunteer"].user_id, people["author"].user_id, f"note {action}")
        for action, _ in steps
    ]
    page = volunteer.get("/moderation/log").get_data(as_text=True)
    for text in ("Hidden", "Restored", "Warned the author", "Approved", "Deleted", "note warn"):
        assert text in page
    # the author was warned and told; the post is gone for everyone
    assert not sees(auth, people["admin"], post)
    messages = auth.login(people["author"].user).get("/notifications").get_data(as_text=True)
    assert "note warn" in messages


def test_an_action_happens_once(auth, club):
    _a, people, post = club
    admin, volunteer = auth.login(people["admin"].user), auth.login(people["volunteer"].user)
    assert admin.post(f"/moderation/post/{post.id}/hide").status_code == 200
    assert volunteer.post(f"/moderation/post/{post.id}/hide").status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 1


def test_residents_cannot_moderate(auth, club):
    _a, people, post = club
    assert auth.login(people["r1"].user).post(f"/moderation/post/{post.id}/delete").status_code == 403
    assert auth.login(people["r1"].user).get("/moderation").status_code == 403


def test_a_new_members_first_posts_wait_for_approval(app, auth, make, club, htmx):
    a, people, _post = club
    newcomer = make.member(a)
    client = auth.login(newcomer.user)
    response = client.post("/boards/chat", data={"title": "大家好", "body": "我是新来的"}, headers=htmx)
    assert response.status_code == 200
    assert "approves" in response.get_data(as_text=True)
    first = db.session.scalar(db.select(Post).where(Post.author_id == newcomer.user_id))
    assert first.status == ContentStatus.PENDING
    assert sees(auth, newcomer, first)  # the author sees it, marked
    assert not sees(auth, people["r1"], first)
    assert sees(auth, people["volunteer"], first)
    assert (
        auth.login(people["volunteer"].user).post(f"/moderation/post/{first.id}/approve").status_code == 200
    )
    assert sees(auth, people["r1"], first)
    client.post("/boards/chat", data={"title": "第二条", "body": "现在直接发出"})
    second = db.session.scalar(
        db.select(Post).where(Post.author_id == newcomer.user_id, Post.id != first.id)
    )
    assert second.status == ContentStatus.VISIBLE
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert actions == ["approve"]


def test_reporting_an_unknown_kind_or_another_communitys_post_is_404(auth, make, club):
    _a, people, post = club
    client = auth.login(people["r1"].user)
    assert client.post(f"/moderation/report/nothing/{post.id}", data={"reason": "spam"}).status_code == 404
    outsider = make.member(make.community())
    assert (
        auth.login(outsider.user)
        .post(f"/moderation/report/post/{post.id}", data={"reason": "spam"})
        .status_code
        == 404
    )
