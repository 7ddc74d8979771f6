"""Sharing a buy: its link (on the buy's page) and a poster image to forward to a chat group."""

import logging

from flask import current_app, make_response, request, url_for
from flask_babel import gettext as _

from portal.community.access import community_required, current_membership, get_in_community
from portal.core import localtime
from portal.core.db import utcnow
from portal.core.errors import error_response
from portal.groupbuy import bp, yuan
from portal.groupbuy.models import BuyStatus, GroupBuy
from portal.groupbuy.poster import NoPosterFont, PosterText, draw_poster, font_from_config

log = logging.getLogger(__name__)

POSTER_MAX_AGE = 300  # s: a browser asking again within this shows its copy; then the ETag


def share_link(buy: GroupBuy) -> str:
    """The buy's address to forward (its QR code on the poster)."""
    return url_for("groupbuy.detail", buy_id=buy.id, _external=True)


def poster_text(buy: GroupBuy, community_name: str) -> PosterText:
    when = localtime.moment(buy.deadline)
    if buy.status == BuyStatus.OPEN and buy.deadline > utcnow():
        deadline = _("Order by %(when)s", when=when)
    else:
        deadline = _("Deadline was %(when)s", when=when)
    reference = buy.reference_price_cents
    return PosterText(
        community=community_name,
        kicker=_("Neighbourhood group buy"),
        title=buy.title,
        price=yuan(buy.unit_price_cents),
        unit=f"/{buy.unit}",
        reference=yuan(reference) if reference and reference > buy.unit_price_cents else "",
        deadline=deadline,
        pickup=_(
            "Pickup from %(when)s · %(points)s",
            when=localtime.moment(buy.pickup_from),
            points=" / ".join(point.name for point in buy.pickup_points),
        ),
        scan=_("Scan to join the buy"),
        link=share_link(buy),
    )


@bp.get("/groupbuy/<int:buy_id>/poster.png")
@community_required
def poster(buy_id: int):
    """The buy's poster (PNG): whoever may see the buy may have it; cached a few minutes, then
    revalidated by its ETag (the same texts draw the same picture)."""
    buy = get_in_community(GroupBuy, buy_id)
    try:
        font = font_from_config(current_app.config)
    except NoPosterFont as error:
        log.error("no font draws Chinese for the buy poster; tried %s (set POSTER_FONT)", error)
        return error_response(
            503,
            _("No poster for now"),
            _(
                "The server has no font for Chinese text, so it cannot draw the poster. "
                "Share the link instead."
            ),
        )
    text = poster_text(buy, current_membership().community.name)
    etag = text.fingerprint(font)
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(draw_poster(text, font))
        response.headers["Content-Type"] = "image/png"
        response.headers["Content-Disposition"] = f'inline; filename="groupbuy-{buy.id}.png"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"private, max-age={POSTER_MAX_AGE}"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
