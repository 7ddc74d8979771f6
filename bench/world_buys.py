"""bench.world's builder, the buys: pickup points, a year of group buys in every state with their
orders, the waitlist, pickup codes, neighbours collecting for each other, lockers at a pickup
point and its kiosk screen."""

from datetime import timedelta

from bench.world_people import PAGE

PRODUCTS = [
    "阳山水蜜桃", "东北五常大米", "散养土鸡蛋", "有机小青菜", "手工桂花糕", "烟台大樱桃",
    "宝宝辅食米粉", "猫粮2kg", "多肉花苗", "高筋面粉", "赣南脐橙", "舟山带鱼", "云南鲜花饼",
    "新疆哈密瓜", "内蒙牛肉",
]


class BuyRows:
    """Rows of the buys and what they are collected from (a part of bench.world.Builder)."""

    # --- pickup points, buys and orders ----------------------------------------------------

    def pickup(self) -> None:
        cid = self.community_id
        leader = self.personas["leader"][0]
        self.points = {}
        for key, name, kind, slots, host in (
            ("station", "1栋 自提站", "station", 10, None),
            ("locker", "3栋 智能柜自提点", "locker", 0, None),
            ("home", "团长家 5栋", "leader_home", 0, leader),
            ("shop", "东门 便利店", "shop", 0, None),
        ):
            self.points[key] = self.add(
                "pickup_points",
                id=None,
                community_id=cid,
                name=name,
                kind=kind,
                address="小区内",
                opening_hours="每天 08:00–20:00",
                slot_capacity=slots,
                slot_minutes=30,
                host_user_id=host,
                active=True,
                created_at=self.ago(390),
            )["id"]

    def buys(self) -> None:
        size, rng = self.size, self.rng
        leader, leader2 = self.personas["leader"][0], self.personas["leader2"][0]
        resident = self.personas["resident"][0]
        buyers = [m[0] for m in self.members if m[0] not in (leader, leader2)]
        point_ids = list(self.points.values())
        n_open = max(PAGE, size.buys * 6 // 100)
        others = size.buys - 1
        per_buy = (size.orders - size.big_buy) / max(others, 1)
        self.ready_codes = {p: 0 for p in point_ids}
        self.buy_rows = []
        n_past = others - n_open
        # the most recent closed buys, whatever the size: some succeeded (goods on the way), some
        # arrived with pickup codes out; older ones spread over the year
        succeeded, arrived = max(2, n_past * 2 // 365), max(3, n_past * 4 // 365)
        for i in range(size.buys):
            big = i == size.buys - 1
            rank = n_past - 1 - i  # 0: the latest closed buy
            if big:
                deadline, status = self.now + timedelta(days=2), "open"
            elif rank < 0:
                k = i - n_past
                deadline = self.now + timedelta(
                    hours=2 + 160 * k / n_open
                )  # the first few close within a day
                status = "open"
            else:
                recent = succeeded + arrived
                if rank < recent:  # closed in the last days
                    deadline = self.ago(0.5 + rank)
                else:
                    deadline = self.ago(recent + (365 - recent) * (rank - recent) / max(n_past - recent, 1))
                if rank < succeeded:
                    status = "succeeded"
                elif rank < succeeded + arrived:
                    status = "arrived_recently"
                else:
                    status = rng.choices(("arrived", "failed", "cancelled", "succeeded"), (85, 8, 4, 3))[0]
            handed_out_now = 0 <= rank < succeeded + arrived
            buy_leader = leader if (big or handed_out_now or rng.random() < 0.8) else leader2
            if big or handed_out_now:  # at both points, the leader's
                points = [self.points["station"], self.points["locker"]]
            else:
                points = rng.sample(point_ids, rng.randint(1, 2))
            product = rng.choice(PRODUCTS)
            want = size.big_buy if big else max(1, round(rng.gauss(per_buy, per_buy / 4)))
            people = rng.sample(buyers, min(want, len(buyers)))
            if big and resident in people:
                people.remove(resident)
            if status == "arrived_recently" and resident not in people:  # the resident has codes waiting
                people[0] = resident
            elif not big and (rng.random() < 0.3) != (resident in people):  # the resident is in ~30 % of buys
                if resident in people:
                    people.remove(resident)
                else:
                    people[0] = resident
            self.one_buy(i, big, status, deadline, buy_leader, points, product, people)
        self.world_ids["big_buy"] = self.buy_rows[-1]["id"]

    def one_buy(self, i, big, status, deadline, leader, points, product, people) -> None:
        rng, cid = self.rng, self.community_id
        arrived_recently = status == "arrived_recently"
        status = "arrived" if arrived_recently else status
        resident = self.personas["resident"][0]
        buy_id = self.new_id("group_buys")
        price = rng.randint(5, 120) * 100 - 10
        quantities = [rng.choice((1, 1, 1, 2, 2, 3)) for _ in people]
        cancelled = [status == "open" and rng.random() < 0.1 for _ in people]
        counted = sum(q for q, c in zip(quantities, cancelled, strict=True) if not c)
        participants = sum(1 for c in cancelled if not c)
        if status in ("succeeded", "arrived"):
            min_quantity = max(1, min(counted, rng.randint(5, 30)))
        elif status == "failed":
            min_quantity = counted + rng.randint(1, 20)
        else:
            min_quantity = rng.randint(5, 30) if not big else 20
        stock_cap = None if big or rng.random() < 0.6 else counted + rng.choice((0, 0, 5, 20))
        created = deadline - timedelta(days=rng.uniform(2, 6))
        row = self.add(
            "group_buys",
            id=buy_id,
            community_id=cid,
            leader_id=leader,
            title=f"{product} · 第{i + 1}期" if not big else f"{product} · 全小区大团",
            description="产地直发，新鲜到家。" * 3,
            category=rng.choice(("fresh", "daily", "local", "handmade")),
            unit=rng.choice(("份", "箱", "斤", "盒")),
            unit_price_cents=price,
            reference_price_cents=price + rng.randint(1, 20) * 100,
            min_quantity=min_quantity,
            stock_cap=stock_cap,
            per_person_limit=rng.choice((None, 5, 10)),
            deadline=deadline,
            pickup_from=deadline + timedelta(hours=12),
            pickup_until=deadline + timedelta(days=3),
            commission_bp=rng.choice((0, 500, 800, 1000)),
            status=status,
            quantity_total=counted,
            participant_count=participants,
            waitlist_count=0,
            order_seq=len(people),
            created_at=created,
            closed_at=deadline if status != "open" else None,
            arrived_at=deadline + timedelta(hours=12) if status == "arrived" else None,
            cancelled_at=deadline if status == "cancelled" else None,
            cancel_reason="供应商缺货" if status == "cancelled" else "",
        )
        self.buy_rows.append(row)
        for point in points:
            self.add("group_buy_pickup_points", buy_id=buy_id, pickup_point_id=point)
        if stock_cap is not None and stock_cap == counted and status == "open":  # full: people wait
            waiters = [
                m[0] for m in self.rng.sample(self.members, min(3, len(self.members))) if m[0] not in people
            ]
            for user_id in waiters:
                if user_id in (leader,):
                    continue
                self.add(
                    "group_buy_waitlist",
                    id=None,
                    buy_id=buy_id,
                    user_id=user_id,
                    quantity=1,
                    note="",
                    show_building=False,
                    pickup_point_id=points[0],
                    status="waiting",
                    created_at=deadline - timedelta(hours=20),
                    decided_at=None,
                )
                row["waitlist_count"] += 1
        for seq, (user_id, quantity, gone) in enumerate(zip(people, quantities, cancelled, strict=True), 1):
            point = points[seq % len(points)] if seq <= 2 else rng.choice(points)  # each point has orders
            mine_waiting = arrived_recently and user_id == resident
            if mine_waiting:
                point = self.points["locker"]
            joined = created + (deadline - created) * rng.random()
            order = {
                "status": "cancelled"
                if gone
                else {"open": "joined", "succeeded": "confirmed", "failed": "void", "cancelled": "void"}.get(
                    status, "collected"
                ),
                "pickup_code": None,
                "code_issued_at": None,
                "code_expires_at": None,
                "collected_at": None,
                "collected_via": "",
                "collected_by_id": None,
            }
            if status == "arrived":
                issued = deadline + timedelta(hours=12)
                if arrived_recently and (mine_waiting or rng.random() < 0.6):
                    self.ready_codes[point] += 1
                    code = f"{(self.ready_codes[point] * 7919 + point * 104729) % 1_000_000:06d}"
                    order.update(
                        status="ready",
                        pickup_code=code,
                        code_issued_at=issued,
                        code_expires_at=self.now + timedelta(days=2),
                    )
                elif not arrived_recently and rng.random() < 0.08:
                    order.update(status="unclaimed", code_issued_at=issued)
                else:
                    order.update(
                        status="collected",
                        code_issued_at=issued,
                        collected_at=issued + timedelta(hours=rng.uniform(1, 40)),
                        collected_via="locker" if point == self.points["locker"] else "code",
                        collected_by_id=user_id,
                    )
            self.add(
                "group_orders",
                id=None,
                buy_id=buy_id,
                user_id=user_id,
                community_id=cid,
                reference=f"GB{buy_id}-{seq:04d}",
                quantity=quantity,
                note=rng.choice(("", "", "放门口", "谢谢团长")),
                show_building=rng.random() < 0.5,
                pickup_point_id=point,
                unit_price_cents=price,
                paid_at=joined if status in ("succeeded", "arrived") and rng.random() < 0.8 else None,
                delegate_user_id=None,
                slot_id=None,
                reminded_at=None,
                overdue_at=None,
                created_at=joined,
                updated_at=joined,
                **order,
            )

    def delegations(self) -> None:
        """The resident collects some neighbours' orders (代取); a few orders sit in lockers."""
        resident = self.personas["resident"][0]
        live = [
            o
            for o in self.rows["group_orders"]
            if o["status"] in ("confirmed", "ready") and o["user_id"] != resident
        ]
        for order in self.rng.sample(live, min(len(live), max(2, len(live) // 50))):
            order["delegate_user_id"] = resident
        mine = [o for o in self.rows["group_orders"] if o["user_id"] == resident]
        ready = [o for o in mine if o["status"] == "ready"] or [o for o in mine if o["status"] == "confirmed"]
        self.world_ids["order"] = (ready or mine)[-1]["id"]

    def lockers(self) -> None:
        from portal.community.models import MembershipStatus, Role

        rng, cid, point = self.rng, self.community_id, self.points["locker"]
        ready = [
            o for o in self.rows["group_orders"] if o["status"] == "ready" and o["pickup_point_id"] == point
        ]
        ready.sort(key=lambda o: o["id"] == self.world_ids["order"])  # the resident's order is in a locker
        locker_ids = []
        for n in range(2):
            locker_id = self.add(
                "lockers",
                id=None,
                community_id=cid,
                pickup_point_id=point,
                device_id=f"bench-{cid}-{n}",
                name=f"{'AB'[n]} 柜",
                mqtt_password_hash="",
                enabled=True,
                fw="1.2.0",
                last_seq=100,
                online=True,
                offline_reason="never",
                online_since=self.ago(3),
                last_seen=self.now,
                lockout_day="",
                wrong_today=0,
                lockouts_today=0,
                created_at=self.ago(380),
            )["id"]
            locker_ids.append(locker_id)
            for c in range(24):
                order = ready.pop() if ready and c % 2 == 0 else None
                self.add(
                    "locker_compartments",
                    id=None,
                    locker_id=locker_id,
                    comp=f"{'AB'[n]}{c + 1:02d}",
                    size="SML"[c % 3],
                    cold=c < 4,
                    approved=True,
                    present=True,
                    door="closed",
                    occupied=order is not None,
                    temp_c=4.0 if c < 4 else None,
                    last_seq=90,
                    state_at=self.ago(0.5),
                    order_id=order["id"] if order else None,
                    order_reference=order["reference"] if order else None,
                    deposited_at=self.ago(1) if order else None,
                )
        for n in range(max(20, self.size.orders // 10)):
            at = self.ago(rng.uniform(0, 365))
            self.add(
                "locker_events",
                id=None,
                locker_id=rng.choice(locker_ids),
                event_id=f"ev-{cid}-{n}",
                type=rng.choice(("deposit", "pickup", "door")),
                comp="A01",
                seq=n,
                sent_at=at,
                received_at=at,
                order_reference="",
                outcome="ok",
                detail="",
            )
        for n in range(8):
            self.add(
                "locker_alarms",
                id=None,
                locker_id=locker_ids[n % 2],
                community_id=cid,
                kind=("door", "temp", "fault", "offline")[n % 4],
                comp=f"A0{n + 1}",
                detail="",
                temp_c=None,
                count=1,
                raised_at=self.ago(n),
                last_at=self.ago(n),
                resolved_at=None if n < 3 else self.ago(n - 0.5),
                resolved_by_id=None,
            )
        for n in range(3):
            self.add(
                "pickup_announcements",
                id=None,
                pickup_point_id=point,
                text=f"公告 {n + 1}：今天下午到货。",
                created_by_id=self.personas["admin"][0],
                created_at=self.ago(n),
                expires_at=None,
            )
        kiosk_user, _m, _b = self.person(Role.KIOSK, MembershipStatus.ACTIVE, device=True)
        self.add(
            "kiosk_devices",
            user_id=kiosk_user,
            pickup_point_id=point,
            created_by_id=self.personas["admin"][0],
            created_at=self.ago(300),
        )
        self.personas["kiosk"] = (kiosk_user, None, None)
        self.world_ids["locker"] = locker_ids[0]
        self.world_ids["locker_point"] = point
