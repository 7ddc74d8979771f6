"""A buy linked to a supplier's batch: only batches the leader may sell, the trace summary and
its QR on the buy page, the batch's QR on the pick list."""

import re

from portal.core.db import db
from portal.groupbuy.models import GroupBuy
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.joining import join_buy
from tests.groupbuy.helpers import make_buy, pass_deadline
from tests.groupbuy.test_views import buy_form
from tests.trace.helpers import journey, make_batch, make_product, make_supplier


def _batches(world):
    mine = make_batch(make_product(make_supplier(world.community, leaders=[world.leader.user])), lot="YS-1")
    theirs = make_batch(make_product(make_supplier(world.community, name="别家农场")), lot="BJ-1")
    return mine, theirs


def test_the_form_offers_the_batches_of_my_suppliers_only(world, auth):
    mine, theirs = _batches(world)
    page = auth.login(world.leader.user).get("/groupbuy/new").get_data(as_text=True)
    select = page.split('name="batch"')[1].split("</select>")[0]
    options = re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]*)</option>', select)
    assert [value for value, _label in options] == ["", str(mine.id)]
    assert "阳山水蜜桃 · YS-1 · 阳山桃农合作社" in options[1][1]


def test_a_buy_linked_to_my_batch_shows_its_journey_and_qr(world, auth):
    mine, _theirs = _batches(world)
    journey(mine)
    leader = auth.login(world.leader.user)
    response = leader.post("/groupbuy/new", data=buy_form(world, batch=str(mine.id)))
    assert response.status_code == 303
    buy = db.session.scalars(db.select(GroupBuy).order_by(GroupBuy.id.desc())).first()
    assert buy.batch_id == mine.id
    page = auth.login(world.residents[0].user).get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    trace = page.split('id="gb-trace"')[1].split("</section>")[0]
    gtin = mine.product.gtin
    assert f'href="/t/01/{gtin}/10/YS-1"' in trace
    assert f'src="/t/01/{gtin}/10/YS-1/qr.svg"' in trace
    assert "5 steps recorded" in trace and "Shipped" in trace
    assert "The chain is intact ✓ (5 records)" in trace
    qr = auth.login(world.residents[0].user).get(f"/t/01/{gtin}/10/YS-1/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert auth.login(world.residents[0].user).get(f"/t/01/{gtin}/10/NOPE/qr.svg").status_code == 404


def test_a_batch_of_another_supplier_is_refused_and_nothing_is_opened(world, auth):
    _mine, theirs = _batches(world)
    before = db.session.scalar(db.select(db.func.count()).select_from(GroupBuy))
    response = auth.login(world.leader.user).post("/groupbuy/new", data=buy_form(world, batch=str(theirs.id)))
    assert response.status_code == 422
    assert "Product batch: choose a batch of a supplier you may sell." in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(GroupBuy)) == before


def test_a_buy_without_a_batch_shows_no_trace(world, auth):
    buy = make_buy(world.leader, [world.point])
    page = auth.login(world.residents[0].user).get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    assert 'id="gb-trace"' not in page


def test_the_pick_list_prints_the_batch_qr(world, auth):
    mine, _theirs = _batches(world)
    buy = make_buy(world.leader, [world.point], min_quantity=1)
    buy.batch_id = mine.id
    join_buy(world.residents[0].user, buy, 2, "")
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    page = (
        auth.login(world.leader.user).get(f"/groupbuy/workbench/picklist?buy={buy.id}").get_data(as_text=True)
    )
    assert f'src="/t/01/{mine.product.gtin}/10/YS-1/qr.svg"' in page
    assert "阳山水蜜桃 · YS-1" in page
