"""Moderating reviews with moderation's own machinery: a new member's first review waits for
approval like a first post, three reports hide one, moderators hide one with a reason (in the audit
log); group leaders have no way to hide or change a review."""

import sqlalchemy as sa

from portal.core.db import db
from portal.moderation.models import AuditEntry, ContentStatus, Trust
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.reviews.models import Review
from tests.reviews.helpers import collected_orders, product_with_batch, review_data


def fresh(review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


def write(auth, member, order, stars=4, text="新鲜, 甜"):
    response = auth.login(member.user).post(f"/reviews/orders/{order.id}", data=review_data(stars, text))
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]
    return db.session.scalar(sa.select(Review).where(Review.order_id == order.id))


def archive_text(auth, member, review) -> str:
    url = f"/reviews/products/{review.product_id}" if review.product_id else f"/reviews/buys/{review.buy_id}"
    return auth.login(member.user).get(url).get_data(as_text=True)


def test_a_new_members_first_review_waits_for_approval(app, auth, town):
    newcomer, neighbour = town.residents[:2]  # nobody trusted: first posts wait
    _product, batch = product_with_batch(town.community)
    _buy, orders = collected_orders(town, [newcomer], batch=batch)
    review = write(auth, newcomer, orders[newcomer.user_id])
    assert review.status == ContentStatus.PENDING and review.published_at is None
    mine = auth.login(newcomer.user).get(f"/reviews/orders/{review.order_id}").get_data(as_text=True)
    assert "once a volunteer has approved it" in mine
    assert f'id="review-{review.id}"' not in archive_text(auth, neighbour, review)
    assert f'id="review-{review.id}"' in archive_text(auth, town.volunteer, review)
    assert db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == town.volunteer.user_id, Notification.kind == "mod_pending"
        )
    )
    queue = auth.login(town.volunteer.user).get("/moderation?tab=pending").get_data(as_text=True)
    assert f"queue-review-{review.id}" in queue
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 0  # no points yet

    approved = auth.login(town.volunteer.user).post(f"/moderation/review/{review.id}/approve")
    assert approved.status_code == 200
    review = fresh(review)
    assert review.status == ContentStatus.VISIBLE and review.published_at is not None
    assert f'id="review-{review.id}"' in archive_text(auth, neighbour, review)
    assert db.session.get(Trust, (newcomer.user_id, town.community.id)) is not None
    points = db.session.scalars(sa.select(PointsEntry).where(PointsEntry.reason == "review")).all()
    assert [(p.user_id, p.amount, p.ref_id) for p in points] == [(newcomer.user_id, 5, review.id)]


def test_a_moderator_hides_a_review_with_a_reason_in_the_audit_log(app, auth, town, htmx):
    town.trust_all(app)
    author, neighbour = town.residents[:2]
    _buy, orders = collected_orders(town, [author])
    review = write(auth, author, orders[author.user_id], text="加我微信 低价代购")
    volunteer = auth.login(town.volunteer.user)
    without = volunteer.post(f"/reviews/{review.id}/hide", data={"reason": "  "}, headers=htmx)
    assert without.status_code == 422 and "Say why" in without.get_data(as_text=True)
    assert fresh(review).status == ContentStatus.VISIBLE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0

    hidden = volunteer.post(f"/reviews/{review.id}/hide", data={"reason": "广告"}, headers=htmx)
    assert hidden.status_code == 200 and "Hidden" in hidden.get_data(as_text=True)
    review = fresh(review)
    assert (review.status, review.hidden_reason) == (ContentStatus.HIDDEN, "广告")
    log = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.kind, e.item_id, e.actor_id, e.target_user_id, e.note) for e in log] == [
        ("hide", "review", review.id, town.volunteer.user_id, author.user_id, "广告")
    ]
    assert f'id="review-{review.id}"' not in archive_text(auth, neighbour, review)
    told = auth.login(author.user).get(f"/reviews/orders/{review.order_id}").get_data(as_text=True)
    assert "Moderators hid your review: 广告" in told


def test_hiding_from_the_moderation_queue_needs_a_reason_too(app, auth, town):
    town.trust_all(app)
    author = town.residents[0]
    _buy, orders = collected_orders(town, [author])
    review = write(auth, author, orders[author.user_id])
    admin = auth.login(town.admin.user)
    assert admin.post(f"/moderation/review/{review.id}/hide", data={"note": ""}).status_code == 422
    assert fresh(review).status == ContentStatus.VISIBLE
    assert admin.post(f"/moderation/review/{review.id}/hide", data={"note": "与商品无关"}).status_code == 200
    assert (fresh(review).status, fresh(review).hidden_reason) == (ContentStatus.HIDDEN, "与商品无关")
    assert admin.post(f"/moderation/review/{review.id}/restore").status_code == 200
    assert (fresh(review).status, fresh(review).hidden_reason) == (ContentStatus.VISIBLE, "")
    # restoring does not publish twice: the points came once
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(PointsEntry).where(PointsEntry.reason == "review")
        )
        == 1
    )
    assert admin.post(f"/moderation/review/{review.id}/delete", data={"note": "删除"}).status_code == 200
    told = auth.login(author.user).get(f"/reviews/orders/{review.order_id}").get_data(as_text=True)
    assert "Moderators removed your review." in told
    assert f'id="review-{review.id}"' not in archive_text(auth, town.admin, review)


def test_three_reports_hide_a_review_until_a_moderator_looks(app, auth, town):
    town.trust_all(app)
    author, *reporters = town.residents
    _buy, orders = collected_orders(town, [author])
    review = write(auth, author, orders[author.user_id], stars=1, text="骗子")
    for i, reporter in enumerate(reporters):
        response = auth.login(reporter.user).post(
            f"/moderation/report/review/{review.id}", data={"reason": "abuse"}
        )
        assert response.status_code == 200
        assert fresh(review).status == (ContentStatus.HIDDEN if i == 2 else ContentStatus.VISIBLE)
    assert f'id="review-{review.id}"' not in archive_text(auth, reporters[0], review)
    moderator_view = archive_text(auth, town.volunteer, review)
    assert f'id="review-{review.id}"' in moderator_view and "Hidden after reports" in moderator_view
    assert "1 review" not in archive_text(auth, reporters[0], review)  # the summary counts visible ones only
    log = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.actor_id) for e in log] == [("auto_hide", None)]
    queue = auth.login(town.volunteer.user).get("/moderation?tab=reported").get_data(as_text=True)
    assert f"queue-review-{review.id}" in queue
    assert auth.login(author.user).post(
        f"/moderation/report/review/{review.id}", data={"reason": "spam"}
    ).status_code in (404, 422)


def test_leaders_have_no_way_to_hide_or_change_a_review(app, auth, town, htmx):
    """The leader whose buy it is: no hide, no moderation action, no edit — and no such form."""
    town.trust_all(app)
    author = town.residents[0]
    _buy, orders = collected_orders(town, [author])
    review = write(auth, author, orders[author.user_id], stars=1, text="不新鲜")
    leader = auth.login(town.leader.user)
    assert leader.post(f"/reviews/{review.id}/hide", data={"reason": "差评"}).status_code == 403
    assert leader.post(f"/reviews/{review.id}/hide", data={"reason": "差评"}, headers=htmx).status_code == 403
    for action in ("hide", "delete", "approve"):
        assert leader.post(f"/moderation/review/{review.id}/{action}", data={"note": "x"}).status_code == 403
    assert leader.post(f"/reviews/orders/{review.order_id}", data=review_data(5, "很好")).status_code == 404
    page = archive_text(auth, town.leader, review)
    assert "Hide this review" not in page and f"/reviews/{review.id}/hide" not in page
    review = fresh(review)
    assert (review.status, review.stars, review.text) == (ContentStatus.VISIBLE, 1, "不新鲜")
    # no route anywhere edits or deletes a review outside moderation
    review_rules = {
        (r.rule, m) for r in app.url_map.iter_rules() if r.endpoint.startswith("reviews.") for m in r.methods
    }
    assert {rule for rule, method in review_rules if method == "POST"} == {
        "/reviews/orders/<int:order_id>",
        "/reviews/<int:review_id>/helpful",
        "/reviews/<int:review_id>/hide",
    }
    assert not any(m in ("PUT", "PATCH", "DELETE") for _rule, m in review_rules)


def test_reviews_are_rate_limited_per_person(app, auth, town):
    town.trust_all(app)
    app.config["REVIEW_RATE_LIMIT"] = "2 per minute"
    resident = town.residents[0]
    orders = []
    for title in ("桃", "梨", "橙"):
        _buy, by_user = collected_orders(town, [resident], title=title)
        orders.append(by_user[resident.user_id])
    client = auth.login(resident.user)
    answers = [client.post(f"/reviews/orders/{o.id}", data=review_data()).status_code for o in orders]
    assert answers == [303, 303, 429]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 2
