"""The NPS offer rules: after a pickup or an attended event within 14 days, at most once in 90
days per person whatever became of the offer, open until answered, dismissed or 14 days old,
never to a kiosk or to someone who is not a resident of the community."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.surveys.models import NpsOffer
from portal.surveys.services import answer, dismiss, offer_for
from tests.surveys.helpers import attended_event, collected_order


def offers_of(member):
    return db.session.scalars(sa.select(NpsOffer).where(NpsOffer.user_id == member.user_id)).all()


def test_offered_after_an_order_collected_at_a_manned_point(place):
    order = collected_order(place.leader, place.station, place.resident)
    offer = offer_for(place.resident)
    db.session.commit()
    assert offer is not None
    stored = offers_of(place.resident)
    assert [(o.trigger, o.trigger_id, o.community_id) for o in stored] == [
        ("order", order.id, place.community.id)
    ]
    assert stored[0].answered_at is None and stored[0].dismissed_at is None and stored[0].score is None


def test_offered_after_an_order_collected_at_a_locker(place):
    order = collected_order(place.leader, place.locker, place.resident, via="locker")
    assert order.collected_via == "locker"
    offer = offer_for(place.resident)
    assert (offer.trigger, offer.trigger_id) == ("order", order.id)


def test_offered_after_an_attended_event(place):
    event, _signup = attended_event(place.admin, place.resident)
    offer = offer_for(place.resident)
    assert (offer.trigger, offer.trigger_id) == ("event", event.id)


def test_the_newest_of_pickup_and_event_is_the_trigger(place):
    collected_order(place.leader, place.station, place.resident, at=utcnow() - timedelta(days=3))
    event, _ = attended_event(place.admin, place.resident, at=utcnow() - timedelta(days=1))
    assert offer_for(place.resident).trigger == "event"


def test_not_offered_without_a_pickup_or_an_event(place):
    assert offer_for(place.resident) is None
    assert offers_of(place.resident) == []


def test_not_offered_for_an_order_not_yet_collected_or_an_event_only_signed_up_for(place):
    from portal.events.services.signups import sign_up
    from tests.events.helpers import make_event
    from tests.reviews.helpers import arrived_buy

    arrived_buy(place.leader, place.station, [place.resident])  # ready, not collected
    sign_up(make_event(place.admin), place.resident, 0, utcnow())
    db.session.commit()
    assert offer_for(place.resident) is None
    assert offers_of(place.resident) == []


def test_not_offered_for_a_pickup_more_than_14_days_ago(place):
    collected_order(place.leader, place.station, place.resident, at=utcnow() - timedelta(days=15))
    attended_event(place.admin, place.resident, at=utcnow() - timedelta(days=14, hours=1))
    assert offer_for(place.resident) is None


def test_not_twice_in_90_days_answered_then_offered_again_after_91(place):
    base = utcnow() - timedelta(days=100)
    collected_order(place.leader, place.station, place.resident, at=base - timedelta(hours=2), title="一")
    first = offer_for(place.resident, now=base)
    answer(first, 9, "", now=base + timedelta(minutes=1))
    db.session.commit()

    collected_order(place.leader, place.station, place.resident, at=base + timedelta(days=30), title="二")
    assert offer_for(place.resident, now=base + timedelta(days=30, hours=1)) is None

    third = collected_order(
        place.leader, place.station, place.resident, at=base + timedelta(days=91), title="三"
    )
    again = offer_for(place.resident, now=base + timedelta(days=91, hours=1))
    db.session.commit()
    assert again is not None and again.id != first.id
    assert (again.trigger, again.trigger_id) == ("order", third.id)
    assert len(offers_of(place.resident)) == 2


def test_the_interval_is_configurable(app, place):
    app.config["SURVEY_INTERVAL_DAYS"] = 10
    base = utcnow() - timedelta(days=20)
    collected_order(place.leader, place.station, place.resident, at=base - timedelta(hours=1), title="一")
    dismiss(offer_for(place.resident, now=base), now=base)
    collected_order(place.leader, place.station, place.resident, at=base + timedelta(days=11), title="二")
    assert offer_for(place.resident, now=base + timedelta(days=11, hours=1)) is not None


def test_a_dismissed_offer_counts_for_the_90_days(place):
    collected_order(place.leader, place.station, place.resident, at=utcnow() - timedelta(days=5), title="一")
    offer = offer_for(place.resident, now=utcnow() - timedelta(days=4))
    dismiss(offer)
    db.session.commit()
    collected_order(place.leader, place.station, place.resident, title="二")
    assert offer_for(place.resident) is None
    assert [o.dismissed_at is not None for o in offers_of(place.resident)] == [True]


def test_an_open_offer_keeps_showing_then_lapses_after_14_days_and_still_counts(place):
    base = utcnow() - timedelta(days=40)
    collected_order(place.leader, place.station, place.resident, at=base - timedelta(hours=1), title="一")
    offer = offer_for(place.resident, now=base)
    db.session.commit()
    assert offer_for(place.resident, now=base + timedelta(days=13)).id == offer.id
    assert offer_for(place.resident, now=base + timedelta(days=14, minutes=1)) is None  # lapsed
    collected_order(place.leader, place.station, place.resident, at=base + timedelta(days=30), title="二")
    assert offer_for(place.resident, now=base + timedelta(days=30, hours=1)) is None  # still counts
    assert len(offers_of(place.resident)) == 1


@pytest.mark.parametrize("roles", [Role.KIOSK, Role.RESIDENT | Role.KIOSK])
def test_never_offered_to_a_kiosk(place, roles):
    collected_order(place.leader, place.station, place.resident)
    attended_event(place.admin, place.resident)
    place.resident.roles = roles
    db.session.commit()
    assert offer_for(place.resident) is None
    assert offer_for(place.kiosk) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NpsOffer)) == 0


def test_not_offered_to_another_communitys_member_nor_to_a_non_resident(place, make):
    collected_order(place.leader, place.station, place.resident)
    # the same person in another community: nothing happened there
    elsewhere = make.member(place.other, place.resident.user)
    assert offer_for(elsewhere) is None
    assert offer_for(place.outsider) is None
    assert offer_for(None) is None  # a platform admin without a membership
    place.resident.roles = Role.ADMIN  # staff without a resident membership
    db.session.commit()
    assert offer_for(place.resident) is None
    assert offers_of(place.resident) == []


def test_one_offer_per_person_across_their_communities(place, make):
    collected_order(place.leader, place.station, place.resident, title="一")
    elsewhere = make.member(place.other, place.resident.user)
    collected_order(place.other_leader, place.other_point, elsewhere, title="二")
    first = offer_for(place.resident)
    db.session.commit()
    assert first.community_id == place.community.id
    assert offer_for(elsewhere) is None
    assert offer_for(place.resident).id == first.id
