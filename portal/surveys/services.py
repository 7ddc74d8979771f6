"""When the NPS card is offered, and storing its answer.

The rules (issue #17):
- a resident of the community (an active membership holding the resident role; never a kiosk
  screen) is offered the survey after an order they collected (核销 or at a locker: the order's
  `collected_at`) or an event they attended (checked in: the signup's `checked_in_at`) within
  the last OFFER_WINDOW_DAYS;
- at most once in SURVEY_INTERVAL_DAYS per person: once an offer exists, no other is made for
  that long, whatever became of it (answered, dismissed or ignored);
- an open offer keeps showing until answered or dismissed, or until it is OFFER_WINDOW_DAYS old:
  then it lapses (and still counts for the interval).

Services flush, never commit. The offer is created by the page that shows it (a GET): the check
runs read-only, and only when an offer is due does it start a write transaction, lock the
person's row and check again, so two pages opened at once make one offer.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.community.models import Membership, Role
from portal.core.db import begin_write, db, utcnow
from portal.core.errors import DomainError
from portal.events.models import Signup
from portal.groupbuy.models import Order, OrderStatus
from portal.surveys.models import MAX_COMMENT, NpsOffer

SURVEY_INTERVAL_DAYS = 90
OFFER_WINDOW_DAYS = 14  # how recent the pickup or event must be, and how long an offer shows


class Closed(DomainError):
    """The offer was answered, dismissed or has lapsed: nothing changes (409)."""


def interval_days() -> int:
    """How many days pass between two offers to one person (SURVEY_INTERVAL_DAYS)."""
    return int(current_app.config.get("SURVEY_INTERVAL_DAYS", SURVEY_INTERVAL_DAYS))


def may_be_surveyed(membership: Membership | None) -> bool:
    """An active resident of the community who is a person (not a kiosk screen)."""
    return (
        membership is not None
        and membership.is_active
        and membership.has(Role.RESIDENT)
        and not membership.has(Role.KIOSK)
        and not membership.user.is_device
    )


def _latest_offer(user_id: int) -> NpsOffer | None:
    """The person's newest offer, in any community: the only one that may still be open, since
    two offers are SURVEY_INTERVAL_DAYS apart and an offer lapses long before."""
    return db.session.scalar(
        sa.select(NpsOffer).where(NpsOffer.user_id == user_id).order_by(NpsOffer.offered_at.desc()).limit(1)
    )


def _is_open(offer: NpsOffer, now: datetime) -> bool:
    return offer.is_open and offer.offered_at > now - timedelta(days=OFFER_WINDOW_DAYS)


def _offered_recently(offer: NpsOffer | None, now: datetime) -> bool:
    return offer is not None and offer.offered_at > now - timedelta(days=interval_days())


def latest_trigger(membership: Membership, now: datetime | None = None) -> tuple[str, int] | None:
    """("order", order id) or ("event", event id): the newest pickup or attendance of the member
    in this community within OFFER_WINDOW_DAYS, or None (one query)."""
    now = now or utcnow()
    since = now - timedelta(days=OFFER_WINDOW_DAYS)
    orders = sa.select(
        sa.literal("order").label("kind"), Order.id.label("object_id"), Order.collected_at.label("at")
    ).where(
        Order.user_id == membership.user_id,
        Order.community_id == membership.community_id,
        Order.status == OrderStatus.COLLECTED,
        Order.collected_at > since,
        Order.collected_at <= now,
    )
    events = sa.select(
        sa.literal("event").label("kind"),
        Signup.event_id.label("object_id"),
        Signup.checked_in_at.label("at"),
    ).where(
        Signup.user_id == membership.user_id,
        Signup.community_id == membership.community_id,
        Signup.checked_in_at > since,
        Signup.checked_in_at <= now,
    )
    both = sa.union_all(orders, events).subquery()
    row = db.session.execute(
        sa.select(both.c.kind, both.c.object_id).order_by(both.c.at.desc(), both.c.kind.desc()).limit(1)
    ).first()
    return (row.kind, row.object_id) if row else None


def offer_for(membership: Membership | None, now: datetime | None = None) -> NpsOffer | None:
    """The offer to show this member now: the open one, or a new one when one is due; else None.

    Always the same two queries (the person's newest offer, their newest pickup or attendance),
    whatever the answer, so the pages showing the card run a fixed number of statements."""
    if not may_be_surveyed(membership):
        return None
    now = now or utcnow()
    latest = _latest_offer(membership.user_id)
    trigger = latest_trigger(membership, now)
    if latest is not None and _is_open(latest, now):
        return latest if latest.community_id == membership.community_id else None
    if _offered_recently(latest, now) or trigger is None:
        return None
    user_id, community_id = membership.user_id, membership.community_id
    begin_write()
    db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    if _offered_recently(_latest_offer(user_id), now):
        return None  # another page made it meanwhile
    offer = NpsOffer(
        community_id=community_id, user_id=user_id, trigger=trigger[0], trigger_id=trigger[1], offered_at=now
    )
    db.session.add(offer)
    db.session.flush()
    return offer


def parse_score(value) -> int:
    """0–10 from what was posted; anything else is refused beside the field."""
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        score = -1
    if not 0 <= score <= 10:
        raise DomainError(_l("Choose a number from 0 to 10."), "score")
    return score


def parse_comment(value) -> str | None:
    comment = (value or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_COMMENT), "comment")
    return comment or None


def check_open(offer: NpsOffer, now: datetime | None = None) -> None:
    """Raise Closed when the offer was answered, dismissed or has lapsed."""
    now = now or utcnow()
    if offer.answered_at is not None:
        raise Closed(_l("You answered this survey already. Thank you!"))
    if offer.dismissed_at is not None or offer.offered_at <= now - timedelta(days=OFFER_WINDOW_DAYS):
        raise Closed(_l("This survey is closed."))


def _close(offer: NpsOffer, now: datetime, **values) -> None:
    """Set `values` on the offer if it is still open, exactly once (conditional UPDATE)."""
    result = db.session.execute(
        sa.update(NpsOffer)
        .where(NpsOffer.id == offer.id, NpsOffer.answered_at.is_(None), NpsOffer.dismissed_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(offer)
    if result.rowcount != 1:
        check_open(offer, now)
        raise Closed(_l("This survey is closed."))


def answer(offer: NpsOffer, score, comment=None, now: datetime | None = None) -> NpsOffer:
    """Store the member's 0–10 and optional comment on their open offer."""
    now = now or utcnow()
    check_open(offer, now)
    score = parse_score(score)
    comment = parse_comment(comment)
    _close(offer, now, score=score, comment=comment, answered_at=now)
    return offer


def dismiss(offer: NpsOffer, now: datetime | None = None) -> NpsOffer:
    """The member closed the card without answering: it shows no more."""
    now = now or utcnow()
    check_open(offer, now)
    _close(offer, now, dismissed_at=now)
    return offer
