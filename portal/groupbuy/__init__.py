"""Group buying (团购): buys, orders, the waitlist, closing at the deadline, fulfilment with pickup
codes and 核销, the leader workbench."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.core.nav import register_tab, register_tile
from portal.groupbuy.models import CATEGORY_LABELS, ORDER_STATUS_LABELS, STATUS_LABELS
from portal.notifications.services import register_messages

bp = Blueprint("groupbuy", __name__, cli_group="groupbuy")

hands_out = holds(Role.LEADER, Role.ADMIN)  # 核销: the buy's leader, or an admin


register_tab("groupbuy.index", _l("Buys"), "🛒", order=20)
register_tile("groupbuy.index", _l("Group buys"), "🛒", order=10)
register_tile("groupbuy.my_orders", _l("My orders"), "📦", order=11)
register_tile("groupbuy.workbench", _l("Leader workbench"), "🧺", order=12, visible=holds(Role.LEADER))
register_tile("groupbuy.verify", _l("Verify a pickup"), "✅", order=13, visible=hands_out)

register_messages(
    {
        "gb_cancelled": _l("The group buy “%(title)s” was cancelled. Reason: %(reason)s"),
        "gb_succeeded": _l(
            "“%(title)s” reached its goal! Your order %(ref)s (%(qty)s %(unit)s) is confirmed."
        ),
        "gb_failed": _l(
            "“%(title)s” did not reach its minimum by the deadline. Order %(ref)s is cancelled; "
            "nothing to pay."
        ),
        "gb_waitlist_closed": _l("“%(title)s” has closed; no place freed up for you on the waitlist."),
        "gb_waitlist_promoted": _l("A place freed up in “%(title)s”: you are in with %(qty)s %(unit)s."),
        "gb_leader_succeeded": _l(
            "Your buy “%(title)s” succeeded: %(qty)s %(unit)s from %(count)s neighbours."
        ),
        "gb_leader_failed": _l("Your buy “%(title)s” did not succeed: %(qty)s of %(min)s %(unit)s."),
        "gb_delegated": _l(
            "%(name)s asked you to collect order %(ref)s (%(title)s) for them. You will see the pickup code."
        ),
        "pickup_ready": _l(
            "Your order %(ref)s (%(title)s) is ready at %(point)s. Open it to see your pickup code."
        ),
        "pickup_ready_delegate": _l(
            "%(name)s's order %(ref)s (%(title)s) is ready at %(point)s; you are collecting it for them."
        ),
        "pickup_collected": _l("Order %(ref)s (%(title)s) was collected. Enjoy!"),
        "pickup_reminder": _l("Reminder: order %(ref)s (%(title)s) is waiting for you at %(point)s."),
        "pickup_overdue": _l(
            "Order %(ref)s (%(title)s) was not collected in the pickup window at %(point)s. "
            "Please contact your group leader."
        ),
        "pickup_overdue_leader": _l(
            "%(count)s orders of “%(title)s” were not collected in the pickup window."
        ),
    }
)



@bp.app_template_filter("yuan")
def yuan(amount_cents: int | None) -> str:
    """1280 → ¥12.80"""
    if amount_cents is None:
        return ""
    sign = "-" if amount_cents < 0 else ""
    return f"{sign}¥{abs(amount_cents) // 100}.{abs(amount_cents) % 100:02d}"


@bp.app_template_filter("spaced_code")
def spaced_code(code: str | None) -> str:
    """12345678 → 1234 5678, as a resident reads a pickup code out."""
    return f"{code[:4]} {code[4:]}" if code else ""


@bp.app_context_processor
def groupbuy_globals() -> dict:
    return {
        "category_labels": CATEGORY_LABELS,
        "buy_status_labels": STATUS_LABELS,
        "order_status_labels": ORDER_STATUS_LABELS,
    }


from portal.groupbuy import cli, live, sections, views  # noqa: E402,F401

sections.register()
