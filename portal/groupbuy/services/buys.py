"""Opening, editing and cancelling a group buy (the leader's side)."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.community.models import Membership, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import buy_opened
from portal.core.uploads import delete_upload, save_image
from portal.groupbuy.models import (
    BuyPhoto,
    BuyStatus,
    Category,
    GroupBuy,
)
from portal.pickup.models import PickupPoint
from portal.trace.buying import may_use_batch

MAX_PHOTOS = 6


@dataclass
class BuyInput:
    """What a leader fills in to open (or edit) a buy; prices in fen, times aware UTC."""

    title: str
    unit: str
    unit_price_cents: int
    min_quantity: int
    deadline: datetime
    pickup_from: datetime
    pickup_until: datetime
    pickup_point_ids: list[int]
    description: str = ""
    category: str = Category.FRESH
    reference_price_cents: int | None = None
    stock_cap: int | None = None
    per_person_limit: int | None = None
    commission_bp: int = 0
    batch_id: int | None = None  # the product batch (trace), checked against what the leader may use
    photos: list = field(default_factory=list)  # FileStorage objects
    source: str = ""  # what the buy is opened from, e.g. "wish:12" (told to buy_opened's receivers)


def buy_link(buy_id: int) -> str:
    """The buy's page, as a notification links to it."""
    return f"/groupbuy/{buy_id}"


def schedule_problems(
    now: datetime,
    deadline: datetime | None,
    pickup_from: datetime | None,
    pickup_until: datetime | None,
    min_quantity: int | None = None,
    stock_cap: int | None = None,
    per_person_limit: int | None = None,
) -> list[DomainError]:
    """Every broken rule among a buy's times and quantities, each beside its field (a value
    that is None, because it is missing or did not parse, takes part in no rule).

    The form shows them all at once; the service refuses the first (its guard)."""
    problems = []
    if deadline is not None and deadline <= now:
        problems.append(DomainError(_l("Order deadline: must be in the future."), "deadline"))
    if pickup_from is not None and deadline is not None and pickup_from < deadline:
        problems.append(DomainError(_l("Pickup from: must be after the order deadline."), "pickup_from"))
    if pickup_until is not None and pickup_from is not None and pickup_until <= pickup_from:
        problems.append(DomainError(_l("Pickup until: must be later than pickup from."), "pickup_until"))
    if stock_cap is not None and min_quantity is not None and stock_cap < min_quantity:
        problems.append(DomainError(_l("Stock: cannot be smaller than the minimum to succeed."), "stock_cap"))
    if per_person_limit is not None and stock_cap is not None and per_person_limit > stock_cap:
        problems.append(DomainError(_l("Limit per person: cannot exceed the stock."), "per_person_limit"))
    return problems


NO_POINT = _l("Pickup points: choose at least one pickup point of this community.")
NO_BATCH = _l("Product batch: choose a batch of a supplier you may sell.")


def _check_input(data: BuyInput, community_id: int, leader_id: int, now: datetime) -> list[PickupPoint]:
    if data.category not in set(Category):
        raise DomainError(_l("Choose a category."), "category")
    problems = schedule_problems(
        now,
        data.deadline,
        data.pickup_from,
        data.pickup_until,
        data.min_quantity,
        data.stock_cap,
        data.per_person_limit,
    )
    if problems:
        raise problems[0]
    if len(data.photos) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)s photos.", n=MAX_PHOTOS), "photos")
    if data.batch_id is not None and not may_use_batch(leader_id, community_id, data.batch_id):
        raise DomainError(NO_BATCH, "batch")
    points = list(
        db.session.scalars(
            sa.select(PickupPoint).where(
                PickupPoint.id.in_(data.pickup_point_ids or [0]),
                PickupPoint.community_id == community_id,
                PickupPoint.active,
            )
        )
    )
    if not points or len(points) != len(set(data.pickup_point_ids)):
        raise DomainError(NO_POINT, "pickup_points")
    return points


def _apply_input(buy: GroupBuy, data: BuyInput, points: list[PickupPoint]) -> None:
    for name in (
        "title",
        "description",
        "category",
        "unit",
        "unit_price_cents",
        "reference_price_cents",
        "min_quantity",
        "stock_cap",
        "per_person_limit",
        "deadline",
        "pickup_from",
        "pickup_until",
        "commission_bp",
        "batch_id",
    ):
        setattr(buy, name, getattr(data, name))
    buy.pickup_points = points


def _store_photos(buy: GroupBuy, files) -> None:
    """Re-encode and attach photos; refuses the lot if one is not a picture."""
    if len(buy.photos) + len(files) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)s photos.", n=MAX_PHOTOS), "photos")
    stored = []
    try:
        for upload in files:
            stored.append(save_image(upload, "groupbuy"))
    except DomainError as error:
        for path in stored:
            delete_upload(path)
        raise DomainError(error.message, "photos") from error
    start = max((p.position for p in buy.photos), default=-1) + 1
    for offset, path in enumerate(stored):
        buy.photos.append(BuyPhoto(path=path, position=start + offset))


def create_buy(membership: Membership, data: BuyInput) -> GroupBuy:
    """A leader opens a buy in their community."""
    if not membership.has(Role.LEADER):
        raise DomainError(_l("Only group leaders can open a group buy."))
    points = _check_input(data, membership.community_id, membership.user_id, utcnow())
    buy = GroupBuy(community_id=membership.community_id, leader_id=membership.user_id, status=BuyStatus.OPEN)
    _apply_input(buy, data, points)
    db.session.add(buy)
    _store_photos(buy, data.photos)
    db.session.flush()
    buy_opened.send(buy, source=data.source)
    return buy


def editable(buy: GroupBuy) -> bool:
    """A buy can be edited while it is open and nobody has joined or is waiting."""
    return buy.status == BuyStatus.OPEN and buy.participant_count == 0 and buy.waitlist_count == 0


def update_buy(buy: GroupBuy, data: BuyInput) -> GroupBuy:
    """Change a buy before anyone joins; claims the row so a join cannot slip in between."""
    claimed = db.session.execute(
        sa.update(GroupBuy)
        .where(
            GroupBuy.id == buy.id,
            GroupBuy.status == BuyStatus.OPEN,
            GroupBuy.participant_count == 0,
            GroupBuy.waitlist_count == 0,
        )
        .values(order_seq=GroupBuy.order_seq)  # takes the row lock on PostgreSQL
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(buy)
    if not claimed:
        raise DomainError(_l("Neighbours have joined already: this buy can no longer be changed."))
    points = _check_input(data, buy.community_id, buy.leader_id, utcnow())
    _apply_input(buy, data, points)
    _store_photos(buy, data.photos)
    db.session.flush()
    return buy


def remove_photo(buy: GroupBuy, photo_id: int) -> None:
    """Take a photo off a buy that can still be edited."""
    if not editable(buy):
        raise DomainError(_l("Neighbours have joined already: this buy can no longer be changed."))
    photo = next((p for p in buy.photos if p.id == photo_id), None)
    if photo is None:
        raise DomainError(_l("No such photo."))
    buy.photos.remove(photo)
    db.session.flush()
    delete_upload(photo.path)
