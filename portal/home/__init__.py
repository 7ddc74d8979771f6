"""The front page: a welcome for visitors, the community home for residents."""

from flask import Blueprint, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.community.access import current_membership
from portal.core.htmx import render
from portal.core.nav import register_tab
from portal.core.sections import sections

bp = Blueprint("home", __name__)

register_tab("home.index", _l("Home"), "🏠", order=0, visible=lambda m: True)


@bp.get("/")
def index():
    """Visitors see what Linli is; members see their community's home."""
    if not current_user.is_authenticated:
        return render("home/welcome.html")
    membership = current_membership()
    if membership is None:
        return redirect(url_for("community.mine"))
    return render(
        "home/community.html",
        community=membership.community,
        sections=sections("home.community", membership=membership),
    )
