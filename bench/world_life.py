"""bench.world's builder, community life: boards with posts and replies, skills, help needs,
mutual-aid groups, reports and the moderation log, events with signups, the points ledger with
its balances, notifications."""

from datetime import timedelta

from bench.world_people import BODIES, INTERESTS, PAGE, SKILLS


def _utc(dt):
    return dt.replace(microsecond=0)


GROUPS = [
    ("老人照护", "👵"),
    ("宠物互助", "🐱"),
    ("宝妈互助", "🍼"),
    ("园艺小组", "🌱"),
    ("跑步小组", "🏃"),
    ("读书会", "📚"),
]


class LifeRows:
    """Rows of what neighbours do together (a part of bench.world.Builder)."""

    # --- boards, moderation ----------------------------------------------------------------

    def boards(self) -> None:
        from portal.moderation.richtext import clean_html

        size, rng, cid = self.size, self.rng, self.community_id
        html = {body: clean_html(body) for body in BODIES}
        admin, resident = self.personas["admin"][0], self.personas["resident"][0]
        groups = []
        for n, (name, icon) in enumerate(GROUPS):
            gid = self.add(
                "aid_groups",
                id=None,
                community_id=cid,
                name=name,
                description=f"{name}：邻里互相帮忙。",
                icon=icon,
                created_by_id=admin,
                created_at=self.ago(380),
            )["id"]
            want = size.group_members if n == 0 else rng.randint(3, max(4, size.group_members // 5))
            members = rng.sample([m[0] for m in self.members], min(want, len(self.members)))
            if resident not in members:
                members[-1] = resident
            for user_id in members:
                self.add(
                    "aid_group_members",
                    group_id=gid,
                    user_id=user_id,
                    joined_at=self.ago(rng.uniform(0, 300)),
                )
            groups.append((gid, members))
        self.world_ids["group"] = groups[0][0]
        topics = []
        for n in range(5):
            topics.append(
                self.add(
                    "board_topics",
                    id=None,
                    community_id=cid,
                    title=f"本周话题 {n + 1}",
                    prompt="聊聊你的看法",
                    created_by_id=admin,
                    pinned_until=(self.now + timedelta(days=5)).date() if n == 0 else None,
                    created_at=self.ago(7 * n + 1),
                )["id"]
            )
        authors = [m[0] for m in self.members]
        tops = []
        for n in range(size.posts):
            created = self.ago(365 * (size.posts - n) / size.posts)
            status = rng.choices(("visible", "pending", "hidden"), (97, 2, 1))[0]
            if PAGE <= n < 3 * PAGE:  # the moderators' queues hold a page each, whatever the size
                status = "pending" if n % 2 else "hidden"
            body = rng.choice(BODIES)
            reply_to = rng.choice(tops[-200:]) if tops and n % 5 in (1, 3) else None
            board, group_id, author = ("chat", None, rng.choice(authors))
            if reply_to is not None:
                board, group_id = reply_to["board"], reply_to["group_id"]
                if group_id:
                    author = rng.choice(next(m for g, m in groups if g == group_id))
            else:
                board = rng.choices(("chat", "newcomers", "group"), (60, 15, 25))[0]
                if board == "group":
                    gid, members = groups[0] if rng.random() < 0.5 else rng.choice(groups)
                    group_id, author = gid, rng.choice(members)
            if n == size.posts - 1:
                author, status, reply_to, board, group_id = resident, "visible", None, "chat", None
            row = self.add(
                "board_posts",
                **self.written(author, created, status),
                board=board,
                group_id=group_id,
                topic_id=rng.choice(topics)
                if board == "chat" and reply_to is None and rng.random() < 0.2
                else None,
                parent_id=reply_to["id"] if reply_to else None,
                title="" if reply_to else body[:20].replace("<b>", "").replace("</b>", ""),
                body=body,
                body_html=html[body],
                reply_count=0,
                last_activity_at=created,
            )
            if reply_to is not None:
                if status == "visible":
                    reply_to["reply_count"] += 1
                reply_to["last_activity_at"] = created
            else:
                tops.append(row)
                if rng.random() < 0.3:
                    for tag in rng.sample(INTERESTS, 2):
                        self.add("board_post_tags", item_id=row["id"], tag_id=self.tag_ids[tag])
        popular = max(  # a chat post under a topic, with the most replies
            (p for p in tops if p["status"] == "visible" and p["board"] == "chat" and p["topic_id"]),
            key=lambda p: p["reply_count"],
        )
        self.world_ids["post"] = popular["id"]
        self.skills_and_help()
        self.moderation()

    def skills_and_help(self) -> None:
        size, rng, cid = self.size, self.rng, self.community_id
        authors = [m[0] for m in self.members]
        for n in range(max(PAGE, size.posts // 20)):
            author = rng.choice(authors)
            kind = rng.choice(("offer", "request"))
            listing = self.add(
                "skill_listings",
                **self.written(author, self.ago(rng.uniform(0, 365))),
                kind=kind,
                title=f"{rng.choice(SKILLS)} {'可以教' if kind == 'offer' else '求助'}",
                body="时间灵活，周末也可以。",
                body_html="时间灵活，周末也可以。",
                points=rng.choice((0, 10, 20)),
                open=rng.random() < 0.7,
            )["id"]
            self.add("skill_listing_tags", item_id=listing, tag_id=self.tag_ids[rng.choice(SKILLS)])
            if n % 3 == 0:
                other = rng.choice(authors)
                if other != author:
                    helper, requester = (author, other) if kind == "offer" else (other, author)
                    self.add(
                        "skill_exchanges",
                        id=None,
                        community_id=cid,
                        listing_id=listing,
                        responder_id=other,
                        helper_id=helper,
                        requester_id=requester,
                        message="我可以",
                        points=0,
                        state=rng.choice(("proposed", "completed", "declined")),
                        created_at=self.ago(rng.uniform(0, 300)),
                    )
        for n in range(max(2 * PAGE, size.posts // 40)):
            author = rng.choice(authors)
            days = rng.randint(1, 30) if n % 2 == 0 else rng.randint(-300, -1)  # half still to come
            needed = (self.now + timedelta(days=days)).date()
            need = self.add(
                "help_needs",
                **self.written(author, self.ago(rng.uniform(0, 365))),
                what="帮忙搬一下柜子",
                details="周六上午，大概一小时。",
                details_html="周六上午，大概一小时。",
                needed_on=needed,
                time_note="上午",
                place="5栋",
                bounty=0,
                state="open" if needed >= self.now.date() else "completed",
            )["id"]
            for helper in rng.sample(authors, 2):
                if helper != author:
                    self.add(
                        "help_offers",
                        id=None,
                        community_id=cid,
                        need_id=need,
                        helper_id=helper,
                        message="我来",
                        state="offered",
                        created_at=self.ago(rng.uniform(0, 300)),
                    )

    def moderation(self) -> None:
        rng, cid = self.rng, self.community_id
        admin = self.personas["admin"][0]
        reporters = [m[0] for m in self.members]
        for post in self.rows["board_posts"]:
            if post["status"] == "hidden":
                for reporter in rng.sample(reporters, 3):
                    self.add(
                        "mod_reports",
                        id=None,
                        community_id=cid,
                        kind="post",
                        item_id=post["id"],
                        reporter_id=reporter,
                        reason="spam",
                        note="",
                        created_at=post["created_at"],
                        resolved_at=None,
                    )
                self.add(
                    "mod_audit_log",
                    id=None,
                    community_id=cid,
                    actor_id=None,
                    action="auto_hide",
                    kind="post",
                    item_id=post["id"],
                    target_user_id=post["author_id"],
                    note="",
                    created_at=post["created_at"],
                )
        for _ in range(max(10, self.size.posts // 20)):
            post = rng.choice(self.rows["board_posts"])
            self.add(
                "mod_audit_log",
                id=None,
                community_id=cid,
                actor_id=admin,
                action="approve",
                kind="post",
                item_id=post["id"],
                target_user_id=post["author_id"],
                note="",
                created_at=self.ago(rng.uniform(0, 365)),
            )
        trusted = {p["author_id"] for p in self.rows["board_posts"] if p["status"] == "visible"}
        for user_id in sorted(trusted):
            self.add("mod_trust", user_id=user_id, community_id=cid, approved_at=self.ago(300))

    # --- events ----------------------------------------------------------------------------

    def events(self) -> None:
        size, rng, cid = self.size, self.rng, self.community_id
        admin, resident = self.personas["admin"][0], self.personas["resident"][0]
        users = [m[0] for m in self.members]
        per_event = (size.signups - size.big_buy) / max(size.events - 1, 1)
        for n in range(size.events):
            big = n == size.events - 1
            starts = self.now + timedelta(days=3) if big else self.ago(365 - 395 * n / size.events)
            starts = _utc(starts.replace(minute=0, second=0))
            want = (
                size.big_buy if big else max(1, min(len(users), round(rng.gauss(per_event, per_event / 4))))
            )
            people = rng.sample(users, min(want, len(users)))
            if big:  # the resident has a seat at the big event
                people = [resident] + [p for p in people if p != resident][: want - 1]
            elif resident not in people and rng.random() < 0.3:
                people[0] = resident
            places = [rng.choice((1, 1, 2)) for _ in people]
            capacity = max(1, sum(places) * 3 // 4) if big else max(1, sum(places) + rng.randint(-5, 10))
            event_id = self.new_id("events")
            past = starts < self.now
            taken = 0
            for user_id, want_places in zip(people, places, strict=True):
                last = user_id == people[-1]  # the big event has a cancelled signup whatever its size
                if (rng.random() < 0.08 and not (big and user_id == resident)) or (big and last):
                    status = "cancelled"
                elif taken + want_places <= capacity:
                    status, taken = "confirmed", taken + want_places
                else:
                    status = "expired" if past else "waitlisted"
                signed = starts - timedelta(days=rng.uniform(1, 10))
                self.add(
                    "event_signups",
                    id=None,
                    event_id=event_id,
                    community_id=cid,
                    user_id=user_id,
                    places=want_places,
                    status=status,
                    points_paid=0,
                    created_at=signed,
                    promoted_at=None,
                    cancelled_at=signed + timedelta(hours=3) if status == "cancelled" else None,
                    checked_in_at=starts if past and status == "confirmed" and rng.random() < 0.7 else None,
                    checked_in_by_id=admin if past else None,
                    reminded_at=None,
                )
            self.add(
                "events",
                id=event_id,
                community_id=cid,
                kind="help_day" if n % 10 == 3 else "event",
                title=f"社区活动 第{n + 1}场" if not big else "中秋游园会",
                description="欢迎邻居们参加。",
                photo="",
                place="小区会所",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                signup_deadline=None,
                capacity=capacity,
                places_taken=taken,
                max_companions=2,
                audience="community",
                building_id=None,
                group_id=None,
                points_cost=0,
                status="open",
                sequence=0,
                created_by_id=admin,
                created_at=starts - timedelta(days=14),
                updated_at=starts - timedelta(days=14),
            )
            if big:
                self.world_ids["big_event"] = event_id
        self.world_ids["event"] = (
            self.rows["events"][-2]["id"] if size.events > 1 else self.world_ids["big_event"]
        )

    # --- points ----------------------------------------------------------------------------

    def ledger(self) -> None:
        size, rng, cid = self.size, self.rng, self.community_id
        users = [m[0] for m in self.members]
        weights = {self.personas[p][0]: 0.01 * len(users) for p in ("resident", "leader", "volunteer")}
        owners = rng.choices(users, [weights.get(u, 1.0) for u in users], k=size.ledger)
        items = []
        for n in range(8):
            items.append(
                self.add(
                    "points_catalogue",
                    id=None,
                    community_id=cid,
                    title=f"兑换券 {n + 1}",
                    kind="coupon",
                    provider="东门便利店",
                    description="凭码使用",
                    cost=20 + 10 * n,
                    stock=None,
                    active=n < 6,
                    check_token=f"bench-{cid}-{n}-{rng.getrandbits(64):016x}",
                    created_at=self.ago(300),
                )["id"]
            )
        balances: dict[int, int] = {}
        start = self.ago(365)
        for n, (invitee, inviter) in enumerate(self.invited):  # half the invitees ordered: rewarded
            if n % 2 == 0:
                balances[inviter] = balances.get(inviter, 0) + 50
                self.add(
                    "points_entries",
                    id=None,
                    user_id=inviter,
                    community_id=cid,
                    amount=50,
                    reason="invite",
                    ref_type="membership",
                    ref_id=invitee,
                    note="",
                    once_key=f"invite:{invitee}",
                    created_at=self.ago(300 - n % 300),
                )
        for n, user_id in enumerate(owners):
            at = start + timedelta(days=365 * n / size.ledger)
            have = balances.get(user_id)
            if have is None:
                amount, reason, ref = 20, "welcome", (None, None)
            elif have >= 30 and rng.random() < 0.2:
                amount, reason = -rng.choice((20, 30)), "redeem"
                redemption = self.add(
                    "points_redemptions",
                    id=None,
                    community_id=cid,
                    item_id=rng.choice(items),
                    user_id=user_id,
                    code=f"R{cid:03d}{n:08d}",
                    cost=-amount,
                    created_at=at,
                    used_at=at + timedelta(days=1) if rng.random() < 0.5 else None,
                )
                ref = ("redemption", redemption["id"])
            else:
                amount, reason = rng.choice(
                    ((10, "event_attended"), (10, "help"), (5, "gift_received"), (5, "review"))
                )
                ref = (None, None)
            balances[user_id] = (have or 0) + amount
            self.add(
                "points_entries",
                id=None,
                user_id=user_id,
                community_id=cid,
                amount=amount,
                reason=reason,
                ref_type=ref[0],
                ref_id=ref[1],
                note="",
                once_key=None,
                created_at=at,
            )
        resident = self.personas["resident"][0]
        if balances.get(resident, 0) >= 20 and not any(
            r["user_id"] == resident for r in self.rows.get("points_redemptions", [])
        ):  # the resident has a code to show, whatever the size
            redemption = self.add("points_redemptions", id=None, community_id=cid, item_id=items[0],
                                  user_id=resident, code=f"R{cid:03d}X{resident:07d}", cost=20,
                                  created_at=self.ago(1), used_at=None)  # fmt: skip
            balances[resident] -= 20
            self.add("points_entries", id=None, user_id=resident, community_id=cid, amount=-20,
                     reason="redeem", ref_type="redemption", ref_id=redemption["id"], note="",
                     once_key=None, created_at=self.ago(1))  # fmt: skip
        for user_id, total in balances.items():
            self.add("points_balances", user_id=user_id, community_id=cid, balance=total)
        today = self.now.date()
        self.add(
            "points_campaigns",
            id=None,
            community_id=cid,
            name="邻里介绍月",
            reason="invite",
            multiplier_pct=200,
            starts_on=today - timedelta(days=3),
            ends_on=today + timedelta(days=20),
            created_by_id=self.personas["admin"][0],
            created_at=self.ago(3),
        )
        for user_id in rng.sample(users, min(len(users), max(PAGE, len(users) // 50))):
            self.add(
                "points_badges",
                id=None,
                user_id=user_id,
                community_id=cid,
                badge="helpful_neighbour",
                awarded_by_id=None,
                awarded_at=self.ago(rng.uniform(0, 200)),
            )
        self.add(
            "points_badge_progress",
            user_id=self.personas["leader"][0],
            community_id=cid,
            badge="gold_leader",
            count=min(99, size.orders // 10),
        )

    # --- notifications ---------------------------------------------------------------------

    def notifications(self) -> None:
        size, rng, cid = self.size, self.rng, self.community_id
        users = [m[0] for m in self.members]
        weights = {self.personas[p][0]: 0.02 * len(users) for p in ("resident", "leader", "admin")}
        owners = rng.choices(users, [weights.get(u, 1.0) for u in users], k=size.notifications)
        buys = self.buy_rows
        start = self.ago(365)
        for n, user_id in enumerate(owners):
            buy = buys[n * len(buys) // len(owners)]
            at = start + timedelta(days=365 * n / size.notifications)
            self.add(
                "notifications",
                id=None,
                user_id=user_id,
                community_id=cid,
                kind="pickup_collected",
                params={"ref": f"GB{buy['id']}-0001", "title": buy["title"]},
                link=f"/groupbuy/{buy['id']}",
                created_at=at,
                read_at=at + timedelta(hours=2) if rng.random() < 0.8 else None,
            )
