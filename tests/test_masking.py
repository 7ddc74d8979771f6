"""One masking rule: a name its owner keeps to herself shows as its first character and two stars,
the same on every surface — a buy's participants, the kiosk board, the directory, the boards —
and the mask says nothing of the name's length."""

import re

from portal.community.models import Role
from portal.core.db import db
from portal.core.masking import mask_name
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from portal.moderation.services import trust
from portal.neighbors.services import update_profile
from tests.groupbuy.helpers import make_buy, make_point, pass_deadline

NAME = "新搬来的刘女士"


def test_the_mask_hides_the_length():
    assert len(mask_name(NAME)) == len(mask_name("刘姐")) == len(mask_name("刘")) == 3
    assert mask_name(NAME) == "新**" and mask_name("王阿姨") == "王**" and mask_name("Zhang Wei") == "Z**"
    assert mask_name("") == "**" and mask_name("  刘 ") == "刘**"


def test_a_hidden_name_is_masked_alike_on_the_buy_page_the_kiosk_board_the_directory_and_the_boards(
    app, make, auth
):
    community = make.community(buildings="3栋: 1单元\n8栋: 2单元")
    point = make_point(community)
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    admin = make.member(community, make.user("物业 周经理"), roles=Role.RESIDENT | Role.ADMIN)
    liu = make.member(community, make.user(NAME), building_index=1)
    zhang = make.member(community, make.user("张先生"))
    with app.test_request_context("/"):
        update_profile(
            liu,
            display_name=NAME,
            occupation="",
            intro="",
            skills=["种花"],
            interests=[],
            visibility={"name": "me", "skills": "community"},  # her name only to herself
            discoverable=True,
            offers_experience=False,
            wants_suggestions=False,
        )
        trust(liu.user_id, community.id)
        db.session.commit()
    buy = make_buy(leader, [point], min_quantity=1)
    join_buy(liu.user, buy, 1, "新搬来的, 喜欢种花", point.id)
    db.session.commit()

    neighbour = auth.login(zhang.user)
    pages = {"buy": neighbour.get(f"/groupbuy/{buy.id}").get_data(as_text=True)}
    her = auth.login(liu.user)
    posted = her.post("/boards/chat", data={"title": "大家好", "body": "我刚搬来 8 栋"})
    assert posted.status_code == 303
    pages["boards"] = neighbour.get("/boards/chat").get_data(as_text=True)
    pages["directory"] = neighbour.get("/neighbors").get_data(as_text=True)
    pass_deadline(buy)
    close_buy(buy.id)
    mark_arrived(buy)
    db.session.commit()
    pages["kiosk"] = auth.login(admin.user).get(f"/kiosk/points/{point.id}").get_data(as_text=True)

    for surface, page in pages.items():
        assert "新**" in page, surface
        assert NAME not in page, (surface, page[max(0, page.find(NAME) - 300) : page.find(NAME) + 100])
        assert not re.search(r"新\*{3,}|新\*(?!\*)", page), surface  # two stars, never one per character
