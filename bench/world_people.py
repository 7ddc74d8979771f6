"""bench.world's builder, the people: the community, its buildings, residents and their roles, applications,
invitations, profiles with tags and visibilities, purchase hints, contact requests."""

from datetime import timedelta

import sqlalchemy as sa

# A page of a paged list (most hold 20). Even the SMALL world fills one wherever a page lists
# something, so that small and large render the same rows: their ratio measures what the data's
# growth costs, not a fuller page.
PAGE = 20

SKILLS = [
    "会修家电", "电脑维修", "修水管", "育儿经验", "照护老人", "英语辅导", "做饭", "理发", "摄影", "开车",
    "钢琴", "书法教学", "编程", "数学辅导", "急救", "按摩", "缝纫", "木工", "养猫", "园艺",
]
INTERESTS = [
    "烘焙", "园艺", "宠物", "跑步", "读书", "广场舞", "钓鱼", "书法", "手工", "亲子",
    "羽毛球", "乒乓球", "太极", "摄影", "旅行", "电影", "下棋", "唱歌", "骑行", "美食",
]
BODIES = [
    "大家好，我是新搬来的邻居，请多关照！",
    "周末有人一起去菜场吗？顺便拼个车。",
    "<b>失物招领</b>：3栋楼下捡到一把钥匙，请到物业领取。",
    "小区东门的路灯坏了，已经报修，大家晚上注意安全。",
    "有没有邻居会修洗衣机？不脱水了，求推荐。",
    "今天的桃子很甜，团长辛苦了！\n下次还来。",
    "孩子的旧自行车免费送，先到先得。",
    "楼道里请不要堆放杂物，谢谢配合。",
]


class PeopleRows:
    """Rows of the community and its people (a part of bench.world.Builder)."""

    # --- the community and its people ------------------------------------------------------

    def community(self) -> None:
        from portal.community.models import MembershipStatus, Role

        size, rng = self.size, self.rng
        cid = self.new_id("communities")
        self.community_id = cid
        self.add(
            "communities",
            id=cid,
            name=f"基准小区 {cid}",
            city="南京",
            address=f"栖霞区 仙林大道 {cid} 号",
            accepts_applications=True,
            created_at=self.ago(400),
        )
        self.units = []  # (building id, unit id)
        for b in range(max(6, min(40, size.residents // 250))):
            bid = self.add("buildings", id=None, community_id=cid, name=f"{b + 1}栋", sort_key=b)["id"]
            for u in range(3):
                uid = self.add("units", id=None, building_id=bid, name=f"{u + 1}单元", sort_key=u)["id"]
                self.units.append((bid, uid))
        self.members = []  # (user id, membership id, building id)
        self.personas = {}
        plan = [
            ("admin", Role.RESIDENT | Role.ADMIN),
            ("leader", Role.RESIDENT | Role.LEADER),
            ("leader2", Role.RESIDENT | Role.LEADER),
            ("volunteer", Role.RESIDENT | Role.VOLUNTEER),
            ("resident", Role.RESIDENT),
        ]
        plan += [(None, Role.RESIDENT)] * (size.residents - len(plan))
        for persona, roles in plan:
            user_id, membership_id, building_id = self.person(roles, MembershipStatus.ACTIVE)
            self.members.append((user_id, membership_id, building_id))
            if persona:
                self.personas[persona] = (user_id, membership_id, building_id)
        self.member_index = {m[0]: m for m in self.members}
        memberships = {row["id"]: row for row in self.rows["memberships"]}
        self.invited = []  # (invitee membership id, inviter user id): the invitation chain
        for user_id, membership_id, _b in self.members[5:]:
            if self.rng.random() < 0.1:
                inviter = self.rng.choice(self.members[:50])[0]
                if inviter != user_id:
                    memberships[membership_id]["invited_by_id"] = inviter
                    self.invited.append((membership_id, inviter))
        for _ in range(max(PAGE, size.residents // 100)):  # applications waiting for the admin
            user_id, membership_id, _b = self.person(Role.RESIDENT, MembershipStatus.PENDING, active=False)
            self.rows["memberships"][-1]["application_note"] = "我住在这里，请批准。"
        admin_user = self.personas["admin"][0]
        for n in range(max(3, size.residents // 50)):
            inviter = admin_user if n % 2 else rng.choice(self.members)[0]
            created = self.ago(rng.uniform(0, 300))
            self.add(
                "invites",
                id=None,
                token=f"bench-{cid}-{n}-{rng.getrandbits(64):016x}",
                community_id=cid,
                inviter_id=inviter,
                created_at=created,
                expires_at=created + timedelta(hours=72),
            )

    def person(self, roles, status, active: bool = True, device: bool = False) -> tuple[int, int, int | None]:
        user_id = self.new_id("users")
        bid, uid = self.rng.choice(self.units) if not device else (None, None)
        joined = self.ago(self.rng.uniform(1, 390))
        self.add(
            "users",
            id=user_id,
            phone=f"15{user_id:09d}",
            display_name=self.name(),
            password_hash=self.password_hash,
            locale=None,
            is_platform_admin=False,
            is_device=device,
            active_community_id=self.community_id if active else None,
            created_at=joined,
        )
        membership_id = self.new_id("memberships")
        self.add(
            "memberships",
            id=membership_id,
            user_id=user_id,
            community_id=self.community_id,
            building_id=bid,
            unit_id=uid,
            roles=roles,
            status=status,
            application_note="",
            created_at=joined,
            decided_at=joined if active else None,
        )
        return user_id, membership_id, bid

    def profiles(self) -> None:
        rng = self.rng
        tag_ids = {}
        for name in dict.fromkeys(SKILLS + INTERESTS):
            existing = self.db.session.execute(
                sa.text("SELECT id FROM neighbor_tags WHERE name = :n"), {"n": name}
            )
            found = existing.scalar()
            tag_ids[name] = found if found else self.add("neighbor_tags", id=None, name=name)["id"]
        levels = ("me", "building", "community", "community")
        self.profile_of = {}
        for user_id, membership_id, _bid in self.members:
            pid = self.add(
                "neighbor_profiles",
                id=None,
                membership_id=membership_id,
                user_id=user_id,
                community_id=self.community_id,
                avatar="",
                occupation=rng.choice(("", "教师", "工程师", "退休", "医生")),
                intro=rng.choice(BODIES[:2] + ["喜欢交朋友。", ""]),
                **{
                    f"{field}_visibility": rng.choice(levels)
                    for field in ("name", "avatar", "building", "occupation", "intro", "skills", "interests")
                },
                discoverable=rng.random() < 0.7,
                offers_experience=rng.random() < 0.2,
                wants_suggestions=rng.random() < 0.1,
                ambassador=rng.random() < 0.01,
                updated_at=self.ago(rng.uniform(0, 300)),
            )["id"]
            self.profile_of[user_id] = pid
            for kind, pool in (("skill", SKILLS), ("interest", INTERESTS)):
                for position, name in enumerate(rng.sample(pool, rng.randint(0, 3))):
                    self.add(
                        "neighbor_profile_tags",
                        profile_id=pid,
                        tag_id=tag_ids[name],
                        kind=kind,
                        position=position,
                    )
        self.tag_ids = tag_ids
        for persona in ("resident", "leader", "volunteer", "admin"):  # the people who look are listed
            row = next(r for r in self.rows["neighbor_profiles"] if r["user_id"] == self.personas[persona][0])
            row.update(
                discoverable=True,
                wants_suggestions=True,
                skills_visibility="community",
                interests_visibility="community",
                name_visibility="community",
            )
        # a few neighbours share the resident's 烘焙 and have the experience their orders suggest
        others = [
            r
            for r in self.rows["neighbor_profiles"]
            if r["user_id"] not in {p[0] for p in self.personas.values()}
        ]
        sharing = [
            self.profile_of[self.personas["resident"][0]],
            *(r["id"] for r in self.rng.sample(others, 3)),
        ]
        for row in self.rows["neighbor_profiles"]:
            if row["id"] in sharing[1:]:
                row.update(
                    discoverable=True,
                    offers_experience=True,
                    skills_visibility="community",
                    interests_visibility="community",
                )
        have = {(t["profile_id"], t["tag_id"], t["kind"]) for t in self.rows["neighbor_profile_tags"]}
        for profile_id in sharing:
            for name, kind in (("烘焙", "interest"), ("育儿经验", "skill")):
                if (profile_id, tag_ids[name], kind) not in have:
                    self.add(
                        "neighbor_profile_tags",
                        profile_id=profile_id,
                        tag_id=tag_ids[name],
                        kind=kind,
                        position=9,
                    )
        resident = self.personas["resident"][1]
        for topic in ("parenting", "pets"):  # what the resident's orders suggested
            self.add(
                "neighbor_purchase_hints",
                id=None,
                membership_id=resident,
                topic=topic,
                count=3,
                last_at=self.ago(2),
            )
        for _user, membership_id, _b in rng.sample(self.members, max(2, len(self.members) // 20)):
            if membership_id == resident:
                continue
            self.add(
                "neighbor_purchase_hints",
                id=None,
                membership_id=membership_id,
                topic="parenting",
                count=2,
                last_at=self.ago(rng.uniform(0, 60)),
            )
        self.contacts()

    def contacts(self) -> None:
        rng, cid = self.rng, self.community_id
        resident = self.personas["resident"][1]
        memberships = [m[1] for m in self.members]
        pairs = set()
        for n in range(max(2 * PAGE, self.size.residents // 2)):
            a, b = rng.sample(memberships, 2)
            if n < max(PAGE, self.size.residents // 20):  # the resident's own requests, both ways
                a, b = (resident, b) if n % 2 else (a, resident)
                if a == b:
                    continue
            if (a, b) in pairs:
                continue
            pairs.add((a, b))
            status = rng.choice(("pending", "accepted", "accepted", "declined"))
            created = self.ago(rng.uniform(0, 200))
            self.add(
                "neighbor_contacts",
                id=None,
                community_id=cid,
                from_membership_id=a,
                to_membership_id=b,
                message="你好，想认识一下。",
                from_shares_phone=rng.random() < 0.5,
                to_shares_phone=rng.random() < 0.5,
                status=status,
                created_at=created,
                decided_at=None if status == "pending" else created + timedelta(hours=5),
            )
