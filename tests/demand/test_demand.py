"""The demand pool: +1s by household, merging, converting into a buy, states, moderation, CSV."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core import localtime
from portal.core.db import db
from portal.core.errors import DomainError
from portal.demand.models import Wish, WishState, WishVote
from portal.demand.services import (
    WishInput,
    conversion_url,
    decline,
    household_of,
    mark_planned,
    merge,
    plus_one,
    pool,
    post_wish,
    withdraw,
)
from portal.groupbuy.models import GroupBuy, Order
from portal.moderation.models import ContentStatus
from portal.moderation.services import act, report
from tests.groupbuy.helpers import make_buy, notifications


def wish_of(author, title="崇明大米", quantity=1, **fields) -> Wish:
    wish = post_wish(author, WishInput(title=title, quantity=quantity, **fields))
    db.session.commit()
    return wish


def counted(wish_id):
    """(household counter, quantity counter, +1 rows, their quantities) as committed."""
    db.session.commit()
    wish = db.session.get(Wish, wish_id)
    db.session.refresh(wish)
    rows = list(db.session.scalars(sa.select(WishVote).where(WishVote.wish_id == wish_id)))
    return wish.household_count, wish.quantity_total, len(rows), sum(v.quantity for v in rows)


# --- +1s ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_request")
def test_plus_one_twice_from_one_household_counts_once(world):
    wish = wish_of(world.zhang, quantity=2)
    assert counted(wish.id) == (1, 2, 1, 2)  # the author's household +1'd with the wish
    plus_one(world.wang, wish, 3)
    db.session.commit()
    assert counted(wish.id) == (2, 5, 2, 5)
    plus_one(world.wang, wish, 3)  # the same again
    db.session.commit()
    assert counted(wish.id) == (2, 5, 2, 5)
    plus_one(world.wang2, wish, 4)  # someone else of the same unit: the household's quantity changes
    db.session.commit()
    assert counted(wish.id) == (2, 6, 2, 6)
    vote = db.session.scalar(sa.select(WishVote).where(WishVote.household == household_of(world.wang)))
    assert vote.user_id == world.wang2.user_id and vote.quantity == 4
    withdraw(world.wang, wish)  # anyone of the household takes it back
    db.session.commit()
    assert counted(wish.id) == (1, 2, 1, 2)
    with pytest.raises(DomainError):
        withdraw(world.wang2, wish)


@pytest.mark.usefixtures("in_request")
def test_a_member_without_a_unit_is_their_own_household(world):
    wish = wish_of(world.zhang)
    world.wang.unit_id = None
    world.wang2.unit_id = None
    db.session.commit()
    assert household_of(world.wang) == f"p:{world.wang.user_id}"
    plus_one(world.wang, wish, 1)
    plus_one(world.wang2, wish, 1)
    db.session.commit()
    assert counted(wish.id) == (3, 3, 3, 3)


@pytest.mark.usefixtures("in_request")
def test_plus_one_refusals(world):
    wish = wish_of(world.zhang)
    for quantity in (0, -1, 1000, "3"):
        with pytest.raises(DomainError):
            plus_one(world.wang, wish, quantity)
        db.session.rollback()
    with pytest.raises(DomainError):
        plus_one(world.outsider, wish, 1)  # another community
    db.session.rollback()
    assert counted(wish.id) == (1, 1, 1, 1)


# --- states ------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_request")
def test_states_and_refusals(world):
    wish = wish_of(world.zhang)
    with pytest.raises(DomainError):
        mark_planned(world.wang, wish)  # residents do not decide
    db.session.rollback()
    mark_planned(world.leader, wish)
    db.session.commit()
    assert wish.state == WishState.PLANNED
    plus_one(world.wang, wish, 2)  # a planned wish still takes +1s
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        decline(world.leader, wish, "   ")
    assert refused.value.field == "reason"
    db.session.rollback()
    decline(world.admin, wish, "供应商不送这个小区")
    db.session.commit()
    assert wish.state == WishState.DECLINED and wish.decline_reason == "供应商不送这个小区"
    with pytest.raises(DomainError):
        plus_one(world.liu, wish, 1)
    db.session.rollback()
    with pytest.raises(DomainError):
        decline(world.leader, wish, "again")
    db.session.rollback()
    with pytest.raises(DomainError):
        conversion_url(world.leader, wish)
    db.session.rollback()
    assert counted(wish.id) == (2, 3, 2, 3)


@pytest.mark.usefixtures("in_request")
def test_a_converted_wish_cannot_be_plus_oned(world):
    wish = wish_of(world.zhang)
    make_buy(world.leader, [world.point], source=f"wish:{wish.id}")
    db.session.refresh(wish)
    assert wish.state == WishState.CONVERTED
    with pytest.raises(DomainError):
        plus_one(world.wang, wish, 1)
    db.session.rollback()
    with pytest.raises(DomainError):
        withdraw(world.zhang, wish)


@pytest.mark.usefixtures("in_request")
def test_expiry_is_derived_when_read(world):
    fresh = wish_of(world.zhang, "新鲜的")
    old = wish_of(world.liu, "过期的")
    planned = wish_of(world.wang, "计划中过期的")
    mark_planned(world.leader, planned)
    yesterday = localtime.today() - timedelta(days=1)
    db.session.execute(sa.update(Wish).where(Wish.id.in_([old.id, planned.id])).values(expires_on=yesterday))
    db.session.commit()
    db.session.refresh(old)
    assert old.state == WishState.OPEN and old.shown_state(localtime.today()) == "expired"
    assert [w.id for w in pool(world.wang, "open")] == [fresh.id]
    assert {w.id for w in pool(world.wang, "expired")} == {old.id, planned.id}
    with pytest.raises(DomainError):
        plus_one(world.wang, old, 1)
    db.session.rollback()
    with pytest.raises(DomainError):
        mark_planned(world.leader, old)


@pytest.mark.usefixtures("in_request")
def test_pool_sorted_by_households_then_quantity(world):
    a = wish_of(world.zhang, "A", quantity=1)
    b = wish_of(world.liu, "B", quantity=5)
    c = wish_of(world.wang, "C", quantity=1)
    plus_one(world.liu, c, 1)
    db.session.commit()
    assert [w.title for w in pool(world.zhang)] == ["C", "B", "A"]
    assert [w.title for w in pool(world.zhang, category="service")] == []
    assert {a.id, b.id, c.id} == {w.id for w in pool(world.zhang, category="fresh")}


# --- merging -----------------------------------------------------------------------------


@pytest.mark.usefixtures("in_request")
def test_a_merge_counts_each_household_once(world):
    target = wish_of(world.zhang, "崇明大米", quantity=2)  # 张: 2
    plus_one(world.wang, target, 1)  # 王 household: 1 on the target
    duplicate = wish_of(world.liu, "崇明的大米", quantity=3)  # 刘: 3 on the duplicate only
    plus_one(world.wang2, duplicate, 5)  # 王 household (another member): 5 on the duplicate
    plus_one(world.zhang, duplicate, 1)  # 张 household: 1 on the duplicate (less than 2)
    db.session.commit()
    assert counted(target.id) == (2, 3, 2, 3)
    assert counted(duplicate.id) == (3, 9, 3, 9)
    merge(world.leader, duplicate, target)
    db.session.commit()
    # 张 keeps 2 (the larger), 王 takes 5 (the larger), 刘 moves with 3: three households, 10
    assert counted(target.id) == (3, 10, 3, 10)
    assert counted(duplicate.id) == (0, 0, 0, 0)
    votes = dict(
        db.session.execute(
            sa.select(WishVote.household, WishVote.quantity).where(WishVote.wish_id == target.id)
        ).all()
    )
    assert votes == {household_of(world.zhang): 2, household_of(world.wang): 5, household_of(world.liu): 3}
    db.session.refresh(duplicate)
    assert duplicate.state == WishState.DUPLICATE and duplicate.merged_into_id == target.id
    with pytest.raises(DomainError):  # once
        merge(world.leader, duplicate, target)
    db.session.rollback()
    with pytest.raises(DomainError):  # not into itself, not into a closed wish
        merge(world.leader, target, duplicate)
    db.session.rollback()
    with pytest.raises(DomainError):
        merge(world.wang, target, duplicate)


# --- converting --------------------------------------------------------------------------


@pytest.mark.usefixtures("in_request")
def test_a_conversion_notifies_each_plus_oned_household_once(world):
    wish = wish_of(world.zhang, quantity=2, price_cents=4500, unit="袋")
    plus_one(world.wang, wish, 1)
    plus_one(world.wang2, wish, 3)  # same household: one notification, to whoever +1'd last
    plus_one(world.liu, wish, 4)
    db.session.commit()
    url = conversion_url(world.leader, wish)
    assert url.startswith("/groupbuy/new?") and f"source=wish%3A{wish.id}" in url
    assert "unit_price=45.00" in url and "min_quantity=3" in url
    buy = make_buy(world.leader, [world.point], source=f"wish:{wish.id}", title=wish.title)
    db.session.refresh(wish)
    assert wish.state == WishState.CONVERTED and wish.converted_buy_id == buy.id
    sent = notifications("demand_converted")
    assert sorted((n.user_id, n.link) for n in sent) == sorted(
        [
            (world.zhang.user_id, f"/groupbuy/{buy.id}?qty=2"),
            (world.wang2.user_id, f"/groupbuy/{buy.id}?qty=3"),
            (world.liu.user_id, f"/groupbuy/{buy.id}?qty=4"),
        ]
    )
    # a second buy from the same wish changes nothing and tells nobody again
    make_buy(world.leader, [world.point], source=f"wish:{wish.id}")
    db.session.refresh(wish)
    assert wish.converted_buy_id == buy.id and len(notifications("demand_converted")) == 3
    # another community's leader cannot convert this community's wish through a forged source
    other = wish_of(world.liu, "别的")
    from portal.community.models import Role
    from tests.groupbuy.helpers import make_point

    outside_point = make_point(world.other, "外面的点")
    outside_leader = world.outsider
    outside_leader.roles = Role.RESIDENT | Role.LEADER
    db.session.commit()
    make_buy(outside_leader, [outside_point], source=f"wish:{other.id}")
    db.session.refresh(other)
    assert other.state == WishState.OPEN


def test_convert_prefills_the_buy_form_and_one_tap_join(world, auth, client):
    leader = auth.login(world.leader.user)
    with client.application.test_request_context():
        wish = wish_of(world.zhang, "五常大米", quantity=2, price_cents=6990, unit="袋", note="要新米")
    response = leader.get(f"/demand/{wish.id}/convert")
    assert response.status_code in (302, 303)
    form_page = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="五常大米"' in form_page and 'value="69.90"' in form_page and 'value="袋"' in form_page
    assert f'value="wish:{wish.id}"' in form_page and "要新米" in form_page
    resident = auth.login(world.wang.user)
    assert resident.get(f"/demand/{wish.id}/convert").status_code == 403
    # the buy page pre-fills the join quantity from ?qty=, within the limit per person
    buy = make_buy(world.leader, [world.point], per_person_limit=5)
    page = resident.get(f"/groupbuy/{buy.id}?qty=3").get_data(as_text=True)
    assert 'id="quantity"' in page and 'value="3"' in page
    page = resident.get(f"/groupbuy/{buy.id}?qty=40").get_data(as_text=True)
    assert 'value="5"' in page
    assert resident.get(f"/groupbuy/{buy.id}?qty=x").status_code == 200


def test_converting_through_the_form_converts_once(world, auth):
    from portal.core.db import utcnow
    from portal.core.localtime import to_wall_clock

    with auth.app.test_request_context():
        wish = wish_of(world.zhang, "五常大米", quantity=2)
    leader = auth.login(world.leader.user)
    now = utcnow()

    def local(value):
        return to_wall_clock(value).strftime("%Y-%m-%dT%H:%M")

    data = {
        "title": "五常大米",
        "category": "fresh",
        "unit": "袋",
        "unit_price": "59.90",
        "min_quantity": "2",
        "deadline": local(now + timedelta(hours=3)),
        "pickup_from": local(now + timedelta(hours=6)),
        "pickup_until": local(now + timedelta(hours=12)),
        "pickup_points": str(world.point.id),
        "commission": "0",
        "source": f"wish:{wish.id}",
    }
    assert leader.post("/groupbuy/new", data=data).status_code == 303
    db.session.rollback()
    buy = db.session.scalar(sa.select(GroupBuy))
    assert db.session.get(Wish, wish.id).state == WishState.CONVERTED
    assert [n.link for n in notifications("demand_converted")] == [f"/groupbuy/{buy.id}?qty=2"]
    assert leader.post("/groupbuy/new", data={**data, "source": "not a source"}).status_code == 422
    # the +1'd resident joins with one tap at the pledged quantity
    zhang = auth.login(world.zhang.user)
    page = zhang.get(f"/groupbuy/{buy.id}?qty=2").get_data(as_text=True)
    assert 'value="2"' in page
    assert (
        zhang.post(
            f"/groupbuy/{buy.id}/join", data={"quantity": "2", "pickup_point": world.point.id}
        ).status_code
        == 303
    )
    db.session.rollback()
    assert db.session.scalar(sa.select(Order.quantity).where(Order.user_id == world.zhang.user_id)) == 2


# --- moderation --------------------------------------------------------------------------


def test_a_new_members_first_wish_waits_and_three_reports_hide_one(world, make, auth):
    newcomer = make.member(world.community, make.user("新来的"), building_index=2)
    with auth.app.test_request_context():
        first = wish_of(newcomer, "第一次的愿望")
        assert first.status == ContentStatus.PENDING
        assert notifications("mod_pending")  # the volunteers and admins are told
    queue = auth.login(world.admin.user).get("/moderation?tab=pending").get_data(as_text=True)
    assert "第一次的愿望" in queue and f"/demand/{first.id}" in queue
    other = auth.login(world.wang.user)
    assert other.get(f"/demand/{first.id}").status_code == 404
    assert "第一次的愿望" not in other.get("/demand").get_data(as_text=True)
    assert auth.login(newcomer.user).get(f"/demand/{first.id}").status_code == 200
    with auth.app.test_request_context():
        with pytest.raises(DomainError):
            plus_one(world.wang, first, 1)
        db.session.rollback()
        act(world.admin, "wish", first, "approve")
        db.session.commit()
        second = wish_of(newcomer, "第二次")
        assert second.status == ContentStatus.VISIBLE
        for member in (world.wang, world.zhang, world.liu):
            report(member, "wish", second, "spam")
        db.session.commit()
        db.session.refresh(second)
        assert second.status == ContentStatus.HIDDEN
    assert other.get(f"/demand/{second.id}").status_code == 404
    assert auth.login(world.admin.user).get(f"/demand/{second.id}").status_code == 200
    # reporting goes through moderation's own route
    third_client = auth.login(world.zhang.user)
    wish = wish_of_in_request(auth, world.wang, "能举报的")
    response = third_client.post(f"/moderation/report/wish/{wish.id}", data={"reason": "spam"})
    assert response.status_code == 200


def wish_of_in_request(auth, member, title):
    with auth.app.test_request_context():
        return wish_of(member, title)


# --- pages -------------------------------------------------------------------------------


def test_the_pool_page_shows_counts_and_my_plus_one(world, auth, htmx):
    wish = wish_of_in_request(auth, world.zhang, "五常大米")
    wang = auth.login(world.wang.user)
    page = wang.get("/demand").get_data(as_text=True)
    assert "五常大米" in page and "1 household wants it" in page
    response = wang.post(f"/demand/{wish.id}/plus", data={"quantity": "3"}, headers=htmx)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "2 households want it" in fragment and "about 4" in fragment and "+1 × 3" in fragment
    assert "<html" not in fragment
    response = wang.post(f"/demand/{wish.id}/plus", data={"quantity": "0"}, headers=htmx)
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    assert wang.post(f"/demand/{wish.id}/plus", data={"quantity": "2"}).status_code == 303
    assert "+1 × 2" in wang.get(f"/demand/{wish.id}").get_data(as_text=True)
    assert wang.post(f"/demand/{wish.id}/withdraw", headers=htmx).status_code == 200
    assert counted(wish.id) == (1, 1, 1, 1)


def test_posting_a_wish_shows_every_error_at_once(world, auth):
    wang = auth.login(world.wang.user)
    response = wang.post(
        "/demand/new", data={"title": "", "quantity": "0", "link": "javascript:alert(1)", "price": "-1"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("field-error") >= 3
    # the link's rule and a file that is no picture come with the fields' own errors
    response = wang.post(
        "/demand/new",
        data={"title": "", "link": "ftp://x.y/z", "photo": (io.BytesIO(b"%PDF-1.4"), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Link: give a web address starting with http:// or https://." in page
    assert "Photo of the wish: This file is not a picture (JPEG, PNG or WebP)." in page
    assert 'id="title-error"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Wish)) == 0
    response = wang.post(
        "/demand/new", data={"title": "土鸡蛋", "quantity": "2", "link": "ftp://x.y/z", "category": "fresh"}
    )
    assert response.status_code == 422 and "http" in response.get_data(as_text=True)
    response = wang.post(
        "/demand/new",
        data={
            "title": "土鸡蛋",
            "quantity": "2",
            "link": "https://example.com/egg",
            "category": "fresh",
            "price": "1.5",
        },
    )
    assert response.status_code == 303
    db.session.rollback()
    wish = db.session.scalar(sa.select(Wish))
    assert (wish.title, wish.price_cents, wish.link, wish.quantity_total) == (
        "土鸡蛋",
        150,
        "https://example.com/egg",
        2,
    )


def test_leader_actions_through_the_pages(world, auth):
    with auth.app.test_request_context():
        wish = wish_of(world.zhang, "A")
        target = wish_of(world.liu, "B")
    leader = auth.login(world.leader.user)
    page = leader.get(f"/demand/{wish.id}").get_data(as_text=True)
    assert "Turn into a buy" in page and "Mark as planned" in page
    assert leader.post(f"/demand/{wish.id}/decline", data={"reason": ""}).status_code == 422
    assert leader.post(f"/demand/{wish.id}/plan").status_code == 303
    assert leader.post(f"/demand/{wish.id}/plan").status_code == 422
    assert leader.post(f"/demand/{wish.id}/merge", data={"target": "999999"}).status_code == 422
    assert leader.post(f"/demand/{wish.id}/merge", data={"target": str(target.id)}).status_code == 303
    db.session.rollback()
    assert db.session.get(Wish, wish.id).state == WishState.DUPLICATE
    assert counted(target.id) == (2, 2, 2, 2)
    assert "B" in leader.get(f"/demand/{wish.id}").get_data(as_text=True)
    assert "A" in leader.get("/demand?tab=declined").get_data(as_text=True)


def test_the_csv_export_counts_and_names_nobody(world, auth):
    with auth.app.test_request_context():
        wish = wish_of(
            world.zhang, "=崇明大米", quantity=2, price_cents=4500, unit="袋", note="我家 5 栋 301"
        )
        plus_one(world.liu, wish, 3)
        db.session.commit()
        declined = wish_of(world.liu, "榴莲")
        decline(world.leader, declined, "太贵")
        db.session.commit()
    assert auth.login(world.leader.user).get("/demand/export.csv").status_code == 403
    response = auth.login(world.admin.user).get("/demand/export.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:8] == [
        "Wish",
        "What",
        "Category",
        "Price they would pay (¥)",
        "Per",
        "Households",
        "Quantity",
        "State",
    ]
    assert rows[1][1:8] == ["'=崇明大米", "Fresh food", "45.00", "袋", "2", "5", "Open"]
    assert rows[2][1] == "榴莲" and rows[2][7] == "Declined"
    assert rows[1][8] == localtime.plain(wish.created_at)
    for name in ("张先生", "刘女士", "张", "刘", "301"):
        assert name not in text


def test_the_pages_run_as_many_queries_for_many_wishes_as_for_few(world, auth):
    from bench.pages import QueryCounter

    wang = auth.login(world.wang.user)
    leader = auth.login(world.leader.user)
    admin = auth.login(world.admin.user)

    def counts():
        with auth.app.test_request_context():
            first = db.session.scalar(sa.select(Wish).order_by(Wish.id))
        result = []
        for client, url in [
            (wang, "/demand"),
            (leader, "/demand"),
            (wang, "/demand?tab=converted"),
            (leader, f"/demand/{first.id}"),
            (admin, "/demand/export.csv"),
        ]:
            client.get(url)  # warm
            with QueryCounter(db.engine) as counter:
                assert client.get(url).status_code == 200
            result.append(counter.count)
        return result

    def add(n):
        with auth.app.test_request_context():
            for i in range(n):
                wish = wish_of(world.zhang if i % 2 else world.liu, f"愿望 {i}", quantity=1 + i % 3)
                plus_one(world.wang, wish, 2)
                db.session.commit()

    add(3)
    few = counts()
    add(15)
    assert counts() == few


def test_my_data_exports_my_wishes_and_plus_ones_and_deletion_takes_the_plus_ones_back(world, auth):
    from portal.data_rights.services import delete_account, export_document
    from tests.conftest import TEST_PASSWORD

    with auth.app.test_request_context():
        mine = wish_of(world.wang, "我的愿望", quantity=2)
        theirs = wish_of(world.zhang, "别人的", quantity=1)
        plus_one(world.wang, theirs, 4)
        db.session.commit()
        document = export_document(world.wang.user)
    section = document["sections"]["demand"] if "sections" in document else document["demand"]
    assert [w["title"] for w in section["wishes"]] == ["我的愿望"]
    assert section["plus_ones"][0]["wish"] in ("别人的", "我的愿望")
    assert {p["quantity"] for p in section["plus_ones"]} == {2, 4}
    with auth.app.test_request_context():
        delete_account(world.wang.user, TEST_PASSWORD)
        db.session.commit()
    assert counted(theirs.id) == (1, 1, 1, 1)
    assert counted(mine.id) == (0, 0, 0, 0)
    page = auth.login(world.zhang.user).get(f"/demand/{mine.id}").get_data(as_text=True)
    assert "我的愿望" in page and "王阿姨" not in page and "王**" not in page
    assert "Former resident" in page


def test_a_wish_with_a_photo(world, auth):
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 120, 60)).save(picture, "PNG")
    picture.seek(0)
    wang = auth.login(world.wang.user)
    response = wang.post(
        "/demand/new",
        data={"title": "手工皂", "quantity": "1", "category": "handmade", "photo": (picture, "soap.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.rollback()
    wish = db.session.scalar(sa.select(Wish))
    assert wish.photo and wish.photo.startswith("demand/")
    assert wish.photo in wang.get(f"/demand/{wish.id}").get_data(as_text=True)
    response = wang.post(
        "/demand/new",
        data={
            "title": "x",
            "quantity": "1",
            "category": "fresh",
            "photo": (io.BytesIO(b"not a picture"), "a.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "photo-error" in response.get_data(as_text=True)
