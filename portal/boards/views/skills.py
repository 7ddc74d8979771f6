"""技能交换: offers and requests with skill tags, and the exchanges that answer them."""

from flask import abort, request, url_for
from flask_login import current_user

from portal.boards import bp
from portal.boards.forms import ListingForm, RespondForm
from portal.boards.models import ExchangeState, SkillExchange, SkillListing
from portal.boards.services import skills as boards_skills
from portal.boards.views.common import _context, _people, _tag_arg, _visible_or_404, posting
from portal.community.access import current_membership, get_in_community, people_required
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.paging import page_of, requested_page
from portal.neighbors.tags import parse_tags
from portal.points.services import balance

EXCHANGE_ACTIONS = {
    "agree": boards_skills.agree,
    "decline": boards_skills.decline,
    "confirm": boards_skills.confirm,
    "cancel": boards_skills.cancel_exchange,
}


def _skills_page(block="listings", status=200, **over):
    me = current_membership()
    tag, kind = _tag_arg(), request.args.get("kind", "")
    found = page_of(boards_skills.listings_query(me, kind, tag), requested_page())
    context = _context(
        listings=found.items,
        more=found.more,
        page=found.number,
        tag=tag,
        kind=kind,
        people=_people(found.items),
        form=ListingForm(formdata=None),
    )
    context.update(over)
    return render("boards/skills.html", block, status=status, **context)


@bp.get("/boards/skills")
@people_required
def skills():
    """技能交换: offers and requests with skill tags; filter by tag or kind."""
    return _skills_page()


@bp.post("/boards/skills")
@people_required
@posting
def skill_create():
    """Offer a skill or ask for one."""
    me = current_membership()
    form = ListingForm()

    def save():
        tags = parse_tags(form.tags.data, limit=5, field="tags")
        return boards_skills.create_listing(
            me, form.kind.data, form.title.data, form.body.data or "", tags, form.points.data
        )

    listing = commit_or_422(save, lambda _error: _skills_page("listing_form", 422, form=form), form)
    if not wants_fragment():
        return redirect_to(url_for("boards.skill", listing_id=listing.id))
    return _skills_page(
        "listing_form", form=ListingForm(formdata=None), created=listing, people=_people([listing])
    )


def _skill_page(listing: SkillListing, status=200, form=None, problem=None):
    me = current_membership()
    exchanges = boards_skills.exchanges_of_listing(listing, me)
    user_ids = [listing.author_id] + [e.responder_id for e in exchanges]
    return render(
        "boards/skill.html",
        "skill",
        status=status,
        **_context(
            listing=listing,
            exchanges=exchanges,
            people=_people([], *user_ids),
            form=form or RespondForm(formdata=None),
            problem=problem,
            ExchangeState=ExchangeState,
            no_response=boards_skills.why_not_respond(me, listing),
            balance=balance(me.user_id, me.community_id),
        ),
    )


@bp.get("/boards/skills/<int:listing_id>")
@people_required
def skill(listing_id: int):
    """A listing with its exchanges: respond, agree, confirm."""
    return _skill_page(_visible_or_404(get_in_community(SkillListing, listing_id)))


@bp.post("/boards/skills/<int:listing_id>/respond")
@people_required
@posting
def skill_respond(listing_id: int):
    """Respond to an offer or a request."""
    listing = _visible_or_404(get_in_community(SkillListing, listing_id))
    form = RespondForm()
    commit_or_422(
        lambda: boards_skills.respond(current_membership(), listing, form.message.data),
        lambda _error: _skill_page(listing, 422, form),
        form,
    )
    return _skill_page(listing)


@bp.post("/boards/skills/<int:listing_id>/<any(close, reopen):action>")
@people_required
def skill_close(listing_id: int, action: str):
    """The author closes (or reopens) a listing."""
    listing = _visible_or_404(get_in_community(SkillListing, listing_id))
    if listing.author_id != current_user.id:
        abort(403)
    boards_skills.close_listing(current_membership(), listing, is_open=action == "reopen")
    db.session.commit()
    return _skill_page(listing)


@bp.post("/boards/exchanges/<int:exchange_id>/<any(agree, decline, confirm, cancel):action>")
@people_required
def exchange_action(exchange_id: int, action: str):
    """Agree to / decline a response, confirm it happened, or call it off."""
    me = current_membership()
    exchange = get_in_community(SkillExchange, exchange_id)
    if me.user_id not in (exchange.helper_id, exchange.requester_id):
        abort(404)
    listing = exchange.listing
    commit_or_422(
        lambda: EXCHANGE_ACTIONS[action](me, exchange),
        lambda error: _skill_page(listing, 422, problem=error.message),
    )
    return _skill_page(listing)
