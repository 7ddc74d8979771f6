"""The NPS card as a section of the community home (core/sections.py page "home.community") and
of my collected order's page ("groupbuy.order").

A section is view code: when the service makes a new offer here, this GET commits it — the
offer's time is when the card was first shown, which the 90 days and the 14-day lapse count from.
"""

from flask import request, session
from flask_login import current_user

from portal.community.access import current_membership
from portal.core.db import WRITING, db
from portal.core.sections import register_section
from portal.groupbuy.models import OrderStatus
from portal.surveys.forms import DismissForm, SurveyForm
from portal.surveys.models import MAX_COMMENT, NpsOffer
from portal.surveys.services import offer_for

THANKS = "nps_thanks"  # the offer answered without JavaScript, thanked once on the next page


def _context(membership) -> dict | None:
    thanked = session.pop(THANKS, None)
    if thanked is not None:
        offer = db.session.get(NpsOffer, thanked)
        if offer is not None and offer.user_id == current_user.id and offer.answered_at is not None:
            return {"offer": offer, "closed": None}
    offer = offer_for(membership)
    if offer is None:
        return None
    if db.session.info.get(WRITING):
        db.session.commit()  # offer_for began a write transaction: it made the offer
    return {
        "offer": offer,
        "closed": None,
        "form": SurveyForm(formdata=None, next=request.full_path.rstrip("?")),
        "dismiss_form": DismissForm(formdata=None, next=request.full_path.rstrip("?")),
        "max_comment": MAX_COMMENT,
    }


def home_card(membership=None, **_extra) -> dict | None:
    """The community home: my open survey card, when I have one."""
    return _context(membership if membership is not None else current_membership())


def order_card(order, **_extra) -> dict | None:
    """My collected order: the survey card, when one is due or open."""
    if order.user_id != current_user.id or order.status != OrderStatus.COLLECTED:
        return None
    return _context(current_membership())


def register() -> None:
    register_section("home.community", "surveys/_section.html", home_card, order=10)
    register_section("groupbuy.order", "surveys/_section.html", order_card, order=80)
