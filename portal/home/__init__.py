"""The front page: a welcome for visitors, the community home for residents.

The community home is the community's front page: the cards that higher domains register for
the page "home.community" (core/sections.py) — what needs me now first, then what is happening —
and below them the launcher tiles, so that every place stays one tap away. A card with a name
refetches itself from `home.card` after the pushes it lists (`live`), with the usual checks;
the page watches its community's room (live.py) for what is new in the community.
A kiosk screen is no resident: it keeps its tiles (the pickup board) and gets no cards.
"""

from flask import Blueprint, abort, make_response, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.community.access import current_membership, is_person
from portal.core.htmx import render, wants_fragment
from portal.core.nav import register_tab
from portal.core.sections import named_section, placed_sections, render_section
from portal.home import live  # noqa: F401  (the community room and its pushes)

bp = Blueprint("home", __name__)

PAGE = "home.community"

register_tab("home.index", _l("Home"), "🏠", order=0, visible=lambda m: True)


@bp.get("/")
def index():
    """Visitors see what Linli is; members see their community's home."""
    if not current_user.is_authenticated:
        return render("home/welcome.html")
    membership = current_membership()
    if membership is None:
        return redirect(url_for("community.mine"))
    # the hero's building and unit first: loaded now, not by chance in a card's batch
    building, unit = membership.building, membership.unit
    cards = placed_sections(PAGE, membership=membership) if is_person(membership) else []
    return render(
        "home/community.html", community=membership.community, building=building, unit=unit, cards=cards
    )


@bp.get("/home/cards/<name>")
@login_required
def card(name: str):
    """One card of the community home, as it is now (what a push asks the page to refetch)."""
    membership = current_membership()
    section = named_section(PAGE, name)
    if membership is None or section is None or not is_person(membership):
        abort(404)
    if not wants_fragment():
        return redirect(url_for("home.index"))  # the card's place is the home page
    response = make_response(render_section(section, membership=membership))
    response.headers["Cache-Control"] = "no-store"
    return response
