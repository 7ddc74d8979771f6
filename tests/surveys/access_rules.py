"""Survey routes in the access matrix (see tests/access.py).

The resident of community A has an open offer (and an answered one); only they may answer or
close it: everyone else is 404 (the offer is not theirs), a kiosk 403 (not a person), a platform
admin without membership is sent to choose a community.
"""

from datetime import timedelta

from portal.core.db import db, utcnow
from portal.surveys.models import NpsOffer
from tests.access import Route

MINE = {
    "anonymous": "login",
    "resident": "ok",
    "leader": 404,
    "volunteer": 404,
    "admin": 404,
    "outsider": 404,
    "outsider_admin": 404,
    "kiosk": 403,
    "platform": "ok",  # no membership: redirected to "my communities"
}
MINE_422 = {**MINE, "resident": 422}
MINE_409 = {**MINE, "resident": 409}


def populate(world):
    resident = world.memberships["resident"]
    now = utcnow()
    world.objects["offer"] = offer = NpsOffer(
        community_id=resident.community_id,
        user_id=resident.user_id,
        trigger="order",
        trigger_id=1,
        offered_at=now,
    )
    world.objects["answered"] = answered = NpsOffer(
        community_id=resident.community_id,
        user_id=resident.user_id,
        trigger="event",
        trigger_id=1,
        offered_at=now - timedelta(days=100),
        answered_at=now - timedelta(days=99),
        score=8,
    )
    db.session.add_all([offer, answered])
    db.session.commit()


ROUTES = [
    Route(
        "surveys.answer_post",
        "POST",
        lambda w: f"/surveys/{w['offer'].id}/answer",
        MINE,
        data=lambda w: {"score": "9", "comment": "很方便"},
    ),
    Route(
        "surveys.answer_post",
        "POST",
        lambda w: f"/surveys/{w['offer'].id}/answer",
        MINE_422,
        data=lambda w: {},
    ),
    Route(
        "surveys.answer_post",
        "POST",
        lambda w: f"/surveys/{w['answered'].id}/answer",
        MINE_409,
        data=lambda w: {"score": "10"},
    ),
    Route("surveys.dismiss_post", "POST", lambda w: f"/surveys/{w['offer'].id}/dismiss", MINE),
]
