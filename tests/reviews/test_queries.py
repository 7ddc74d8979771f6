"""The review pages and sections run as many SQL statements with three times the reviews."""

import sqlalchemy as sa

from portal.core.db import db
from portal.moderation.services import trust
from portal.reviews.models import ReviewPhoto
from portal.reviews.services import vote_helpful, write_review
from tests.reviews.helpers import collected_orders, product_with_batch


def count_statements(client, url) -> int:
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen)


def test_queries_do_not_grow_with_the_reviews(app, auth, make, town):
    town.trust_all(app)
    product, batch = product_with_batch(town.community)
    people = [make.member(town.community, building_index=i % 3) for i in range(9)]
    with app.test_request_context("/"):
        for m in people:
            trust(m.user_id, town.community.id)
        db.session.commit()
    buy, orders = collected_orders(town, people, batch=batch)
    reader = auth.login(town.residents[0].user)
    leader = auth.login(town.leader.user)
    urls = [
        (reader, f"/reviews/products/{product.id}"),
        (reader, f"/reviews/products/{product.id}?sort=helpful"),
        (reader, f"/groupbuy/{buy.id}"),
        (leader, "/groupbuy/workbench"),
    ]

    def review(members):
        with app.test_request_context("/"):
            for m in members:
                made = write_review(m, orders[m.user_id], 1 + m.id % 5, f"第{m.id}条")
                made.photos.append(ReviewPhoto(path="reviews/AAAAAAAAAAAAAAAAAAAAAA.webp", position=0))
                vote_helpful(town.residents[1], made)
            db.session.commit()

    review(people[:3])
    few = [count_statements(client, url) for client, url in urls]
    review(people[3:])
    many = [count_statements(client, url) for client, url in urls]
    assert few == many
