"""Loading a supplier, product or batch for a page, with the access rule of services.py:
another community's (or none) answers 404, someone of this community who may not 403."""

from flask import abort

from portal.community.access import current_membership, get_in_community
from portal.community.models import Role
from portal.core.db import db
from portal.core.people import Duty, staff_views
from portal.trace.models import Batch, Product, Supplier
from portal.trace.services import may_manage, may_view


def supplier_for(supplier_id: int, manage: bool = False) -> Supplier:
    supplier = get_in_community(Supplier, supplier_id)
    _check(supplier, manage)
    return supplier


def product_for(product_id: int, manage: bool = False) -> tuple[Product, Supplier]:
    product = get_in_community(Product, product_id)
    supplier = db.session.get(Supplier, product.supplier_id)
    _check(supplier, manage)
    return product, supplier


def batch_for(batch_id: int, manage: bool = False) -> tuple[Batch, Product, Supplier]:
    batch = get_in_community(Batch, batch_id)
    product = db.session.get(Product, batch.product_id)
    supplier = db.session.get(Supplier, product.supplier_id)
    _check(supplier, manage)
    return batch, product, supplier


def _check(supplier: Supplier, manage: bool) -> None:
    membership = current_membership()
    if not (may_manage(membership, supplier) if manage else may_view(membership, supplier)):
        abort(403)


def is_admin() -> bool:
    membership = current_membership()
    return membership is not None and membership.has(Role.ADMIN)


def people(user_ids) -> dict:
    """The people named on a supplier's pages as the viewer may see them: admins as admins do
    (name, home, masked number); leaders and contact members the name alone, as a neighbour
    may see it, else masked."""
    duty = Duty.ADMIN if is_admin() else Duty.DELEGATE
    return staff_views(duty, current_membership(), [i for i in user_ids if i])
