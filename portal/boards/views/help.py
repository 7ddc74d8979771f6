"""互助日: needs by day, offers to help, accepting one and confirming the help happened."""

from datetime import date

from flask import abort, request, url_for

from portal.boards import bp
from portal.boards.forms import NeedForm, OfferForm
from portal.boards.models import HelpNeed, HelpOffer, NeedState
from portal.boards.services import help as boards_help
from portal.boards.views.common import _context, _people, _tag_arg, _visible_or_404, posting
from portal.community.access import current_membership, get_in_community, people_required
from portal.core import localtime
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.paging import page_of, requested_page
from portal.moderation.models import ContentStatus
from portal.neighbors.tags import parse_tags
from portal.points.services import balance


def _day_arg() -> date | None:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None


def _help_page(block="needs", status=200, **over):
    me = current_membership()
    tag, day = _tag_arg(), _day_arg()
    state = request.args.get("state", "open")
    if state not in ("open", "mine", "completed"):
        state = "open"
    found = page_of(boards_help.needs_query(me, tag, state, day), requested_page())
    form = NeedForm(formdata=None, needed_on=day or localtime.today())
    context = _context(
        needs=found.items,
        more=found.more,
        page=found.number,
        tag=tag,
        day=day,
        state=state,
        form=form,
        people=_people(found.items),
        balance=balance(me.user_id, me.community_id),
    )
    context.update(over)
    return render("boards/help.html", block, status=status, **context)


@bp.get("/boards/help")
@people_required
def help_needs():
    """互助日: needs by day; offer help; filter by tag, day, or my own."""
    return _help_page()


@bp.post("/boards/help")
@people_required
@posting
def need_create():
    """Post a need: what, when, where, optional points bounty."""
    me = current_membership()
    form = NeedForm()
    form.author = me

    def save():
        tags = parse_tags(form.tags.data, limit=5, field="tags")
        return boards_help.create_need(
            me,
            form.what.data,
            form.details.data or "",
            form.needed_on.data,
            form.time_note.data or "",
            form.place.data or "",
            form.bounty.data,
            tags,
        )

    need = commit_or_422(save, lambda _error: _help_page("need_form", 422, form=form), form)
    if not wants_fragment():
        return redirect_to(url_for("boards.need", need_id=need.id))
    return _help_page(
        "need_form",
        form=NeedForm(formdata=None, needed_on=localtime.today()),
        created=need,
        people=_people([need]),
        balance=balance(me.user_id, me.community_id),
    )


def _need_page(need: HelpNeed, status=200, form=None, problem=None):
    me = current_membership()
    offers = (
        need.offers if need.author_id == me.user_id else [o for o in need.offers if o.helper_id == me.user_id]
    )
    helper_ids = [o.helper_id for o in offers] + ([need.helper_id] if need.helper_id else [])
    mine = boards_help.my_offer(need, me.user_id)
    return render(
        "boards/need.html",
        "need",
        status=status,
        **_context(
            need=need,
            offers=offers,
            offer_count=len([o for o in need.offers if o.state == "offered"]),
            people=_people([need], *helper_ids),
            form=form or OfferForm(formdata=None),
            problem=problem,
            mine=mine,
            NeedState=NeedState,
            can_offer=need.state == NeedState.OPEN
            and need.status == ContentStatus.VISIBLE
            and need.author_id != me.user_id
            and (mine is None or mine.state == "withdrawn"),
        ),
    )


@bp.get("/boards/help/<int:need_id>")
@people_required
def need(need_id: int):
    """A help need: offers (the asker sees them all), accept one, confirm completion."""
    return _need_page(_visible_or_404(get_in_community(HelpNeed, need_id)))


@bp.post("/boards/help/<int:need_id>/offer")
@people_required
@posting
def need_offer(need_id: int):
    """Offer to help."""
    need = _visible_or_404(get_in_community(HelpNeed, need_id))
    form = OfferForm()
    commit_or_422(
        lambda: boards_help.offer_help(current_membership(), need, form.message.data or ""),
        lambda _error: _need_page(need, 422, form),
        form,
    )
    return _need_page(need)


@bp.post("/boards/help/offers/<int:offer_id>/<any(accept, withdraw):action>")
@people_required
def offer_action(offer_id: int, action: str):
    """The asker accepts an offer; the helper may withdraw theirs."""
    me = current_membership()
    offer = get_in_community(HelpOffer, offer_id)
    need = offer.need
    if me.user_id not in (need.author_id, offer.helper_id):
        abort(404)
    act = boards_help.accept_offer if action == "accept" else boards_help.withdraw_offer
    commit_or_422(lambda: act(me, offer), lambda error: _need_page(need, 422, problem=error.message))
    return _need_page(need)


@bp.post("/boards/help/<int:need_id>/<any(complete, cancel):action>")
@people_required
def need_action(need_id: int, action: str):
    """The asker confirms the help happened (points go to the helper) or calls the need off."""
    me = current_membership()
    need = _visible_or_404(get_in_community(HelpNeed, need_id))
    if need.author_id != me.user_id:
        abort(403)
    act = boards_help.complete_need if action == "complete" else boards_help.cancel_need
    commit_or_422(lambda: act(me, need), lambda error: _need_page(need, 422, problem=error.message))
    return _need_page(need)
