"""The trust archive: a product's reviews across its buys and batches, the rating distribution,
"已提货 N 户", paging and the two orders, reviewers named as their privacy allows, helpful votes;
and the summaries on the buy page, the workbench and the public trace page."""

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.core.sections import sections
from portal.neighbors.models import Visibility
from portal.neighbors.privacy import ensure_profile
from portal.reviews import reading
from portal.reviews.models import HelpfulVote, Review
from portal.reviews.services import write_review
from tests.groupbuy.helpers import make_buy
from tests.reviews.helpers import collected_orders, product_with_batch
from tests.trace.helpers import make_batch


def reviewed(app, town, member, order, stars, text="", minutes_ago=0):
    """A review written through the service (the view's rules are tested in test_eligibility)."""
    with app.test_request_context("/"):
        review = write_review(member, order, stars, text)
        review.created_at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.commit()
    return review


def counts(page: str) -> dict[int, int]:
    return {int(s): int(n) for s, n in re.findall(r'data-stars="(\d)">(\d+)<', page)}


def show_name(member, level=Visibility.COMMUNITY):
    ensure_profile(member).name_visibility = level
    db.session.commit()


def test_the_archive_gathers_a_products_reviews_across_buys_and_batches(app, auth, town):
    town.trust_all(app)
    a, b, c, d = town.residents  # c and d live in the same unit: one household
    product, first_batch = product_with_batch(town.community)
    second_batch = make_batch(product, lot="YS20260719B")
    _buy1, orders1 = collected_orders(town, [a, b, c], batch=first_batch)
    _buy2, orders2 = collected_orders(town, [a, d], batch=second_batch)
    other_product, other_batch = product_with_batch(town.community, name="砀山酥梨", lot="DS1")
    _buy3, orders3 = collected_orders(town, [b], batch=other_batch)
    reviewed(app, town, a, orders1[a.user_id], 5, "第一批很甜", minutes_ago=50)
    reviewed(app, town, b, orders1[b.user_id], 4, minutes_ago=40)
    reviewed(app, town, a, orders2[a.user_id], 5, "第二批也好", minutes_ago=30)
    reviewed(app, town, d, orders2[d.user_id], 1, "有两个烂了", minutes_ago=20)
    reviewed(app, town, b, orders3[b.user_id], 2, "梨不脆")  # another product: not here
    # c collected but wrote nothing: still one of the households that collected it

    page = auth.login(town.volunteer.user).get(f"/reviews/products/{product.id}").get_data(as_text=True)
    assert counts(page) == {5: 2, 4: 1, 3: 0, 2: 0, 1: 1}
    assert "3.8" in page and "4 reviews" in page
    assert "Collected by 3 households" in page  # a, b, and c's unit shared with d
    assert "第一批很甜" in page and "第二批也好" in page and "有两个烂了" in page
    assert "梨不脆" not in page
    assert reading.stats(reading.Archive(town.community.id, product=other_product)).counts[2] == 1


def test_reviews_are_paged_newest_or_most_helpful_first(app, auth, town, monkeypatch):
    town.trust_all(app)
    monkeypatch.setattr(reading, "REVIEWS_PAGE", 2)
    a, b, c, voter = town.residents
    product, batch = product_with_batch(town.community)
    _buy, orders = collected_orders(town, [a, b, c], batch=batch)
    old = reviewed(app, town, a, orders[a.user_id], 5, "最早的", minutes_ago=30)
    middle = reviewed(app, town, b, orders[b.user_id], 4, "中间的", minutes_ago=20)
    new = reviewed(app, town, c, orders[c.user_id], 3, "最新的", minutes_ago=10)
    client = auth.login(voter.user)
    assert client.post(f"/reviews/{old.id}/helpful").status_code == 303

    def ids(text):
        return [int(i) for i in re.findall(r'<article class="rv-card[^"]*" id="review-(\d+)"', text)]

    first = client.get(f"/reviews/products/{product.id}").get_data(as_text=True)
    assert ids(first) == [new.id, middle.id] and "page=2" in first
    second = client.get(f"/reviews/products/{product.id}?page=2", headers={"HX-Request": "true"})
    assert ids(second.get_data(as_text=True)) == [old.id] and "<html" not in second.get_data(as_text=True)
    helpful = client.get(f"/reviews/products/{product.id}?sort=helpful").get_data(as_text=True)
    assert ids(helpful) == [old.id, new.id]
    assert client.get(f"/reviews/products/{product.id}?sort=nonsense").status_code == 200


def test_reviewers_are_named_only_as_their_privacy_allows(app, auth, town):
    town.trust_all(app)
    hidden, shown, reader = town.residents[:3]
    show_name(shown)
    _buy, orders = collected_orders(town, [hidden, shown])
    reviewed(app, town, hidden, orders[hidden.user_id], 5, "不想露名")
    reviewed(app, town, shown, orders[shown.user_id], 4, "可以叫我张先生")
    buy_id = orders[hidden.user_id].buy_id
    page = auth.login(reader.user).get(f"/reviews/buys/{buy_id}").get_data(as_text=True)
    assert "王阿姨" not in page and "王**" in page
    assert "张先生</" in page
    detail = auth.login(reader.user).get(f"/groupbuy/{buy_id}").get_data(as_text=True)
    assert "不想露名" in detail and "王阿姨" not in detail and "王**" in detail
    own = auth.login(hidden.user).get(f"/reviews/buys/{buy_id}").get_data(as_text=True)
    assert "王阿姨" in own  # I see my own name


def test_helpful_votes_once_per_person_and_never_ones_own(app, auth, town, htmx):
    town.trust_all(app)
    author, voter, second = town.residents[:3]
    _buy, orders = collected_orders(town, [author])
    review = reviewed(app, town, author, orders[author.user_id], 5, "推荐")
    client = auth.login(voter.user)
    response = client.post(f"/reviews/{review.id}/helpful", headers=htmx)
    assert response.status_code == 200
    assert "Helpful · 1" in response.get_data(as_text=True) and "rv-helpful-done" in response.get_data(
        as_text=True
    )
    again = client.post(f"/reviews/{review.id}/helpful", headers=htmx)
    assert again.status_code == 422 and "helpful already" in again.get_data(as_text=True)
    own = auth.login(author.user).post(f"/reviews/{review.id}/helpful", headers=htmx)
    assert own.status_code == 422 and "your own review" in own.get_data(as_text=True)
    assert auth.login(second.user).post(f"/reviews/{review.id}/helpful").status_code == 303
    assert auth.login(town.outsider.user).post(f"/reviews/{review.id}/helpful").status_code == 404
    db.session.expire_all()
    assert db.session.get(Review, review.id).helpful_count == 2
    votes = db.session.scalars(sa.select(HelpfulVote.user_id).order_by(HelpfulVote.id)).all()
    assert votes == [voter.user_id, second.user_id]
    page = auth.login(author.user).get(f"/reviews/buys/{review.buy_id}").get_data(as_text=True)
    assert f"/reviews/{review.id}/helpful" not in page and "2 neighbours found this helpful" in page


def test_a_pending_review_takes_no_votes(app, auth, town):
    newcomer, voter = town.residents[:2]  # not trusted: the review waits
    _buy, orders = collected_orders(town, [newcomer])
    review = reviewed(app, town, newcomer, orders[newcomer.user_id], 4)
    assert review.status == "pending"
    assert auth.login(voter.user).post(f"/reviews/{review.id}/helpful").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HelpfulVote)) == 0


def test_a_buy_with_a_batch_leads_to_its_products_archive(app, auth, town):
    town.trust_all(app)
    product, batch = product_with_batch(town.community)
    _buy, orders = collected_orders(town, town.residents[:1], batch=batch)
    response = auth.login(town.residents[1].user).get(
        f"/reviews/buys/{orders[town.residents[0].user_id].buy_id}"
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/reviews/products/{product.id}"
    other_product, _b = product_with_batch(town.other, name="外面的桃")
    assert auth.login(town.residents[1].user).get(f"/reviews/products/{other_product.id}").status_code == 404


def test_the_buy_page_shows_the_trust_archive_in_brief(app, auth, town):
    town.trust_all(app)
    a, b, reader = town.residents[:3]
    show_name(a)
    product, batch = product_with_batch(town.community)
    _old_buy, old = collected_orders(town, [a, b], batch=batch)
    reviewed(app, town, a, old[a.user_id], 5, "去年就买过, 很甜", minutes_ago=10)
    reviewed(app, town, b, old[b.user_id], 3, "一般")
    new_buy = make_buy(town.leader, [town.station])
    new_buy.batch_id = make_batch(product, lot="YS-NEXT").id
    db.session.commit()
    page = auth.login(reader.user).get(f"/groupbuy/{new_buy.id}").get_data(as_text=True)
    assert 'id="rv-buy-summary"' in page
    assert "4.0" in page and "2 reviews" in page and "Collected by 2 households" in page
    assert "去年就买过, 很甜" in page and "王阿姨" in page
    assert f'href="/reviews/products/{product.id}"' in page
    assert counts(page) == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}


def test_a_buy_with_nothing_to_show_has_no_review_section(app, auth, town):
    buy = make_buy(town.leader, [town.station])
    page = auth.login(town.residents[0].user).get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    assert 'id="rv-buy-summary"' not in page


def test_the_workbench_shows_the_ratings_of_the_leaders_products(app, auth, town, make):
    town.trust_all(app)
    a, b, c = town.residents[:3]
    peach, peach_batch = product_with_batch(town.community)
    _buy1, orders1 = collected_orders(town, [a, b], batch=peach_batch)
    _buy2, orders2 = collected_orders(town, [c], title="自家腌的咸鸭蛋")  # no batch: the buy itself
    reviewed(app, town, a, orders1[a.user_id], 5)
    reviewed(app, town, b, orders1[b.user_id], 4)
    reviewed(app, town, c, orders2[c.user_id], 2)
    page = auth.login(town.leader.user).get("/groupbuy/workbench").get_data(as_text=True)
    assert 'id="rv-workbench"' in page
    section = page[page.index('id="rv-workbench"') :]
    assert section.index("阳山水蜜桃") < section.index("自家腌的咸鸭蛋")  # most reviewed first
    assert "4.5" in section and "2 reviews" in section and "2.0" in section and "1 review" in section
    assert f'href="/reviews/products/{peach.id}"' in section
    ratings = reading.leader_ratings(town.leader.user_id, town.community.id)
    assert [(r.title, r.count, r.average) for r in ratings] == [
        ("阳山水蜜桃", 2, 4.5),
        ("自家腌的咸鸭蛋", 1, 2.0),
    ]
    other_leader = make.member(town.community, make.user("别的团长"), roles=town.leader.roles)
    assert reading.leader_ratings(other_leader.user_id, town.community.id) == []


def test_the_public_trace_section_names_nobody(app, town):
    town.trust_all(app)
    a, b = town.residents[:2]
    show_name(a)
    product, batch = product_with_batch(town.community)
    _buy, orders = collected_orders(town, [a, b], batch=batch)
    reviewed(app, town, a, orders[a.user_id], 5, "很甜很新鲜")
    reviewed(app, town, b, orders[b.user_id], 4)
    with app.test_request_context("/trace/x"):  # anonymous: the public page has no login
        [html] = sections("trace.public", product=product, batch=batch)
    assert "很甜很新鲜" in html and "4.5" in html and "Collected by 2 households" in html
    for name in ("王阿姨", "王**", "张先生", "张**"):
        assert name not in html
    assert "/neighbors/" not in html and "person-inline" not in html
    with app.test_request_context("/trace/x"):
        quiet, _b2 = product_with_batch(town.community, name="无人评价的米", lot="R1")
        assert sections("trace.public", product=quiet, batch=None) == []
