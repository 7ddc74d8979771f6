"""review_posted: points once per review when neighbours first see it, and 社区好物推荐官 after
GOOD_FINDS_AFTER published reviews; a person's reviews in their data export and after deletion."""

import sqlalchemy as sa

from portal.core.db import db
from portal.core.signals import review_posted
from portal.points import badges
from portal.points.models import PointsEntry
from portal.points.services import balance
from portal.reviews import personal_data
from portal.reviews.models import HelpfulVote, Review
from portal.reviews.services import vote_helpful, write_review
from tests.reviews.helpers import collected_orders


def write(app, member, order, stars=5, text="好"):
    with app.test_request_context("/"):
        review = write_review(member, order, stars, text)
        db.session.commit()
    return review


def test_review_posted_is_sent_once_when_the_review_becomes_visible(app, auth, town):
    resident = town.residents[0]  # not trusted: the first review waits
    _buy, orders = collected_orders(town, [resident], title="桃")
    _buy2, second = collected_orders(town, [resident], title="梨")
    sent = []

    def receiver(review, **kwargs):
        sent.append((review.id, kwargs))

    review_posted.connect(receiver)
    try:
        first = write(app, resident, orders[resident.user_id])
        assert sent == []
        volunteer = auth.login(town.volunteer.user)
        assert volunteer.post(f"/moderation/review/{first.id}/approve").status_code == 200
        assert volunteer.post(f"/moderation/review/{first.id}/approve").status_code == 200  # kept: no second
        later = write(app, resident, second[resident.user_id])  # trusted now: visible at once
    finally:
        review_posted.disconnect(receiver)
    assert sent == [
        (first.id, {"user_id": resident.user_id, "community_id": town.community.id}),
        (later.id, {"user_id": resident.user_id, "community_id": town.community.id}),
    ]
    entries = db.session.scalars(sa.select(PointsEntry).where(PointsEntry.reason == "review")).all()
    assert sorted(e.ref_id for e in entries) == sorted([first.id, later.id])
    assert balance(resident.user_id, town.community.id) == 10


def test_review_points_follow_the_configured_rule(app, town):
    town.trust_all(app)
    app.config["POINTS_RULES"] = {"review": 8}
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    write(app, resident, orders[resident.user_id])
    assert balance(resident.user_id, town.community.id) == 8


def test_five_published_reviews_earn_the_good_finds_badge(app, town, monkeypatch):
    town.trust_all(app)
    resident, neighbour = town.residents[:2]
    assert badges.GOOD_FINDS_AFTER == 5
    for i, title in enumerate(["桃", "梨", "橙", "米", "蛋"]):
        _buy, orders = collected_orders(town, [resident, neighbour], title=title)
        write(app, resident, orders[resident.user_id])
        if i < 4:
            write(app, neighbour, orders[neighbour.user_id])
        expected = ["good_finds"] if i == 4 else []
        assert badges.badges_of(resident.user_id, town.community.id) == expected, i
    assert badges.badges_of(neighbour.user_id, town.community.id) == []  # four reviews: not yet


def test_a_pending_review_counts_toward_nothing(app, town):
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    review = write(app, resident, orders[resident.user_id])
    assert review.status == "pending"
    assert balance(resident.user_id, town.community.id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 0


def test_export_and_erase(app, auth, town):
    town.trust_all(app)
    author, voter = town.residents[:2]
    _buy, orders = collected_orders(town, [author, voter], title="阳山水蜜桃")
    review = write(app, author, orders[author.user_id], 4, "甜")
    with app.test_request_context("/"):
        vote_helpful(voter, review)
        db.session.commit()
    mine = personal_data.export(author.user)
    assert [(r["buy"], r["stars"], r["text"], r["helpful_count"]) for r in mine["reviews"]] == [
        ("阳山水蜜桃", 4, "甜", 1)
    ]
    [vote] = personal_data.export(voter.user)["helpful_votes"]
    assert (vote["buy"], vote["review_id"]) == ("阳山水蜜桃", review.id) and vote["created_at"].endswith("Z")
    personal_data.erase(voter.user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Review, review.id).helpful_count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HelpfulVote)) == 0


def test_a_deleted_authors_review_stays_by_former_resident(app, auth, town):
    town.trust_all(app)
    author, reader = town.residents[:2]
    _buy, orders = collected_orders(town, [author])
    review = write(app, author, orders[author.user_id], 5, "留给后来的邻居")
    client = auth.login(author.user)
    response = client.post("/me/delete", data={"password": "correct horse 42", "confirm": "y"})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert db.session.get(Review, review.id) is not None
    page = auth.login(reader.user).get(f"/reviews/buys/{review.buy_id}").get_data(as_text=True)
    assert "留给后来的邻居" in page and "Former resident" in page and "王阿姨" not in page
