"""The points catalogue: local services and coupons residents redeem their points for, and the
codes the provider checks (家政, 维修, group-buy discounts)."""

import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.paging import Page, page_of
from portal.points.models import CatalogueItem, Redemption
from portal.points.services import spend

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def create_item(community_id: int, **fields) -> CatalogueItem:
    """A new catalogue entry (service or coupon) with its provider's check page."""
    fields = {"kind": "service", "provider": "", "description": "", "stock": None, "active": True, **fields}
    item = CatalogueItem(community_id=community_id, check_token=secrets.token_urlsafe(32), **fields)
    _validate_item(item)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item: CatalogueItem, **fields) -> CatalogueItem:
    for name, value in fields.items():
        setattr(item, name, value)
    _validate_item(item)
    db.session.flush()
    return item


def _validate_item(item: CatalogueItem) -> None:
    if item.cost is None or item.cost <= 0:
        raise DomainError(_l("The cost is a whole number of points above zero."), "cost")
    if item.stock is not None and item.stock < 0:
        raise DomainError(_l("Stock cannot be negative."), "stock")
    if item.kind not in ("service", "coupon"):
        raise DomainError(_l("Choose service or coupon."), "kind")


def catalogue(community_id: int, include_inactive: bool = False) -> list[CatalogueItem]:
    query = sa.select(CatalogueItem).where(CatalogueItem.community_id == community_id)
    if not include_inactive:
        query = query.where(CatalogueItem.active)
    return list(db.session.scalars(query.order_by(CatalogueItem.cost, CatalogueItem.id)))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:12]


def redeem(user_id: int, item: CatalogueItem) -> Redemption:
    """Spend the item's cost and get a code for the provider; refused when out of stock or points."""
    if not item.active:
        raise DomainError(_l("This offer is no longer available."))
    taken = db.session.execute(
        sa.update(CatalogueItem)
        .where(
            CatalogueItem.id == item.id,
            CatalogueItem.active,
            sa.or_(CatalogueItem.stock.is_(None), CatalogueItem.stock > 0),
        )
        .values(stock=sa.case((CatalogueItem.stock.is_(None), None), else_=CatalogueItem.stock - 1))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DomainError(_l("Sorry, this offer is sold out."))
    redemption = Redemption(
        community_id=item.community_id, item_id=item.id, user_id=user_id, code=_new_code(), cost=item.cost
    )
    db.session.add(redemption)
    db.session.flush()
    spend(user_id, item.community_id, item.cost, "redeem", ("redemption", redemption.id), note=item.title)
    db.session.refresh(item)
    return redemption


def find_redemption(item_ids: list[int], code: str) -> Redemption | None:
    code = normalise_code(code)
    if not code or not item_ids:
        return None
    return db.session.scalar(
        sa.select(Redemption).where(Redemption.code == code, Redemption.item_id.in_(item_ids))
    )


def use_redemption(redemption: Redemption) -> None:
    """Mark a code used, once: a second use is refused."""
    result = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("This code was already used."))
    db.session.refresh(redemption)


REDEMPTIONS_PAGE = 20


def redemptions_of(user_id: int, community_id: int, page: int = 1) -> Page:
    """A page of my codes, the latest first, with what they are for."""
    return page_of(
        sa.select(Redemption)
        .where(Redemption.user_id == user_id, Redemption.community_id == community_id)
        .options(selectinload(Redemption.item))
        .order_by(Redemption.id.desc()),
        page,
        REDEMPTIONS_PAGE,
    )


