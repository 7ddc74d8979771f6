"""Event services: capacity, the waitlist and its promotion, audience, check-in, reminders."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import event_attended
from portal.events.models import Audience, Event, Signup, SignupStatus
from portal.events.services import audience, feeds, organising, reading, reminders, tickets
from portal.events.services import signups as signing
from portal.notifications.models import Notification
from tests.events.helpers import event_data, make_event


@pytest.fixture(autouse=True)
def request_context(app):
    """Services raise DomainErrors whose texts are translated for the request's language."""
    with app.test_request_context():
        yield


@pytest.fixture
def town(make):
    community = make.community("幸福里")
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    return community, admin


def residents(make, community, n, building_index=0):
    return [make.member(community, building_index=building_index) for _ in range(n)]


def sign(event, membership, companions=0, now=None):
    signup = signing.sign_up(event, membership, companions, now or utcnow())
    db.session.commit()
    return signup


def kinds(user_id):
    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user_id)))


def test_capacity_then_waitlist_then_promotion_in_order(make, town):
    community, admin = town
    event = make_event(admin, capacity=3)
    people = residents(make, community, 6)
    signups = [sign(event, m) for m in people]
    assert [s.status for s in signups] == ["confirmed"] * 3 + ["waitlisted"] * 3
    assert reading.waitlist_position(signups[4]) == 2

    promoted = signing.cancel_signup(signups[1], utcnow())
    db.session.commit()
    assert [s.id for s in promoted] == [signups[3].id]
    db.session.refresh(event)
    assert event.places_taken == 3
    assert "event_promoted" in kinds(people[3].user_id)
    assert "event_promoted" not in kinds(people[4].user_id)
    assert reading.waitlist_position(signups[4]) == 1

    # a waitlisted person leaving frees nothing and promotes nobody
    assert signing.cancel_signup(signups[4], utcnow()) == []
    db.session.commit()
    db.session.refresh(event)
    assert event.places_taken == 3


def test_a_party_too_big_is_passed_over_not_dropped(make, town):
    community, admin = town
    event = make_event(admin, capacity=3, max_companions=3)
    a, b, family, single = residents(make, community, 4)
    first = sign(event, a, companions=1)  # 2 places
    second = sign(event, b)  # 1 place: full
    big = sign(event, family, companions=2)  # 3 places: waits
    small = sign(event, single)  # waits behind
    assert (big.status, small.status) == ("waitlisted", "waitlisted")
    promoted = signing.cancel_signup(second, utcnow())  # 1 place frees
    db.session.commit()
    assert [s.id for s in promoted] == [small.id]
    assert db.session.get(Signup, big.id).status == "waitlisted"
    promoted = signing.cancel_signup(first, utcnow())  # 2 more free: 2 of 3, the family still waits
    db.session.commit()
    assert promoted == []
    event = db.session.get(Event, event.id)
    assert event.places_taken == 1


def test_bigger_capacity_promotes_and_smaller_cannot_drop_people(make, town):
    community, admin = town
    event = make_event(admin, capacity=2)
    signups = [sign(event, m) for m in residents(make, community, 4)]
    with pytest.raises(DomainError) as error:
        organising.update_event(event, event_data(capacity=1, starts_at=event.starts_at), utcnow())
    assert error.value.field == "capacity"
    db.session.rollback()
    data = event_data(capacity=3, starts_at=event.starts_at, title=event.title)
    promoted = organising.update_event(event, data, utcnow())
    db.session.commit()
    assert [s.id for s in promoted] == [signups[2].id]
    assert db.session.get(Event, event.id).places_taken == 3


def test_one_live_signup_per_person_and_companion_limit(make, town):
    community, admin = town
    event = make_event(admin, max_companions=1)
    resident = make.member(community)
    with pytest.raises(DomainError) as error:
        signing.sign_up(event, resident, 2, utcnow())
    assert error.value.field == "companions"
    db.session.rollback()
    sign(event, resident, companions=1)
    with pytest.raises(DomainError):
        signing.sign_up(event, resident, 0, utcnow())
    db.session.rollback()
    assert db.session.get(Event, event.id).places_taken == 2


def test_cancelled_then_signed_up_again(make, town):
    community, admin = town
    event = make_event(admin)
    resident = make.member(community)
    first = sign(event, resident)
    signing.cancel_signup(first, utcnow())
    db.session.commit()
    again = sign(event, resident)
    assert again.id != first.id and again.status == "confirmed"
    assert db.session.get(Event, event.id).places_taken == 1


def test_deadline_and_start_close_signups(make, town):
    community, admin = town
    start = utcnow() + timedelta(days=2)
    event = make_event(admin, starts_at=start, signup_deadline=start - timedelta(days=1))
    resident = make.member(community)
    with pytest.raises(DomainError):
        signing.sign_up(event, resident, 0, start - timedelta(hours=23))
    db.session.rollback()
    signup = sign(event, resident, now=start - timedelta(days=1, hours=1))
    with pytest.raises(DomainError):
        signing.cancel_signup(signup, start + timedelta(minutes=1))


def test_signing_up_cannot_be_set_to_close_in_the_past(make, town):
    community, admin = town
    now = utcnow()
    with pytest.raises(DomainError) as refused:
        organising.create_event(admin, event_data(signup_deadline=now - timedelta(hours=1)), now)
    assert refused.value.field == "signup_deadline"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
    start = now + timedelta(days=3)
    event = make_event(admin, starts_at=start, signup_deadline=now + timedelta(hours=1))
    later = now + timedelta(hours=2)  # the deadline passed; the event can still be edited
    unchanged = event_data(starts_at=start, signup_deadline=event.signup_deadline, place="活动室")
    organising.update_event(event, unchanged, later)
    with pytest.raises(DomainError):
        moved = event_data(starts_at=start, signup_deadline=later - timedelta(minutes=5))
        organising.update_event(event, moved, later)


def test_building_audience(make, town):
    community, admin = town
    event = make_event(admin, audience=Audience.BUILDING, building_id=community.buildings[1].id)
    inside = make.member(community, building_index=1)
    outside = make.member(community, building_index=0)
    assert audience.in_audience(event, inside) and not audience.in_audience(event, outside)
    assert [e.id for e in reading.upcoming_for(inside, utcnow())] == [event.id]
    assert reading.upcoming_for(outside, utcnow()).items == []
    with pytest.raises(DomainError):
        signing.sign_up(event, outside, 0, utcnow())
    db.session.rollback()
    assert sign(event, inside).status == "confirmed"
    assert reading.can_see(event, admin) and not reading.can_see(event, outside)


def test_building_must_belong_to_the_community(make, town):
    _community, admin = town
    other = make.community("梧桐花园")
    with pytest.raises(DomainError) as error:
        organising.create_event(
            admin, event_data(audience=Audience.BUILDING, building_id=other.buildings[0].id), utcnow()
        )
    assert error.value.field == "building_id"


def test_cancel_event_tells_everyone(make, town):
    community, admin = town
    event = make_event(admin, capacity=1)
    a, b = residents(make, community, 2)
    sign(event, a)
    sign(event, b)
    assert organising.cancel_event(event, utcnow()) == 2
    db.session.commit()
    assert db.session.get(Event, event.id).status == "cancelled"
    statuses = db.session.scalars(sa.select(Signup.status).where(Signup.event_id == event.id)).all()
    assert statuses == ["cancelled", "cancelled"]
    assert "event_cancelled" in kinds(a.user_id) and "event_cancelled" in kinds(b.user_id)
    with pytest.raises(DomainError):
        organising.cancel_event(event, utcnow())


def test_check_in_once_announces_attendance(make, town):
    community, admin = town
    start = utcnow() + timedelta(hours=1)
    event = make_event(admin, starts_at=start, capacity=1)
    first, second = residents(make, community, 2)
    confirmed = sign(event, first, now=start - timedelta(hours=2))
    waiting = sign(event, second, now=start - timedelta(hours=2))
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender.id, kwargs))

    event_attended.connect(listener)
    try:
        assert tickets.check_in(confirmed, admin.user_id, utcnow()) is True
        assert tickets.check_in(confirmed, admin.user_id, utcnow()) is False
    finally:
        event_attended.disconnect(listener)
    assert heard == [(confirmed.id, {"user_id": first.user_id, "community_id": community.id})]
    with pytest.raises(DomainError):
        tickets.check_in(waiting, admin.user_id, utcnow())
    db.session.commit()
    c = reading.counts(event)
    assert (c.confirmed_people, c.checked_in_people, c.waitlisted_people) == (1, 1, 1)


def test_check_in_only_near_the_event(make, town):
    community, admin = town
    event = make_event(admin, starts_at=utcnow() + timedelta(days=3))
    signup = sign(event, make.member(community))
    with pytest.raises(DomainError):
        tickets.check_in(signup, admin.user_id, utcnow())


def test_ticket_token_round_trip_and_tampering(make, town):
    community, admin = town
    event = make_event(admin)
    signup = sign(event, make.member(community))
    token = tickets.ticket_token(signup)
    assert tickets.signup_for_ticket(token).id == signup.id
    assert tickets.signup_for_ticket(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert tickets.signup_for_ticket("nonsense") is None


def test_reminders_once_for_events_within_a_day(make, town):
    community, admin = town
    soon = make_event(admin, starts_at=utcnow() + timedelta(hours=20))
    later = make_event(admin, starts_at=utcnow() + timedelta(days=3))
    resident = make.member(community)
    sign(soon, resident)
    sign(later, resident)
    assert reminders.send_due_reminders(utcnow()) == 1
    db.session.commit()
    assert reminders.send_due_reminders(utcnow()) == 0
    assert kinds(resident.user_id).count("event_reminder") == 1
    assert reminders.send_due_reminders(utcnow() + timedelta(days=2, hours=1)) == 1


def test_waitlist_expires_when_the_event_begins(make, town):
    community, admin = town
    start = utcnow() + timedelta(hours=1)
    event = make_event(admin, starts_at=start, capacity=1)
    a, b = residents(make, community, 2)
    sign(event, a)
    waiting = sign(event, b)
    assert signing.expire_waitlists(utcnow()) == 0
    assert signing.expire_waitlists(start + timedelta(minutes=1)) == 1
    db.session.commit()
    assert db.session.get(Signup, waiting.id).status == SignupStatus.EXPIRED
    assert "event_waitlist_expired" in kinds(b.user_id)


def test_calendar_feed_token(make, town):
    community, admin = town
    resident = make.member(community)
    feed = feeds.calendar_feed(resident)
    db.session.commit()
    assert feeds.membership_for_feed(feed.token).id == resident.id
    old = feed.token
    feeds.reset_calendar_feed(resident)
    db.session.commit()
    assert feeds.membership_for_feed(old) is None
    assert feeds.membership_for_feed("x" * 43) is None


def test_points_cost_paid_at_signup_refunded_at_cancel(make, town):
    from portal.points.services import award, balance

    community, admin = town
    event = make_event(admin, points_cost=5, capacity=10)
    resident = make.member(community)
    award(resident.user_id, community.id, 12, "admin_grant")
    db.session.commit()
    signup = sign(event, resident, companions=1)  # 2 places × 5
    assert balance(resident.user_id, community.id) == 2
    assert signup.points_paid == 10
    signing.cancel_signup(signup, utcnow())
    db.session.commit()
    assert balance(resident.user_id, community.id) == 12


def test_too_few_points_stores_nothing(make, town):
    from portal.points.services import balance

    community, admin = town
    event = make_event(admin, points_cost=5)
    resident = make.member(community)
    with pytest.raises(DomainError) as error:
        signing.sign_up(event, resident, 0, utcnow())
    assert error.value.field == "companions"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) == 0
    assert db.session.get(Event, event.id).places_taken == 0
    assert balance(resident.user_id, community.id) == 0


def test_event_cancel_and_waitlist_expiry_refund(make, town):
    from portal.points.services import award, balance

    community, admin = town
    start = utcnow() + timedelta(hours=3)
    first = make_event(admin, points_cost=3, capacity=1, starts_at=start)
    second = make_event(admin, points_cost=4, capacity=1, starts_at=start)
    a, b = residents(make, community, 2)
    for m in (a, b):
        award(m.user_id, community.id, 20, "admin_grant")
    db.session.commit()
    sign(first, a)
    sign(second, a)
    sign(second, b)  # waits
    organising.cancel_event(first, utcnow())
    db.session.commit()
    assert balance(a.user_id, community.id) == 16
    assert "event_cancelled_refund" in kinds(a.user_id)
    signing.expire_waitlists(start + timedelta(minutes=1))
    db.session.commit()
    assert balance(b.user_id, community.id) == 20
    assert "event_waitlist_expired_refund" in kinds(b.user_id)


def test_attendance_earns_points_once(make, town):
    from portal.points.services import balance, rule

    community, admin = town
    event = make_event(admin, starts_at=utcnow() + timedelta(hours=1))
    resident = make.member(community)
    signup = sign(event, resident)
    tickets.check_in(signup, admin.user_id, utcnow())
    tickets.check_in(signup, admin.user_id, utcnow())
    db.session.commit()
    assert balance(resident.user_id, community.id) == rule("event_attended") > 0


def test_a_checked_in_signup_cannot_be_cancelled(make, town):
    community, admin = town
    event = make_event(admin, starts_at=utcnow() + timedelta(hours=2))
    signup = sign(event, make.member(community))
    tickets.check_in(signup, admin.user_id, utcnow())
    db.session.commit()
    with pytest.raises(DomainError):
        signing.cancel_signup(signup, utcnow())
    db.session.rollback()
    assert db.session.get(Signup, signup.id).status == "confirmed"
