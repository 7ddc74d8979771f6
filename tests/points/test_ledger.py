"""The ledger: rows and balances agree, nothing goes below zero, once means once."""

import pytest

from portal.core.db import db
from portal.core.errors import DomainError
from portal.points import services as points
from portal.points.models import PointsEntry


@pytest.fixture
def two(make, in_request):
    community = make.community()
    a = make.member(community)
    b = make.member(community)
    return community, a.user_id, b.user_id


def test_award_spend_and_balance(two):
    community, a, _b = two
    points.award(a, community.id, 30, "admin_grant")
    points.spend(a, community.id, 12, "redeem", ("redemption", 1))
    db.session.commit()
    assert points.balance(a, community.id) == 18
    assert points.ledger_sum(a, community.id) == 18
    assert points.mismatched_balances() == []


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(two):
    community, a, _b = two
    points.award(a, community.id, 10, "admin_grant")
    db.session.commit()
    with pytest.raises(DomainError):
        points.spend(a, community.id, 11, "redeem")
    db.session.rollback()
    assert points.balance(a, community.id) == 10
    assert db.session.query(PointsEntry).count() == 1


def test_transfer_moves_points_between_people(two):
    community, a, b = two
    points.award(a, community.id, 20, "admin_grant")
    points.transfer(a, b, community.id, 15, "gift_sent", received_reason="gift_received")
    db.session.commit()
    assert (points.balance(a, community.id), points.balance(b, community.id)) == (5, 15)
    with pytest.raises(DomainError):
        points.transfer(a, b, community.id, 6, "gift_sent")
    db.session.rollback()
    assert (points.balance(a, community.id), points.balance(b, community.id)) == (5, 15)
    assert points.mismatched_balances() == []


def test_once_key_awards_once(two):
    community, a, _b = two
    assert points.award(a, community.id, 5, "invite", ("membership", 9), once_key="invite:9")
    assert points.award(a, community.id, 5, "invite", ("membership", 9), once_key="invite:9") is None
    db.session.commit()
    assert points.balance(a, community.id) == 5


def test_refund_never_exceeds_what_was_spent(two):
    community, a, _b = two
    points.award(a, community.id, 10, "admin_grant")
    points.spend(a, community.id, 4, "event_cost", ("event_signup", 3))
    points.refund(a, community.id, 4, "event_refund", ("event_signup", 3))
    db.session.commit()
    with pytest.raises(DomainError):
        points.refund(a, community.id, 1, "event_refund", ("event_signup", 3))
    db.session.rollback()
    assert points.balance(a, community.id) == 10


def test_amounts_must_be_positive(two):
    community, a, _b = two
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError):
            points.award(a, community.id, bad, "admin_grant")
