"""After-sales (售后): problems reported with collected orders, the leader's compensation first
(团长先行赔付), the settlement with the supplier, and the money ledger behind both."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds, is_person
from portal.community.models import Role
from portal.core.nav import register_tile
from portal.core.sections import register_section
from portal.notifications.services import register_messages
from portal.points.services import register_reasons

bp = Blueprint("aftersales", __name__, cli_group="aftersales")

register_messages(
    {
        "aftersales_reported": _l(
            "%(ref)s: a problem was reported with “%(buy)s” (%(quantity)s). Please make an offer."
        ),
        "aftersales_reported_for_you": _l(
            "%(ref)s: your group leader recorded a problem with “%(buy)s” for you."
        ),
        "aftersales_offered": _l("%(ref)s: your group leader made an offer for your problem with “%(buy)s”."),
        "aftersales_accepted": _l("%(ref)s (“%(buy)s”): the resident accepted your offer."),
        "aftersales_rejected": _l("%(ref)s (“%(buy)s”): the resident rejected your offer."),
        "aftersales_escalated": _l("%(ref)s (“%(buy)s”) went to the community's admins."),
        "aftersales_escalated_admin": _l(
            "%(ref)s (“%(buy)s”) needs an admin: an after-sales case was escalated."
        ),
        "aftersales_escalated_resident": _l(
            "%(ref)s (“%(buy)s”): no offer came in time, so the community's admins look at it now."
        ),
        "aftersales_refund_paid": _l("%(ref)s: your refund of ¥%(amount)s was paid (%(method)s)."),
    }
)

register_reasons({"aftersales_compensation": _l("After-sales compensation")})

register_tile("aftersales.mine", _l("After-sales"), "🧾", order=14, visible=is_person)
register_tile("aftersales.escalated", _l("Escalated cases"), "⚠️", order=96, visible=holds(Role.ADMIN))


def _sections() -> None:
    from portal.aftersales import sections as s

    register_section("groupbuy.order", "aftersales/_order_section.html", s.order_section, order=60)
    register_section("groupbuy.verified", "aftersales/_verified_section.html", s.verified_section)
    register_section(
        "groupbuy.workbench", "aftersales/_workbench_section.html", s.workbench_section, order=40
    )
    register_section(
        "home.community", "aftersales/_home_section.html", s.home_section, order=4, name="aftersales",
        live=("notification",),
    )
    register_section("trace.supplier", "aftersales/_supplier_section.html", s.supplier_section, order=70)


_sections()

from portal.aftersales import cli, views  # noqa: E402,F401
