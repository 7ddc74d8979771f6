"""The staff's catalogue: suppliers (with certificates, allowed leaders and a contact member),
their products with GS1 GTINs, and the products' batches with GS1 lot codes.

Services flush, never commit; refusals are DomainErrors naming their field. Who may call which
is services.may_view / may_manage (and admins only for the supplier itself).
"""

import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role, roles_holding
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.trace.models import Batch, Product, Supplier, SupplierCertificate, SupplierKind
from portal.trace.services import GTIN_PREFIX, LOT, assigned_gtin, is_gtin14, is_staff

MAX_LEADERS = 200  # the leaders offered on a supplier's form: a community has a few dozen
MAX_CERTIFICATES = 20
MAX_PRODUCTS = 200  # a supplier's products, shown on its page


def _insert(row, taken, field: str) -> None:
    """Add the row; the same unique value saved by someone else at the same moment (checked
    before, committed between) is refused with `taken` on the field."""
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise DomainError(taken, field) from error


# --- suppliers ------------------------------------------------------------------------------


@dataclass
class SupplierInput:
    name: str
    kind: str
    region: str = ""
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    leader_ids: list[int] | None = None  # None: leave as they are


def save_supplier(supplier: Supplier, data: SupplierInput) -> Supplier:
    """Create or change a supplier; names are unique within a community."""
    if data.kind not in set(SupplierKind):
        raise DomainError(_l("Choose what kind of supplier it is."), "kind")
    name = data.name.strip()
    clash = db.session.scalar(
        sa.select(Supplier.id).where(
            Supplier.community_id == supplier.community_id,
            Supplier.name == name,
            Supplier.id != (supplier.id or 0),
        )
    )
    if clash:
        raise DomainError(_l("A supplier with this name exists already."), "name")
    supplier.name = name
    supplier.kind = data.kind
    supplier.region = data.region
    supplier.description = data.description
    supplier.contact_name = data.contact_name
    supplier.contact_phone = data.contact_phone
    if data.leader_ids is not None:
        set_leaders(supplier, data.leader_ids)
    db.session.add(supplier)
    db.session.flush()
    return supplier


def leader_members(community_id: int) -> list[Membership]:
    """The community's active leaders (people who may be allowed to use a supplier), bounded."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.in_(roles_holding(Role.LEADER)),
                User.deleted_at.is_(None),
            )
            .order_by(Membership.id)
            .limit(MAX_LEADERS)
        )
    )


def set_leaders(supplier: Supplier, user_ids: list[int]) -> None:
    """Allow exactly these leaders of the community to use the supplier."""
    wanted = set(user_ids)
    leaders = {m.user_id: m for m in leader_members(supplier.community_id)}
    if wanted - set(leaders):
        raise DomainError(_l("Choose leaders of this community."), "leaders")
    supplier.leaders = list(db.session.scalars(sa.select(User).where(User.id.in_(wanted)))) if wanted else []


def member_with_phone(community_id: int, phone: str) -> Membership:
    """The active member (a person, not a kiosk screen) with this mobile number, or a DomainError."""
    membership = db.session.scalar(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            User.phone == phone,
            User.deleted_at.is_(None),
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if membership is None or membership.roles & Role.KIOSK:
        raise DomainError(_l("No member of this community has this mobile number."), "contact_member_phone")
    return membership


def set_contact(supplier: Supplier, phone: str | None, clear: bool = False) -> None:
    """Name the member who speaks for the supplier (by their number), keep them (no number),
    or name nobody (`clear`)."""
    if clear:
        supplier.contact_user_id = None
    elif phone:
        supplier.contact_user_id = member_with_phone(supplier.community_id, phone).user_id


def add_certificate(
    supplier: Supplier, title: str, valid_until: date | None, path: str
) -> SupplierCertificate:
    """Attach a stored picture of a licence or certificate."""
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SupplierCertificate)
        .where(SupplierCertificate.supplier_id == supplier.id)
    )
    if count >= MAX_CERTIFICATES:
        raise DomainError(_l("At most %(n)s certificates.", n=MAX_CERTIFICATES), "picture")
    certificate = SupplierCertificate(
        supplier_id=supplier.id, title=title, valid_until=valid_until, path=path
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def remove_certificate(supplier: Supplier, certificate_id: int) -> str:
    """Take a certificate off; returns its picture's path to delete after the commit."""
    certificate = db.session.get(SupplierCertificate, certificate_id)
    if certificate is None or certificate.supplier_id != supplier.id:
        raise DomainError(_l("There is no such certificate."))
    path = certificate.path
    db.session.delete(certificate)
    db.session.flush()
    return path


def suppliers_page(membership: Membership, number: int) -> Page:
    """The suppliers a person sees (all of the community for staff, else the ones they speak
    for), by name, with their leaders loaded."""
    query = (
        sa.select(Supplier)
        .where(Supplier.community_id == membership.community_id)
        .options(selectinload(Supplier.leaders))
        .order_by(Supplier.name, Supplier.id)
    )
    if not is_staff(membership):
        query = query.where(Supplier.contact_user_id == membership.user_id)
    return page_of(query, number)


def speaks_for_any(membership: Membership) -> bool:
    """Is the person the contact member of some supplier of the community?"""
    return bool(
        db.session.scalar(
            sa.select(Supplier.id)
            .where(
                Supplier.community_id == membership.community_id,
                Supplier.contact_user_id == membership.user_id,
            )
            .limit(1)
        )
    )


def products_of(supplier: Supplier) -> list[Product]:
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.supplier_id == supplier.id)
            .order_by(Product.name)
            .limit(MAX_PRODUCTS)
        )
    )


# --- products -------------------------------------------------------------------------------


def normal_gtin(typed: str) -> str:
    """A GTIN typed by the supplier as the 14 digits of a GTIN-14 (GTIN-8, -12 and -13 are
    padded with zeros, as GS1 writes them in 14 digits), or a DomainError."""
    digits = typed.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise DomainError(_l("A GTIN has 8, 12, 13 or 14 digits."), "gtin")
    gtin = digits.zfill(14)
    if not is_gtin14(gtin):
        raise DomainError(_l("This is not a valid GTIN: its check digit does not match."), "gtin")
    if gtin.startswith(GTIN_PREFIX):
        raise DomainError(
            _l(
                "Numbers starting with %(prefix)s are the portal's own. Leave the field empty to get one.",
                prefix=GTIN_PREFIX,
            ),
            "gtin",
        )
    return gtin


def _gtin_taken(gtin: str, product_id: int | None) -> bool:
    return bool(
        db.session.scalar(sa.select(Product.id).where(Product.gtin == gtin, Product.id != (product_id or 0)))
    )


def create_product(supplier: Supplier, name: str, unit: str, gtin: str = "") -> Product:
    """A product of the supplier: with the supplier's own GTIN, or one the portal assigns."""
    own = normal_gtin(gtin) if gtin else None
    if own and _gtin_taken(own, None):
        raise DomainError(_l("Another product has this GTIN."), "gtin")
    product = Product(
        community_id=supplier.community_id,
        supplier_id=supplier.id,
        name=name,
        unit=unit,
        gtin=own or f"T{secrets.token_hex(6)}",  # a unique stand-in until the id is known
    )
    _insert(product, _l("Another product has this GTIN."), "gtin")
    if own is None:
        product.gtin = assigned_gtin(product.id)
        db.session.flush()
    return product


def update_product(product: Product, name: str, unit: str) -> Product:
    """Rename a product or change its unit; its GTIN stays (it is printed on the QR codes)."""
    product.name = name
    product.unit = unit
    db.session.flush()
    return product


# --- batches --------------------------------------------------------------------------------


@dataclass
class BatchInput:
    lot: str
    produced_on: date | None = None
    best_before: date | None = None
    quantity: int | None = None


def check_lot(product: Product, lot: str) -> None:
    if not LOT.fullmatch(lot):
        raise DomainError(_l("A lot code has 1 to 20 letters, digits, - . or _ (no spaces)."), "lot")
    if db.session.scalar(sa.select(Batch.id).where(Batch.product_id == product.id, Batch.lot == lot)):
        raise DomainError(_l("This product has a batch with this lot code already."), "lot")


def check_dates(produced_on: date | None, best_before: date | None) -> None:
    if produced_on and best_before and best_before < produced_on:
        raise DomainError(_l("Best before cannot be earlier than the production date."), "best_before")


def create_batch(product: Product, data: BatchInput) -> Batch:
    """A new lot of the product; its journey starts empty."""
    check_lot(product, data.lot)
    check_dates(data.produced_on, data.best_before)
    batch = Batch(
        community_id=product.community_id,
        product_id=product.id,
        lot=data.lot,
        produced_on=data.produced_on,
        best_before=data.best_before,
        quantity=data.quantity,
    )
    _insert(batch, _l("This product has a batch with this lot code already."), "lot")
    return batch


def batches_page(
    membership: Membership, number: int, supplier_id: int | None = None, product_id: int | None = None
) -> Page:
    """The community's batches newest first, as (Batch, Product, Supplier) rows; people who are
    not staff see those of the suppliers they speak for."""
    query = (
        sa.select(Batch, Product, Supplier)
        .join(Product, Product.id == Batch.product_id)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .where(Batch.community_id == membership.community_id)
        .order_by(Batch.created_at.desc(), Batch.id.desc())
    )
    if supplier_id:
        query = query.where(Product.supplier_id == supplier_id)
    if product_id:
        query = query.where(Batch.product_id == product_id)
    if not is_staff(membership):
        query = query.where(Supplier.contact_user_id == membership.user_id)
    return page_of(query, number, rows=True)


def batch_counts(supplier: Supplier) -> dict[int, int]:
    """{product id: how many batches it has}, for the supplier's products, in one query."""
    return dict(
        db.session.execute(
            sa.select(Batch.product_id, sa.func.count())
            .join(Product, Product.id == Batch.product_id)
            .where(Product.supplier_id == supplier.id)
            .group_by(Batch.product_id)
        ).all()
    )


def supplier_choices(membership: Membership) -> list[tuple[int, str]]:
    """(id, name) of the suppliers the person sees, for a filter; bounded."""
    query = sa.select(Supplier.id, Supplier.name).where(Supplier.community_id == membership.community_id)
    if not is_staff(membership):
        query = query.where(Supplier.contact_user_id == membership.user_id)
    return [tuple(row) for row in db.session.execute(query.order_by(Supplier.name).limit(MAX_PRODUCTS))]


def me_section(user) -> dict | None:
    """On my account page: the suppliers of my current community I speak for (a resident who is
    a farm's contact member has no staff tile to find them by), or nothing."""
    if user.is_device or not user.active_community_id:
        return None
    spoken_for = list(
        db.session.scalars(
            sa.select(Supplier)
            .where(Supplier.community_id == user.active_community_id, Supplier.contact_user_id == user.id)
            .order_by(Supplier.name)
            .limit(MAX_PRODUCTS)
        )
    )
    return {"suppliers": spoken_for} if spoken_for else None
