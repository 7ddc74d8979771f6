"""Who may review what: only the resident who collected an order (核销 or at a locker), once, within
30 days; everything checked by the server when the review is posted."""

import io
from pathlib import Path

import sqlalchemy as sa

from portal.core.db import db
from portal.groupbuy.models import Order
from portal.reviews.models import Review, ReviewPhoto
from tests.reviews.helpers import (
    arrived_buy,
    collect,
    collected_orders,
    picture,
    product_with_batch,
    review_data,
)


def reviews() -> list[Review]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Review).order_by(Review.id)))


def post(auth, member, order, **data):
    return auth.login(member.user).post(f"/reviews/orders/{order.id}", data=review_data(**data))


def test_an_order_not_collected_is_refused_and_nothing_is_stored(app, auth, town):
    town.trust_all(app)
    resident = town.residents[0]
    _buy, orders = arrived_buy(town.leader, town.station, [resident])
    order = orders[resident.user_id]  # ready: code issued, not handed over
    client = auth.login(resident.user)
    page = client.get(f"/reviews/orders/{order.id}")
    assert page.status_code == 200 and "once you have collected it" in page.get_data(as_text=True)
    assert 'name="stars"' not in page.get_data(as_text=True)
    response = post(auth, resident, order)
    assert response.status_code == 422
    assert "once you have collected it" in response.get_data(as_text=True)
    assert reviews() == []


def test_collected_by_the_leaders_verification_can_be_reviewed(app, auth, town):
    """核销 through the leader's real verify page, then the resident reviews it."""
    town.trust_all(app)
    resident = town.residents[0]
    product, batch = product_with_batch(town.community)
    buy, orders = arrived_buy(town.leader, town.station, [resident], batch=batch)
    order = db.session.get(Order, orders[resident.user_id].id)
    leader = auth.login(town.leader.user)
    handed = leader.post("/pickup/collect", data={"point": town.station.id, "code": order.pickup_code})
    assert handed.status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).collected_via == "code"

    response = post(auth, resident, order, stars=4, text="很甜")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/reviews/products/{product.id}#review-{reviews()[0].id}"
    [review] = reviews()
    assert (review.order_id, review.author_id, review.stars, review.text) == (
        order.id,
        resident.user_id,
        4,
        "很甜",
    )
    assert (review.buy_id, review.product_id, review.community_id) == (buy.id, product.id, town.community.id)
    assert review.status == "visible" and review.published_at is not None


def test_collected_at_a_locker_can_be_reviewed(app, auth, town):
    town.trust_all(app)
    resident = town.residents[1]
    _buy, orders = collected_orders(town, [resident], via="locker")
    order = orders[resident.user_id]
    assert order.collected_via == "locker" and order.collected_at is not None
    response = post(auth, resident, order, stars=5)
    assert response.status_code == 303
    [review] = reviews()
    assert review.product_id is None  # a buy that names no batch: reviewed as the buy itself
    assert response.headers["Location"] == f"/reviews/buys/{review.buy_id}#review-{review.id}"


def test_thirty_days_after_pickup_reviews_are_closed(app, auth, town):
    town.trust_all(app)
    early, late = town.residents[:2]
    _buy, orders = arrived_buy(town.leader, town.station, [early, late])
    collect(orders[early.user_id], by=town.leader.user, days_ago=29.9)
    collect(orders[late.user_id], by=town.leader.user, days_ago=30.1)
    assert post(auth, early, orders[early.user_id]).status_code == 303
    response = post(auth, late, orders[late.user_id])
    assert response.status_code == 422
    assert "open for 30 days after pickup" in response.get_data(as_text=True)
    assert [r.author_id for r in reviews()] == [early.user_id]


def test_a_second_review_of_the_same_order_is_422(app, auth, town, htmx):
    town.trust_all(app)
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    order = orders[resident.user_id]
    assert post(auth, resident, order, stars=5).status_code == 303
    again = auth.login(resident.user).post(
        f"/reviews/orders/{order.id}", data=review_data(stars=1), headers=htmx
    )
    assert again.status_code == 422
    assert "reviewed this order already" in again.get_data(as_text=True)
    assert [(r.stars, r.order_id) for r in reviews()] == [(5, order.id)]


def test_a_double_submit_that_slips_past_the_check_meets_the_unique_key(app, auth, town, monkeypatch):
    """Two submits at once both find no review; the unique key on order_id refuses the second."""
    town.trust_all(app)
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    order = orders[resident.user_id]
    assert post(auth, resident, order).status_code == 303
    monkeypatch.setattr("portal.reviews.services.review_of_order", lambda order_id: None)
    again = post(auth, resident, order, stars=2)
    assert again.status_code == 422
    assert "reviewed this order already" in again.get_data(as_text=True)
    assert len(reviews()) == 1


def test_someone_elses_order_and_another_communitys_are_404(app, auth, town, make):
    town.trust_all(app)
    mine, neighbour = town.residents[:2]
    _buy, orders = collected_orders(town, [mine, neighbour])
    _other_buy, other_orders = arrived_buy(town.other_leader, town.other_point, [town.outsider])
    other_order = collect(other_orders[town.outsider.user_id], by=town.other_leader.user)
    client = auth.login(mine.user)
    for order in (orders[neighbour.user_id], other_order):
        assert client.get(f"/reviews/orders/{order.id}").status_code == 404
        assert client.post(f"/reviews/orders/{order.id}", data=review_data()).status_code == 404
    # the leader who handed it over cannot review it for the resident either
    leader = auth.login(town.leader.user)
    assert leader.post(f"/reviews/orders/{orders[mine.user_id].id}", data=review_data()).status_code == 404
    # a resident of the other community does not reach this community's order, nor its archive
    outsider = auth.login(town.outsider.user)
    assert outsider.post(f"/reviews/orders/{orders[mine.user_id].id}", data=review_data()).status_code == 404
    assert outsider.get(f"/reviews/buys/{orders[mine.user_id].buy_id}").status_code == 404
    assert reviews() == []


def test_stars_must_be_one_to_five(app, auth, town):
    town.trust_all(app)
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    for stars in ("0", "6", "", "abc"):
        response = auth.login(resident.user).post(
            f"/reviews/orders/{orders[resident.user_id].id}", data={"stars": stars, "text": "x"}
        )
        assert response.status_code == 422, stars
    assert reviews() == []


def test_up_to_three_photos_are_stored_re_encoded(app, auth, town):
    town.trust_all(app)
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    photos = [picture(f"p{i}.png") for i in range(3)]
    response = post(auth, resident, orders[resident.user_id], photos=photos)
    assert response.status_code == 303
    [review] = reviews()
    paths = [p.path for p in review.photos]
    assert len(paths) == 3 and all(p.startswith("reviews/") and p.endswith(".webp") for p in paths)
    archive = auth.login(town.residents[1].user).get(response.headers["Location"].split("#")[0])
    assert all(f"/uploads/{p}" in archive.get_data(as_text=True) for p in paths)


def test_more_than_three_photos_or_a_non_picture_are_refused(app, auth, town):
    town.trust_all(app)
    first, second = town.residents[:2]
    _buy, orders = collected_orders(town, [first, second])
    four = post(auth, first, orders[first.user_id], photos=[picture(f"p{i}.png") for i in range(4)])
    assert four.status_code == 422 and "Review photos: at most 3 pictures." in four.get_data(as_text=True)
    fake = post(
        auth,
        second,
        orders[second.user_id],
        photos=[picture(), (io.BytesIO(b"%PDF-1.4 not a picture"), "x.png")],
    )
    assert fake.status_code == 422 and "not a picture" in fake.get_data(as_text=True)
    assert reviews() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewPhoto)) == 0
    assert not list((Path(app.config["UPLOAD_FOLDER"]) / "reviews").glob("*"))  # the good one went too


def test_stars_out_of_range_and_a_non_picture_are_said_in_one_422(app, auth, town):
    town.trust_all(app)
    resident = town.residents[0]
    _buy, orders = collected_orders(town, [resident])
    response = post(
        auth, resident, orders[resident.user_id], stars=9, photos=[(io.BytesIO(b"%PDF-1.4 nope"), "x.png")]
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give one to five stars." in page
    assert "Review photos: This file is not a picture (JPEG, PNG or WebP)." in page
    assert reviews() == []


def test_the_collected_order_page_offers_the_review(app, auth, town):
    town.trust_all(app)
    resident, waiting = town.residents[:2]
    buy, orders = arrived_buy(town.leader, town.station, [resident, waiting])
    collect(orders[resident.user_id], by=town.leader.user)
    client = auth.login(resident.user)
    page = client.get(f"/groupbuy/orders/{orders[resident.user_id].id}").get_data(as_text=True)
    assert f'href="/reviews/orders/{orders[resident.user_id].id}"' in page and "Review this order" in page
    not_yet = (
        auth.login(waiting.user).get(f"/groupbuy/orders/{orders[waiting.user_id].id}").get_data(as_text=True)
    )
    assert "Review this order" not in not_yet
    post(auth, resident, orders[resident.user_id], stars=3)
    after = client.get(f"/groupbuy/orders/{orders[resident.user_id].id}").get_data(as_text=True)
    assert "Review this order" not in after and "Your review" in after
