"""Group buying (团购): buys, orders, the waitlist, closing at the deadline, the leader workbench."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tab, register_tile
from portal.notifications.services import register_messages

bp = Blueprint("groupbuy", __name__, cli_group="groupbuy")


def _is_leader(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.LEADER)


register_tab("groupbuy.index", _l("Buys"), "🛒", order=20)
register_tile("groupbuy.index", _l("Group buys"), "🛒", order=10)
register_tile("groupbuy.my_orders", _l("My orders"), "📦", order=11)
register_tile("groupbuy.workbench", _l("Leader workbench"), "🧺", order=12, visible=_is_leader)

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
    }
)

from portal.groupbuy import cli, views  # noqa: E402,F401
