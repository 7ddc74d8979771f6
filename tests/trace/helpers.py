"""Suppliers, products, batches and journeys for the trace tests."""

import io
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.trace import chain, services
from portal.trace.models import Batch, BizStep, Product, Supplier, TraceRecord

JOURNEY = [
    (BizStep.COMMISSIONING, "阳山 3 号果园", "清明前后套袋"),
    (BizStep.HARVESTING, "阳山 3 号果园", "凌晨 4 点采摘"),
    (BizStep.INSPECTING, "阳山镇农检站", "农残快检合格"),
    (BizStep.PACKING, "阳山合作社分拣间", "单果网套, 每箱 5 斤"),
    (BizStep.SHIPPING, "冷链车 苏A·12345", "全程 4–8 °C"),
]


def make_supplier(community, name="阳山桃农合作社", leaders=(), contact=None, commit=True) -> Supplier:
    supplier = Supplier(
        community_id=community.id,
        name=name,
        kind="coop",
        region="江苏 无锡 阳山镇",
        contact_name="王师傅",
        contact_phone="13900001111",
        contact_user_id=contact.id if contact else None,
    )
    supplier.leaders = list(leaders)
    db.session.add(supplier)
    db.session.flush()
    if commit:
        db.session.commit()
    return supplier


def make_product(supplier, name="阳山水蜜桃", commit=True) -> Product:
    product = Product(
        community_id=supplier.community_id, supplier_id=supplier.id, name=name, gtin="", unit="箱"
    )
    db.session.add(product)
    db.session.flush()
    product.gtin = services.assigned_gtin(product.id)
    if commit:
        db.session.commit()
    return product


def make_batch(product, lot="YS20260712A", commit=True) -> Batch:
    today = utcnow().date()
    batch = Batch(
        community_id=product.community_id,
        product_id=product.id,
        lot=lot,
        produced_on=today - timedelta(days=2),
        best_before=today + timedelta(days=5),
        quantity=120,
    )
    db.session.add(batch)
    db.session.flush()
    if commit:
        db.session.commit()
    return batch


def record(batch, biz_step=BizStep.HARVESTING, where="阳山 3 号果园", notes="", hours_ago=1, by=None, **more):
    step = services.Step(
        biz_step=biz_step, event_time=utcnow() - timedelta(hours=hours_ago), where=where, notes=notes, **more
    )
    made = services.record_step(batch, step, by_user_id=by.id if by else None, role="supplier")
    db.session.commit()
    return made


def journey(batch, by=None):
    """The five steps from the orchard to the pickup point's door, a few hours apart."""
    return [
        record(batch, step, where, notes, hours_ago=10 * (len(JOURNEY) - i), by=by)
        for i, (step, where, notes) in enumerate(JOURNEY)
    ]


def correct_inspection(batch, inspection, role="supplier"):
    """A correction of the journey's inspection (its third step): the report number added."""
    step = services.Step(
        biz_step=BizStep.INSPECTING,
        event_time=inspection.event_time,
        where="阳山镇农检站",
        notes="农残快检合格, 报告编号 2026-0712",
    )
    made = services.record_step(
        batch, step, by_user_id=None, role=role, corrects=inspection, reason="补报告编号"
    )
    db.session.commit()
    return made


def rewrite_chain(batch, old="阳山", new="杨山"):
    """What someone with database access could do: change every body and recompute every hash
    and the batch's head, so that the chain verifies on its own."""
    previous = chain.GENESIS
    for stored in chain.chain_of(batch.id):
        body = stored.body.replace(old, new)
        digest = chain.record_hash(previous, body)
        db.session.execute(
            sa.update(TraceRecord)
            .where(TraceRecord.id == stored.id)
            .values(body=body, prev_hash=previous, hash=digest)
        )
        previous = digest
    db.session.execute(sa.update(Batch).where(Batch.id == batch.id).values(head_hash=previous))
    db.session.commit()


# --- the staff side: a community with its people, pictures for uploads ------------------------


class Town:
    """A community with an admin, a leader allowed to use the supplier, another leader, a
    resident, the supplier's contact member (a resident), and another community's admin."""

    def __init__(self, make):
        self.community = make.community("幸福里")
        self.other = make.community("梧桐花园")
        self.admin = make.member(self.community, roles=Role.RESIDENT | Role.ADMIN).user
        self.leader = make.member(self.community, roles=Role.RESIDENT | Role.LEADER).user
        self.other_leader = make.member(self.community, roles=Role.RESIDENT | Role.LEADER).user
        self.resident = make.member(self.community).user
        self.contact = make.member(self.community).user
        self.outsider_admin = make.member(self.other, roles=Role.RESIDENT | Role.ADMIN).user
        self.supplier = make_supplier(self.community, leaders=[self.leader], contact=self.contact)
        self.product = make_product(self.supplier)
        self.batch = make_batch(self.product)


def picture_bytes(fmt="PNG", size=(32, 24), colour=(30, 160, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def picture_file(name="photo.png", data: bytes | None = None):
    """A (stream, filename) pair for a test client's multipart form."""
    return (io.BytesIO(picture_bytes() if data is None else data), name)
