"""Demo data for neighbours, boards, points and moderation (called from portal.demo.seed_demo).

Residents with tags and privacy choices, posts on every board, a finished skill exchange,
an open help need, points history, catalogue and campaign — in the words of the seeds.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role
from portal.core import localtime
from portal.core.db import db, utcnow

EXTRA_PEOPLE = [
    # phone, name, building, unit
    ("13800000010", "退休电工 老赵", "3栋", "2单元"),
    ("13800000011", "宝妈 陈女士", "2栋", "1单元"),
]

PROFILES = {
    # phone: (occupation, intro, skills, interests, visibility per field, discoverable, experienced, wants)
    "13800000004": (
        "退休教师",
        "在小区住了十年, 喜欢种花, 欢迎交流园艺。孙子上幼儿园, 带娃有点心得。",
        ["育儿经验", "做饭"],
        ["园艺", "广场舞"],
        {
            "name": "community",
            "building": "community",
            "occupation": "building",
            "intro": "community",
            "skills": "community",
            "interests": "community",
            "avatar": "me",
        },
        True,
        True,
        False,
    ),
    "13800000005": (
        "IT 工程师",
        "周末有空, 电脑、路由器的问题可以找我。",
        ["电脑维修", "英语辅导"],
        ["跑步", "读书"],
        {
            "name": "building",
            "building": "community",
            "occupation": "community",
            "intro": "community",
            "skills": "community",
            "interests": "building",
            "avatar": "me",
        },
        True,
        False,
        False,
    ),
    "13800000006": (
        "",
        "我是新搬来的, 喜欢烘焙和种花, 请多关照!",
        ["英语辅导"],
        ["烘焙", "园艺"],
        {
            "name": "community",
            "building": "building",
            "occupation": "me",
            "intro": "community",
            "skills": "me",
            "interests": "community",
            "avatar": "me",
        },
        True,
        False,
        True,
    ),
    "13800000002": (
        "社区团长",
        "3 栋自提点的团长, 每周二、五有新鲜蔬菜团。",
        ["团购"],
        ["烘焙", "美食"],
        {
            "name": "community",
            "building": "community",
            "occupation": "community",
            "intro": "community",
            "skills": "community",
            "interests": "community",
            "avatar": "me",
        },
        True,
        False,
        False,
    ),
    "13800000003": (
        "社区志愿者",
        "邻里大使, 新邻居有事尽管问我。",
        ["摄影"],
        ["跑步"],
        {
            "name": "community",
            "building": "community",
            "occupation": "community",
            "intro": "community",
            "skills": "community",
            "interests": "community",
            "avatar": "me",
        },
        True,
        False,
        False,
    ),
    "13800000010": (
        "退休电工",
        "干了三十年电工, 家电、水管小毛病都能修。",
        ["会修家电", "修水管"],
        ["钓鱼"],
        {
            "name": "community",
            "building": "community",
            "occupation": "community",
            "intro": "community",
            "skills": "community",
            "interests": "building",
            "avatar": "me",
        },
        True,
        True,
        False,
    ),
    "13800000011": (
        "",
        "二宝妈妈, 有很多宝宝用品可以分享。",
        ["育儿经验"],
        ["亲子"],
        {
            "name": "building",
            "building": "building",
            "occupation": "me",
            "intro": "community",
            "skills": "community",
            "interests": "community",
            "avatar": "me",
        },
        True,
        True,
        False,
    ),
}


def _extra_people(community, people: dict) -> None:
    from portal.accounts.services import hash_password
    from portal.demo import DEMO_PASSWORD

    units = {(b.name, u.name): u for b in community.buildings for u in b.units}
    password_hash = None
    for phone, name, building, unit in EXTRA_PEOPLE:
        if phone in people:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(
            phone=phone, display_name=name, password_hash=password_hash, active_community_id=community.id
        )
        db.session.add(user)
        db.session.flush()
        place = units[(building, unit)]
        db.session.add(
            Membership(
                user_id=user.id,
                community_id=community.id,
                roles=Role.RESIDENT,
                status=MembershipStatus.ACTIVE,
                building_id=place.building_id,
                unit_id=place.id,
                decided_at=utcnow() - timedelta(days=200),
            )
        )
        people[phone] = user
    db.session.flush()


def seed(community, people: dict) -> None:
    """Fill the demo community (people: phone → User). Runs once, inside seed_demo's transaction."""
    with current_app.test_request_context("/"):
        _seed(community, dict(people))


def _seed(community, people: dict) -> None:
    from portal.boards.services import groups as boards_groups
    from portal.boards.services import help as boards_help
    from portal.boards.services import posts as boards_posts
    from portal.boards.services import skills as boards_skills
    from portal.moderation.services import act, report, trust
    from portal.neighbors.services import note_purchase, set_ambassador, update_profile
    from portal.points import badges, catalogue
    from portal.points import services as points

    _extra_people(community, people)
    members = {
        m.user.phone: m
        for m in db.session.scalars(sa.select(Membership).where(Membership.community_id == community.id))
    }
    m = members.get
    admin, leader, volunteer = m("13800000001"), m("13800000002"), m("13800000003")
    wang, zhang, liu, zhao, chen = (
        m(p) for p in ("13800000004", "13800000005", "13800000006", "13800000010", "13800000011")
    )
    liu.decided_at = utcnow() - timedelta(days=3)  # a newcomer

    for phone, (occupation, intro, skills, interests, vis, listed, experienced, wants) in PROFILES.items():
        member = m(phone)
        update_profile(
            member,
            display_name=member.user.display_name,
            occupation=occupation,
            intro=intro,
            skills=skills,
            interests=interests,
            visibility=vis,
            discoverable=listed,
            offers_experience=experienced,
            wants_suggestions=wants,
        )
    note_purchase(liu.user_id, community.id, "宝宝辅食 有机米粉")  # 刘女士 asked for suggestions
    set_ambassador(admin, zhao, True)

    for member in (admin, leader, volunteer, wang, zhang, zhao, chen):
        trust(member.user_id, community.id)  # long-time members; 刘女士 is new: her posts wait
        points.award(member.user_id, community.id, 100, "welcome")
    points.award(liu.user_id, community.id, 50, "welcome")

    # chat: a topic of the week, posts and replies
    topic = boards_posts.create_topic(
        volunteer, "本周最佳菜谱分享", "这周你做了什么拿手菜? 晒晒做法, 下周团购一起买食材!"
    )
    recipe = boards_posts.create_post(
        wang,
        "chat",
        "红烧肉的秘诀",
        "冰糖炒色, 小火慢炖一个小时。<b>一定要用五花肉</b>。",
        ["美食", "做饭"],
        topic,
    )
    boards_posts.reply(leader, recipe, "周五的团购有五花肉, 大家可以一起订!")
    boards_posts.reply(zhang, recipe, "学到了, 周末试试。")
    green = boards_posts.create_post(
        zhang, "chat", "小区绿化建议", "3 栋和 5 栋之间的草坪能不能种些果树? 欢迎大家提建议。", ["绿化"]
    )
    boards_posts.reply(wang, green, "我可以帮忙照看, 种花我在行。")
    boards_posts.create_post(
        leader, "chat", "周二蔬菜团今晚截单", "本地农场早上四点采摘, 下午五点到 3 栋自提点。", ["团购"]
    )

    # newcomers: 刘女士 says hello (waits for approval: she is new), approved, welcomed by the ambassador
    hello = boards_posts.create_post(
        liu, "newcomers", "", "大家好, 我是 8 栋新搬来的刘女士, 喜欢烘焙, 请多关照!", ["新邻居"]
    )
    boards_posts.create_post(
        liu, "chat", "求推荐靠谱的家政阿姨", "刚搬来, 想找每周打扫一次的阿姨。", ["家政"]
    )  # waits
    act(volunteer, "post", hello, "approve", "欢迎新邻居")
    boards_posts.reply(volunteer, hello, "欢迎欢迎! 我是邻里大使小陈, 周六有烘焙分享会, 一起来吧。")
    boards_posts.reply(zhao, hello, "欢迎! 家里电器有问题找我。")

    # skill exchange: 老赵 offers repairs; 王阿姨 had her fan fixed (finished, points moved)
    repairs = boards_skills.create_listing(
        zhao, "offer", "上门修小家电、换灯泡", "电风扇、电饭煲、台灯都行, 工具自带。", ["会修家电"], 10
    )
    done = boards_skills.respond(wang, repairs, "我家电风扇不转了, 麻烦您看看。")
    boards_skills.agree(zhao, done)
    boards_skills.confirm(wang, done)
    boards_skills.confirm(zhao, done)
    boards_skills.respond(zhang, repairs, "路由器旁边的插座松了, 能帮忙吗?")
    boards_skills.create_listing(
        liu, "request", "谁能教我做面包?", "想学做全麦面包, 可以用积分感谢。", ["烘焙"], 5
    )
    boards_skills.create_listing(zhang, "offer", "周末英语辅导", "小学英语, 每次一小时。", ["英语辅导"], 15)

    # help days: an open need with an offer; a completed one in the history
    today = localtime.today()
    need = boards_help.create_need(
        wang,
        "需要临时看孩子",
        "下午要去医院复查, 孙子 5 岁, 很乖。",
        today + timedelta(days=2),
        "14:00–16:00",
        "3栋2单元",
        20,
        ["看孩子"],
    )
    boards_help.offer_help(chen, need, "我在家带二宝, 可以一起看。")
    boards_help.create_need(
        zhang,
        "帮忙搬一张书桌",
        "从 6 栋搬到 1 栋, 两个人就够。",
        today + timedelta(days=5),
        "周六上午",
        "6栋楼下",
        0,
        ["搬家"],
    )
    moved = boards_help.create_need(
        leader,
        "帮忙分拣团购蔬菜",
        "周二下午到货, 需要两位邻居帮忙分拣。",
        today,
        "15:00",
        "3栋自提点",
        10,
        ["团购"],
    )
    boards_help.accept_offer(leader, boards_help.offer_help(zhao, moved, "我来帮忙。"))
    boards_help.complete_need(leader, moved)

    # groups
    elders = boards_groups.create_group(
        volunteer, "老人照护群", "互相照应家里的老人: 陪诊、代买药、聊天。", "👵"
    )
    pets = boards_groups.create_group(volunteer, "宠物互助群", "出差时帮忙喂猫遛狗, 交流养宠经验。", "🐾")
    for member in (wang, chen):
        boards_groups.join_group(member, elders)
    for member in (zhang, liu):
        boards_groups.join_group(member, pets)
    boards_posts.create_post(wang, "group", "", "下周三谁陪我去社区医院量血压?", [], group=elders)
    boards_posts.create_post(zhang, "group", "", "国庆出差三天, 求帮忙喂猫, 有积分感谢。", [], group=pets)

    # moderation: a spammy post two residents reported (one more report hides it)
    spam = boards_posts.create_post(chen, "chat", "低价代购", "加我微信, 全网最低价!", [])
    report(wang, "post", spam, "spam")
    report(zhang, "post", spam, "spam", "广告")

    # points: catalogue, a campaign, a gift, a redemption, badges
    cleaning = catalogue.create_item(
        community.id,
        title="家政保洁 2 小时",
        kind="service",
        provider="安心家政",
        description="预约后上门, 自带工具。",
        cost=200,
    )
    catalogue.create_item(
        community.id,
        title="家电维修上门费全免",
        kind="service",
        provider="老赵维修",
        description="只收配件费。",
        cost=80,
        stock=20,
    )
    catalogue.create_item(
        community.id,
        title="团购满 50 减 5 元券",
        kind="coupon",
        provider="3 栋自提点",
        description="下单时出示券码。",
        cost=50,
        stock=100,
    )
    first = today.replace(day=1)
    points.create_campaign(
        community.id, "邻里介绍月", "invite", 2, first, first + timedelta(days=30), admin.user_id
    )
    points.transfer(
        zhang.user_id,
        zhao.user_id,
        community.id,
        10,
        "gift_sent",
        ("membership", zhao.id),
        note="谢谢修插座",
        received_reason="gift_received",
    )
    points.award(zhao.user_id, community.id, 150, "admin_grant", note="社区志愿服务")
    catalogue.redeem(zhao.user_id, cleaning)
    badges.grant_badge(leader.user_id, community.id, "gold_leader", admin.user_id)
    badges.grant_badge(zhao.user_id, community.id, "warm_neighbour", admin.user_id)
    db.session.flush()
