"""The card on the community home and on a collected order's page; answering and dismissing it
with htmx and without JavaScript; refused input (422, nothing stored); others' offers (404);
closed offers (409, no change)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.surveys.models import MAX_COMMENT, NpsOffer
from tests.surveys.helpers import collected_order

QUESTION = "How likely are you to recommend Linli to a neighbour?"


@pytest.fixture
def offered(place, auth):
    """王阿姨 collected an order and opened her home page: the card is there."""
    order = collected_order(place.leader, place.station, place.resident)
    client = auth.login(place.resident.user)
    page = client.get("/")
    assert page.status_code == 200
    offer = db.session.scalar(sa.select(NpsOffer).where(NpsOffer.user_id == place.resident.user_id))
    return client, offer, order, page.get_data(as_text=True)


def stored(offer):
    db.session.expire_all()
    return db.session.get(NpsOffer, offer.id)


def test_the_home_page_shows_the_card_after_a_pickup(offered):
    _client, offer, _order, html = offered
    assert QUESTION in html
    assert f'id="nps-card-{offer.id}"' in html
    assert html.count('name="score"') == 11
    assert f'action="/surveys/{offer.id}/answer"' in html and f'action="/surveys/{offer.id}/dismiss"' in html
    assert "css/surveys.css" in html


def test_no_card_without_a_pickup(place, auth):
    html = auth.login(place.neighbour.user).get("/").get_data(as_text=True)
    assert QUESTION not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NpsOffer)) == 0


def test_the_card_is_on_the_collected_orders_page_and_reloading_makes_no_second_offer(offered):
    client, offer, order, _html = offered
    html = client.get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    assert f'id="nps-card-{offer.id}"' in html
    client.get("/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NpsOffer)) == 1


def test_the_card_on_the_order_page_makes_the_offer_when_home_was_not_visited(place, auth):
    order = collected_order(place.leader, place.station, place.resident)
    html = auth.login(place.resident.user).get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    assert QUESTION in html
    offer = db.session.scalar(sa.select(NpsOffer))
    assert (offer.trigger, offer.trigger_id) == ("order", order.id)


def test_answer_with_htmx_stores_score_and_comment_and_swaps_in_the_thank_you(offered, htmx):
    client, offer, _order, _html = offered
    response = client.post(
        f"/surveys/{offer.id}/answer", data={"score": "9", "comment": "  团长很负责  "}, headers=htmx
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Thank you!" in body and "<html" not in body and 'name="score"' not in body
    row = stored(offer)
    assert (row.score, row.comment, row.dismissed_at) == (9, "团长很负责", None)
    assert row.answered_at is not None
    assert QUESTION not in client.get("/").get_data(as_text=True)


def test_answer_without_javascript_redirects_back_and_thanks_once(offered):
    client, offer, order, _html = offered
    back = f"/groupbuy/orders/{order.id}"
    response = client.post(f"/surveys/{offer.id}/answer", data={"score": "0", "next": back})
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert "Thank you!" in client.get(back).get_data(as_text=True)
    assert "Thank you!" not in client.get(back).get_data(as_text=True)
    row = stored(offer)
    assert (row.score, row.comment) == (0, None)


def test_an_outside_next_goes_home(offered):
    client, offer, _order, _html = offered
    response = client.post(
        f"/surveys/{offer.id}/answer", data={"score": "7", "next": "https://evil.example/"}
    )
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


def test_dismiss_with_htmx_removes_the_card(offered, htmx):
    client, offer, _order, _html = offered
    response = client.post(f"/surveys/{offer.id}/dismiss", headers=htmx)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    row = stored(offer)
    assert row.dismissed_at is not None and row.score is None and row.answered_at is None
    assert QUESTION not in client.get("/").get_data(as_text=True)


def test_dismiss_without_javascript_redirects_back(offered):
    client, offer, _order, _html = offered
    response = client.post(f"/surveys/{offer.id}/dismiss", data={"next": "/"})
    assert response.status_code == 303
    assert stored(offer).dismissed_at is not None


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose a number from 0 to 10."),
        ({"score": ""}, "Choose a number from 0 to 10."),
        ({"score": "11"}, "Choose a number from 0 to 10."),
        ({"score": "-1"}, "Choose a number from 0 to 10."),
        ({"score": "x"}, "Choose a number from 0 to 10."),
        ({"score": "8", "comment": "长" * (MAX_COMMENT + 1)}, f"At most {MAX_COMMENT} characters."),
    ],
)
@pytest.mark.parametrize("as_htmx", [True, False])
def test_bad_input_is_422_with_the_error_in_place_and_nothing_stored(offered, htmx, data, error, as_htmx):
    client, offer, _order, _html = offered
    response = client.post(f"/surveys/{offer.id}/answer", data=data, headers=htmx if as_htmx else {})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert error in body
    assert 'class="field-error"' in body and 'aria-invalid="true"' in body
    assert ("<html" in body) is (not as_htmx)
    row = stored(offer)
    assert (row.score, row.comment, row.answered_at, row.dismissed_at) == (None, None, None, None)


def test_a_score_out_of_range_and_a_long_comment_are_both_said_in_one_422(offered, htmx):
    client, offer, _order, _html = offered
    response = client.post(
        f"/surveys/{offer.id}/answer", data={"score": "11", "comment": "长" * (MAX_COMMENT + 1)}, headers=htmx
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose a number from 0 to 10." in body and f"At most {MAX_COMMENT} characters." in body
    assert body.count('class="field-error"') == 2
    row = stored(offer)
    assert (row.score, row.comment, row.answered_at) == (None, None, None)


def test_a_refused_answer_keeps_what_was_typed(offered, htmx):
    client, offer, _order, _html = offered
    body = client.post(
        f"/surveys/{offer.id}/answer", data={"score": "8", "comment": "好" * (MAX_COMMENT + 1)}, headers=htmx
    ).get_data(as_text=True)
    checked = re.findall(r'name="score" value="(\d+)"\s+checked', body)
    assert checked == ["8"]
    assert "好" * (MAX_COMMENT + 1) in body


def test_someone_elses_offer_is_404_and_unchanged(offered, place, auth, htmx):
    _client, offer, _order, _html = offered
    for member in (place.neighbour, place.admin, place.outsider):
        other = auth.login(member.user)
        assert (
            other.post(f"/surveys/{offer.id}/answer", data={"score": "10"}, headers=htmx).status_code == 404
        )
        assert other.post(f"/surveys/{offer.id}/dismiss", headers=htmx).status_code == 404
    assert (
        auth.login(place.neighbour.user).post("/surveys/999999/answer", data={"score": "1"}).status_code
        == 404
    )
    row = stored(offer)
    assert (row.score, row.answered_at, row.dismissed_at) == (None, None, None)


def test_an_answered_offer_is_409_and_unchanged(offered, htmx):
    client, offer, _order, _html = offered
    assert client.post(f"/surveys/{offer.id}/answer", data={"score": "6"}, headers=htmx).status_code == 200
    first = stored(offer).answered_at
    again = client.post(
        f"/surveys/{offer.id}/answer", data={"score": "10", "comment": "改主意"}, headers=htmx
    )
    assert again.status_code == 409
    assert "You answered this survey already." in again.get_data(as_text=True)
    assert client.post(f"/surveys/{offer.id}/dismiss", headers=htmx).status_code == 409
    row = stored(offer)
    assert (row.score, row.comment, row.answered_at, row.dismissed_at) == (6, None, first, None)


def test_a_dismissed_or_lapsed_offer_cannot_be_answered(offered, htmx):
    client, offer, _order, _html = offered
    client.post(f"/surveys/{offer.id}/dismiss", headers=htmx)
    assert client.post(f"/surveys/{offer.id}/answer", data={"score": "9"}, headers=htmx).status_code == 409
    assert stored(offer).score is None
    lapsed = stored(offer)
    lapsed.dismissed_at = None
    lapsed.offered_at = utcnow() - timedelta(days=15)
    db.session.commit()
    response = client.post(f"/surveys/{offer.id}/answer", data={"score": "9"})
    assert response.status_code == 409 and "This survey is closed." in response.get_data(as_text=True)
    assert stored(offer).score is None


def test_the_card_speaks_chinese(offered):
    client, _offer, _order, _html = offered
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "推荐" in html
