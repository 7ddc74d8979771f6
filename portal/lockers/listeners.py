"""Who may watch which live room, and boards that follow orders made ready or collected."""


from portal.community.services import active_membership_of
from portal.core.db import db
from portal.core.signals import order_completed, order_ready
from portal.realtime import push_after_commit, register_room, user_room


def may_watch_point(user, point_id: int) -> bool:
    """A pickup point's board: the community's kiosks and admins, and the point's host."""
    from portal.community.models import Role
    from portal.pickup.models import PickupPoint

    point = db.session.get(PickupPoint, point_id)
    if point is None:
        return False
    membership = active_membership_of(user, point.community_id)
    if membership is None:
        return False
    return membership.has(Role.KIOSK) or membership.has(Role.ADMIN) or point.host_user_id == user.id


def may_watch_community_lockers(user, community_id: int) -> bool:
    """The admins' locker pages of a community."""
    from portal.community.models import Role

    membership = active_membership_of(user, community_id)
    return membership is not None and membership.has(Role.ADMIN)


def _order_changed(order, **_kwargs) -> None:
    """Ready or collected (by a locker, a code or a QR): the point's boards and the people refetch."""
    from portal.lockers.services import push_board

    push_board(order.pickup_point_id, order.community_id)
    session = db.session()
    for user_id in {order.user_id, order.delegate_user_id} - {None}:
        push_after_commit(session, user_room(user_id), {"type": "order", "id": order.id})


register_room("pickup", may_watch_point)
register_room("lockers", may_watch_community_lockers)
order_ready.connect(_order_changed, weak=False)
order_completed.connect(_order_changed, weak=False)
