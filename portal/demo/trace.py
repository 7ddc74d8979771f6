"""Demo traceability: two suppliers, their products and batches, each batch's journey from the
orchard or farm to the pickup point (with the cold chain's temperatures), linked to the demo buys."""

from datetime import timedelta

import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.demo.groupbuy import LEADER
from portal.groupbuy.models import GroupBuy
from portal.pickup.models import PickupPoint
from portal.trace import services
from portal.trace.catalogue import create_product
from portal.trace.models import Batch, BizStep, Supplier

SUPPLIERS = [
    (
        "阳山桃农合作社",
        "coop",
        "江苏 无锡 惠山区 阳山镇",
        "三十多户桃农的合作社，统一套袋、统一检测、统一分拣。",
        "王师傅",
    ),
    ("江宁有机农场", "farm", "江苏 南京 江宁区 横溪街道", "有机认证蔬菜基地，每周二、周五采收。", "赵经理"),
    ("溧水山里散养鸡场", "farm", "江苏 南京 溧水区 白马镇", "林下散养，喂玉米和青菜。", "孙大姐"),
]

# (buy title, supplier, product, unit, lot, days produced ago, shelf days, journey)
# journey: (step, hours before now, where, notes, cold-chain temperatures °C every 30 minutes)
BATCHES = [
    (
        "阳山水蜜桃 · 当天现摘 5 斤装",
        "阳山桃农合作社",
        "阳山水蜜桃",
        "箱",
        "YS-0712-A",
        1,
        5,
        [
            (BizStep.COMMISSIONING, 24 * 100, "阳山 3 号果园", "清明前后疏果、套袋，果园不用膨大剂。", ()),
            (BizStep.HARVESTING, 30, "阳山 3 号果园", "凌晨 4 点采摘，八成熟。", ()),
            (BizStep.INSPECTING, 27, "阳山镇农产品检测站", "农残快检 12 项，全部合格。", ()),
            (BizStep.PACKING, 26, "合作社分拣间", "单果网套，每箱 5 斤，按大小分级。", ()),
            (
                BizStep.SHIPPING,
                24,
                "冷链车 苏B·A2318",
                "全程冷藏 4–8 °C，约 3 小时到南京。",
                (6.8, 5.9, 5.2, 4.9, 4.6, 4.8, 5.1),
            ),
        ],
    ),
    (
        "有机蔬菜箱（8 种时令菜）",
        "江宁有机农场",
        "有机蔬菜箱",
        "箱",
        "JN-1128",
        1,
        3,
        [
            (BizStep.HARVESTING, 28, "江宁有机农场 2 号棚", "清晨采收青菜、菠菜、萝卜等 8 种。", ()),
            (BizStep.INSPECTING, 26, "农场自检室", "有机认证抽检合格，检测报告已存档。", ()),
            (BizStep.PACKING, 25, "农场包装间", "每箱约 6 斤，纸箱装，不用泡沫。", ()),
            (BizStep.SHIPPING, 23, "农场配送车", "冷藏运输。", (7.5, 6.1, 5.4, 5.0)),
            (BizStep.RECEIVING, 21, "3栋一楼自提点", "团长验货：菜叶新鲜，无压坏。", ()),
        ],
    ),
    (
        "散养土鸡蛋 30 枚",
        "溧水山里散养鸡场",
        "散养土鸡蛋",
        "盒",
        "LS-W48",
        2,
        20,
        [
            (BizStep.COMMISSIONING, 24 * 3, "溧水 白马镇 林下鸡场", "本周集蛋开始。", ()),
            (BizStep.PACKING, 30, "鸡场分拣间", "逐个照蛋，30 枚一盒，蛋托包装。", ()),
        ],
    ),
]


def seed(community, people: dict) -> None:
    if db.session.scalar(sa.select(Supplier.id).where(Supplier.community_id == community.id)):
        return
    leader = people[LEADER]
    suppliers = {}
    for name, kind, region, description, contact in SUPPLIERS:
        supplier = Supplier(
            community_id=community.id,
            name=name,
            kind=kind,
            region=region,
            description=description,
            contact_name=contact,
            contact_phone="",
        )
        supplier.leaders = [leader]
        db.session.add(supplier)
        suppliers[name] = supplier
    db.session.flush()
    station = db.session.scalar(
        sa.select(PickupPoint).where(PickupPoint.community_id == community.id).order_by(PickupPoint.id)
    )
    now = utcnow()
    for title, supplier_name, product_name, unit, lot, produced_ago, shelf, journey in BATCHES:
        product = create_product(suppliers[supplier_name], product_name, unit)
        today = now.date()
        batch = Batch(
            community_id=community.id,
            product_id=product.id,
            lot=lot,
            produced_on=today - timedelta(days=produced_ago),
            best_before=today + timedelta(days=shelf),
            quantity=120,
        )
        db.session.add(batch)
        db.session.flush()
        for step, hours_ago, where, notes, temperatures in journey:
            at = now - timedelta(hours=hours_ago)
            readings = [
                {
                    "time": at + timedelta(minutes=30 * i),
                    "value": value,
                    "device": "urn:linli:sensor:cold-chain-1",
                }
                for i, value in enumerate(temperatures)
            ]
            at_point = step == BizStep.RECEIVING and station is not None
            services.record_step(
                batch,
                services.Step(
                    biz_step=step,
                    event_time=at,
                    where=where,
                    notes=notes,
                    readings=readings,
                    read_point=f"urn:linli:pickup-point:{station.id}" if at_point else None,
                ),
                by_user_id=leader.id,
                role="leader" if step == BizStep.RECEIVING else "supplier",
            )
        db.session.execute(
            sa.update(GroupBuy)
            .where(GroupBuy.community_id == community.id, GroupBuy.title == title)
            .values(batch_id=batch.id)
        )
    db.session.flush()
