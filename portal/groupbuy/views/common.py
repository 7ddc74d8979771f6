"""What several group-buy pages check: whose buy or order it is."""

from flask import abort
from flask_login import current_user

from portal.community.access import current_membership, get_in_community
from portal.community.models import Role
from portal.groupbuy.models import GroupBuy, Order


def is_owner(buy: GroupBuy) -> bool:
    return buy.leader_id == current_user.id


def is_admin() -> bool:
    membership = current_membership()
    return membership is not None and membership.has(Role.ADMIN)


def own_buy(buy_id: int, admin_too: bool = False) -> GroupBuy:
    """The buy, if I lead it (or, where allowed, administer the community); 403 for others."""
    buy = get_in_community(GroupBuy, buy_id)
    if is_owner(buy) or (admin_too and is_admin()):
        return buy
    abort(403)


def my_order(order_id: int, delegate_too: bool = True) -> Order:
    """My order (or one I collect for a neighbour); everyone else's is a 404."""
    order = get_in_community(Order, order_id)
    if order.user_id == current_user.id or (delegate_too and order.delegate_user_id == current_user.id):
        return order
    abort(404)

