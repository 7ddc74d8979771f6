"""The survey's personal data (export; on deletion the answers stay anonymous, unanswered offers
go), the dashboard's reading API, and the NPS arithmetic."""

from datetime import timedelta

import pytest

from portal.core.db import db, utcnow
from portal.surveys import personal_data
from portal.surveys.models import NpsOffer
from portal.surveys.reading import Nps, category, comments, nps_of, responses
from portal.surveys.services import answer, offer_for
from tests.surveys.helpers import collected_order


def answered(member, score, comment=None, days_ago=1):
    at = utcnow() - timedelta(days=days_ago)
    offer = NpsOffer(
        community_id=member.community_id,
        user_id=member.user_id,
        trigger="order",
        trigger_id=1,
        offered_at=at - timedelta(hours=1),
        answered_at=at,
        score=score,
        comment=comment,
    )
    db.session.add(offer)
    db.session.commit()
    return offer


def test_export_holds_my_answers_only(place):
    collected_order(place.leader, place.station, place.resident)
    answer(offer_for(place.resident), 9, "团长很负责")
    db.session.commit()
    answered(place.neighbour, 3, "别人的话")
    [row] = personal_data.export(place.resident.user)["survey_offers"]
    assert (row["community"], row["trigger"], row["score"], row["comment"]) == (
        "翠屏幸福里",
        "order",
        9,
        "团长很负责",
    )
    assert row["answered_at"].endswith("Z") and row["dismissed_at"] is None


def test_the_json_download_has_a_surveys_section(place, auth):
    answered(place.resident, 10, "好")
    data = auth.login(place.resident.user).get("/me/data.json").get_json()
    assert data["sections"]["surveys"]["survey_offers"][0]["score"] == 10


def test_deleting_the_account_keeps_the_answer_anonymous_and_drops_open_offers(place, auth):
    kept = answered(place.resident, 7, "取货点再近点就好", days_ago=200)
    collected_order(place.leader, place.station, place.resident)
    open_id = offer_for(place.resident).id
    db.session.commit()
    client = auth.login(place.resident.user)
    response = client.post("/me/delete", data={"password": "correct horse 42", "confirm": "y"})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:300]
    db.session.expire_all()
    row = db.session.get(NpsOffer, kept.id)
    assert (row.user_id, row.score, row.comment) == (None, 7, "取货点再近点就好")
    assert db.session.get(NpsOffer, open_id) is None


def test_responses_select_scores_in_the_range_and_communities(place):
    answered(place.resident, 10, days_ago=2)
    answered(place.neighbour, 4, days_ago=40)
    answered(place.outsider, 8, days_ago=2)
    db.session.add(
        NpsOffer(community_id=place.community.id, user_id=place.leader.user_id, trigger="event", trigger_id=1)
    )  # offered, never answered
    db.session.commit()
    now = utcnow()
    week = db.session.execute(responses([place.community.id], now - timedelta(days=7), now)).all()
    assert [r.score for r in week] == [10]
    everywhere = db.session.execute(responses(None, now - timedelta(days=60), now)).all()
    assert sorted(r.score for r in everywhere) == [4, 8, 10]


def test_comments_are_paged_newest_first_and_only_with_words(place):
    for days in range(1, 24):
        answered(place.resident, days % 11, f"第{days}条", days_ago=days)
    answered(place.neighbour, 9, None, days_ago=0.5)
    answered(place.outsider, 9, "别的小区", days_ago=0.5)
    first = comments(place.community.id, 1)
    assert [row.comment for row in first][:2] == ["第1条", "第2条"] and first.more and len(first) == 20
    second = comments(place.community.id, 2)
    assert [row.comment for row in second] == ["第21条", "第22条", "第23条"] and not second.more
    assert first.items[0].user_id == place.resident.user_id and first.items[0].score == 1


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([9, 10], 100.0),
        ([0, 6], -100.0),
        ([7, 8], 0.0),
        ([10, 9, 8, 7, 6, 0], 0.0),  # 2 promoters, 2 passives, 2 detractors
        ([10, 10, 10, 3], 50.0),
        ([9, 7, 7, 7, 7, 7, 7, 7, 7, 7], 10.0),
    ],
)
def test_nps_is_percent_promoters_minus_percent_detractors(scores, expected):
    assert nps_of(scores).score == expected
    assert nps_of(scores).n == len(scores)


def test_the_categories_edges():
    assert [category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    assert Nps(1, 1, 1).score == pytest.approx(0.0)
