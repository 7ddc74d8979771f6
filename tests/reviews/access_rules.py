"""Review routes in the access matrix (tests/access.py).

"resident" collected an order of a batch-less buy and may review it; "author" wrote a visible
review of a product's buy; volunteers and admins moderate; the buy's "leader" may neither review
a resident's order nor hide a review.
"""

from flask import current_app

from portal.community.models import Role
from portal.core.db import db
from portal.moderation.services import trust
from portal.reviews.services import write_review
from tests.access import Route
from tests.groupbuy.helpers import make_point
from tests.reviews.helpers import arrived_buy, collect, product_with_batch

# people of community A (not a kiosk screen); another community's members get 404
A_PEOPLE = {
    "anonymous": "login",
    "resident": "ok",
    "leader": "ok",
    "volunteer": "ok",
    "admin": "ok",
    "kiosk": 403,
    "outsider": 404,
    "outsider_admin": 404,
}
UNKNOWN = {**{p: 404 for p in A_PEOPLE}, "anonymous": "login", "kiosk": 403}
# the resident's own collected order: everyone else's answer is 404
OWN_ORDER = {**A_PEOPLE, "leader": 404, "volunteer": 404, "admin": 404}
# volunteers and admins of the review's community moderate; nobody else, leaders included
MODERATORS = {
    "anonymous": "login",
    "resident": 403,
    "leader": 403,
    "kiosk": 403,
    "outsider": 403,
    "volunteer": "ok",
    "admin": "ok",
    "outsider_admin": 404,
}


def populate(world):
    a = world["community"]
    point = make_point(a, "3栋自提点")
    leader = world.memberships["leader"]
    resident = world.memberships["resident"]
    author = world.add_person("author", a, Role.RESIDENT)
    _product, batch = product_with_batch(a)
    world.objects["product"] = _product
    plain_buy, plain_orders = arrived_buy(leader, point, [resident])
    world.objects["plain_buy"] = plain_buy
    world.objects["order"] = collect(plain_orders[resident.user_id], by=leader.user)
    product_buy, product_orders = arrived_buy(leader, point, [author], batch=batch, title="批次团")
    world.objects["product_buy"] = product_buy
    authored = collect(product_orders[author.user_id], by=leader.user)
    with current_app.test_request_context("/"):
        trust(author.user_id, a.id)
        world.objects["review"] = write_review(author, authored, 4, "很甜")
        db.session.commit()


ROUTES = [
    Route("reviews.write", "GET", lambda w: f"/reviews/orders/{w['order'].id}", OWN_ORDER),
    Route(
        "reviews.write_post",
        "POST",
        lambda w: f"/reviews/orders/{w['order'].id}",
        OWN_ORDER,
        data=lambda w: {"stars": "5", "text": "新鲜"},
    ),
    Route("reviews.product", "GET", lambda w: f"/reviews/products/{w['product'].id}", A_PEOPLE),
    Route("reviews.buy", "GET", lambda w: f"/reviews/buys/{w['plain_buy'].id}", A_PEOPLE),
    Route("reviews.buy", "GET", lambda w: f"/reviews/buys/{w['product_buy'].id}", A_PEOPLE),  # → its product
    Route(
        "reviews.product",
        "GET",
        lambda w: "/reviews/products/999999",
        {p: (404 if p != "anonymous" and p != "kiosk" else A_PEOPLE[p]) for p in A_PEOPLE},
    ),
    Route("reviews.helpful", "POST", lambda w: f"/reviews/{w['review'].id}/helpful", A_PEOPLE),
    Route(
        "reviews.hide_review",
        "POST",
        lambda w: f"/reviews/{w['review'].id}/hide",
        MODERATORS,
        data=lambda w: {"reason": "与商品无关"},
    ),
]
