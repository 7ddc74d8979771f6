"""The NPS card's two actions: answer it, or close it. With htmx the card is swapped for a
thank-you (or for nothing); without JavaScript the form posts and goes back to its page."""

import sqlalchemy as sa
from flask import abort, session
from flask_login import current_user

from portal.community.access import current_membership, people_required
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.i18n import safe_next
from portal.surveys import bp
from portal.surveys.forms import DismissForm, SurveyForm
from portal.surveys.models import MAX_COMMENT, NpsOffer
from portal.surveys.sections import THANKS
from portal.surveys.services import Closed, answer, check_open, dismiss


def _my_offer(offer_id: int) -> NpsOffer:
    """My own offer in my current community; anyone else's (or none) is a 404."""
    me = current_membership()
    offer = db.session.scalar(
        sa.select(NpsOffer).where(
            NpsOffer.id == offer_id,
            NpsOffer.user_id == current_user.id,
            NpsOffer.community_id == me.community_id,
        )
    )
    if offer is None:
        abort(404)
    return offer


def _card(offer: NpsOffer, form=None, status: int = 200, error=None):
    return render(
        "surveys/card.html",
        "survey_card",
        status=status,
        offer=offer,
        form=form or SurveyForm(formdata=None),
        dismiss_form=DismissForm(formdata=None),
        closed=error,
        max_comment=MAX_COMMENT,
    )


def _closed(offer: NpsOffer, form, error: Closed):
    """Answered, dismissed or lapsed already: say so (409), change nothing."""
    return _card(offer, form, 409, error.message)


def _refused(offer: NpsOffer, form):
    def answer_with(error):
        if isinstance(error, Closed):
            return _closed(offer, form, error)
        return _card(offer, form, 422)

    return answer_with


@bp.post("/surveys/<int:offer_id>/answer")
@people_required
def answer_post(offer_id: int):
    """Answer my survey card: 0–10 and an optional comment."""
    offer = _my_offer(offer_id)
    form = SurveyForm()
    try:
        check_open(offer)
    except Closed as error:
        return _closed(offer, form, error)
    commit_or_422(lambda: answer(offer, form.score.data, form.comment.data), _refused(offer, form), form)
    if not wants_fragment():
        session[THANKS] = offer.id  # the page gone back to shows the thank-you once
        return redirect_to(safe_next(form.next.data))
    return _card(offer)


@bp.post("/surveys/<int:offer_id>/dismiss")
@people_required
def dismiss_post(offer_id: int):
    """Close my survey card without answering; it shows no more."""
    offer = _my_offer(offer_id)
    form = DismissForm()
    try:
        check_open(offer)
    except Closed as error:
        return _closed(offer, SurveyForm(formdata=None), error)
    commit_or_422(lambda: dismiss(offer), _refused(offer, SurveyForm(formdata=None)), form)
    if not wants_fragment():
        return redirect_to(safe_next(form.next.data))
    return ""
