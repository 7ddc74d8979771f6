"""After-sales pages through the test client: report (all errors at once), the case page for
each side, the sections on the order, 核销 and workbench pages, CSV, supplier balance, data rights."""

import csv
import io

import sqlalchemy as sa
from PIL import Image

from portal.aftersales import money
from portal.aftersales import services as sv
from portal.aftersales.models import Case
from portal.core.db import db
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from tests.aftersales.helpers import collected_order
from tests.groupbuy.helpers import make_buy, pass_deadline

HX = {"HX-Request": "true"}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (120, 200, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_resident_reports_with_a_photo_and_sees_the_case(world, auth):
    fresh = collected_order(world.leader, world.resident.user, world.point, quantity=3, category="fresh")
    client = auth.login(world.resident.user)
    page = client.get(f"/groupbuy/orders/{fresh.id}").get_data(as_text=True)
    assert f"/aftersales/orders/{fresh.id}/report" in page  # the section on my order
    response = client.post(
        f"/aftersales/orders/{fresh.id}/report",
        data={
            "reason": "spoiled",
            "quantity": "2",
            "note": "发霉了",
            "photos": (io.BytesIO(jpeg()), "a.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    case = db.session.scalar(sa.select(Case))
    assert response.headers["Location"].endswith(f"/aftersales/cases/{case.id}")
    page = client.get(f"/aftersales/cases/{case.id}").get_data(as_text=True)
    assert "发霉了" in page and "/uploads/aftersales/" in page
    assert "Make an offer" not in page  # the resident does not offer


def test_every_error_at_once_with_422(world, auth):
    fresh = collected_order(world.leader, world.resident.user, world.point, quantity=2, category="fresh")
    client = auth.login(world.resident.user)
    response = client.post(
        f"/aftersales/orders/{fresh.id}/report", data={"reason": "", "quantity": "9"}, headers=HX
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "What is wrong: choose one." in body
    assert "How many: at most 2" in body
    assert "Photos: add at least one for fresh food." in body
    assert "<html" not in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    # a file that is no picture is said in the same 422 as the rest
    response = client.post(
        f"/aftersales/orders/{fresh.id}/report",
        data={"reason": "", "quantity": "9", "photos": (io.BytesIO(b"%PDF-1.4 nope"), "receipt.pdf")},
        content_type="multipart/form-data",
        headers=HX,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for text in ("What is wrong: choose one.", "How many: at most 2", "Photos: This file is not a picture"):
        assert text in body, text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_leader_offers_resident_accepts_then_review_link(world, auth):
    case = sv.report(world.order, world.resident.user, reason="damaged", quantity=1)
    db.session.commit()
    leader = auth.login(world.leader.user)
    page = leader.get(f"/aftersales/cases/{case.id}").get_data(as_text=True)
    assert "王**" in page or "王阿姨" in page  # named as the staff policy lets the leader see them
    response = leader.post(f"/aftersales/cases/{case.id}/offer", data={"kind": "refund", "amount": "12.80"})
    assert response.status_code == 303
    refused = leader.post(f"/aftersales/cases/{case.id}/offer", data={"kind": "refund", "amount": "1"})
    assert refused.status_code == 422 and "moved on" in refused.get_data(as_text=True)
    resident = auth.login(world.resident.user)
    assert resident.post(f"/aftersales/cases/{case.id}/accept").status_code == 303
    page = resident.get(f"/aftersales/cases/{case.id}").get_data(as_text=True)
    assert f"/reviews/orders/{world.order.id}" in page
    page = leader.get(f"/aftersales/cases/{case.id}").get_data(as_text=True)
    assert "Refund owed: ¥12.80" in page
    assert leader.post(f"/aftersales/cases/{case.id}/paid", data={"method": ""}).status_code == 422
    assert leader.post(f"/aftersales/cases/{case.id}/paid", data={"method": "微信"}).status_code == 303
    db.session.refresh(case)
    assert case.refund_paid_at is not None


def test_pickup_problem_link_after_handover(world, auth):
    buy = make_buy(world.leader, [world.point], min_quantity=1, category="daily")
    order = join_buy(world.neighbour.user, buy, 2)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    mark_arrived(buy)
    db.session.commit()
    leader = auth.login(world.leader.user)
    response = leader.post(
        "/pickup/collect", data={"point": world.point.id, "code": order.pickup_code}, headers=HX
    )
    assert response.status_code == 200
    assert f"/aftersales/orders/{order.id}/report?at=pickup" in response.get_data(as_text=True)
    response = leader.post(
        f"/aftersales/orders/{order.id}/report", data={"reason": "damaged", "quantity": "1", "at": "pickup"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    case = db.session.scalar(sa.select(Case).where(Case.order_id == order.id))
    assert case.at_pickup and case.user_id == world.neighbour.user_id


def test_workbench_queue_csv_and_rates(world, auth):
    older = sv.report(world.order, world.resident.user, reason="damaged", quantity=1, note="=cmd()")
    sv.make_offer(older, world.leader.user, "replacement")
    sv.accept(older, world.resident.user)
    newer = sv.report(world.order, world.resident.user, reason="missing", quantity=1)
    db.session.commit()
    leader = auth.login(world.leader.user)
    bench = leader.get("/groupbuy/workbench").get_data(as_text=True)
    assert "as-workbench" in bench and newer.reference in bench
    assert bench.index(newer.reference) < bench.index(older.reference)  # open first
    queue = leader.get("/aftersales/queue").get_data(as_text=True)
    assert "open for" in queue
    response = leader.get("/aftersales/cases.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Case" and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {older.reference, newer.reference}
    rates = leader.get("/aftersales/rates").get_data(as_text=True)
    assert "200.0%" in rates


def test_admin_sees_escalated_and_sets_windows(world, auth):
    case = sv.report(world.order, world.resident.user, reason="damaged", quantity=1)
    case.created_at = case.created_at.replace(year=case.created_at.year - 1)
    db.session.commit()
    sv.escalate_overdue()
    admin = auth.login(world.admin.user)
    assert case.reference in admin.get("/aftersales/escalated").get_data(as_text=True)
    data = {f"hours_{c}": "30" for c in ("fresh", "daily", "local", "handmade", "service")}
    assert admin.post("/aftersales/windows", data={**data, "hours_fresh": "0"}).status_code == 422
    assert admin.post("/aftersales/windows", data=data).status_code == 200
    assert sv.windows_of(world.community.id)["fresh"] == 30


def test_an_open_case_blocks_deleting_the_account(world, auth):
    from portal.aftersales import personal_data

    case = sv.report(world.order, world.resident.user, reason="damaged", quantity=1, note="坏了")
    db.session.commit()
    blockers = personal_data.blockers(world.resident.user)
    assert len(blockers) == 1 and blockers[0].link == f"/aftersales/cases/{case.id}"
    assert personal_data.export(world.resident.user)[0]["note"] == "坏了"
    sv.make_offer(case, world.leader.user, "replacement")
    sv.accept(case, world.resident.user)
    db.session.commit()
    assert personal_data.blockers(world.resident.user) == []
    personal_data.erase(world.resident.user)
    db.session.commit()
    db.session.refresh(case)
    assert case.note == "" and case.resolution == "accepted"  # the case stays, without the person's words


def test_supplier_section_shows_the_balance(world, app):
    from flask_login import login_user

    from portal.core.sections import sections
    from tests.trace.helpers import make_batch, make_product, make_supplier

    supplier = make_supplier(world.community, name="阳山果园", leaders=[world.leader.user])
    order = collected_order(
        world.leader, world.resident.user, world.point, batch_id=make_batch(make_product(supplier)).id
    )
    case = sv.report(order, world.resident.user, reason="damaged", quantity=1)
    money.claim_supplier(case, world.leader.user, 640)
    db.session.commit()
    with app.test_request_context():
        world.leader.user.active_community_id = world.community.id
        login_user(world.leader.user)
        rendered = "".join(sections("trace.supplier", supplier=supplier))
    assert "¥6.40" in rendered and "as-supplier-balance" in rendered


def test_a_locker_pickup_offers_the_report_on_its_order_page(world, auth):
    from portal.groupbuy.services.pickup_codes import mark_collected
    from portal.pickup.models import PickupKind
    from tests.groupbuy.helpers import make_point

    lockers = make_point(world.community, "南门快递柜", kind=PickupKind.LOCKER)
    buy = make_buy(world.leader, [lockers], min_quantity=1, category="daily")
    order = join_buy(world.neighbour.user, buy, 1)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    mark_arrived(buy)
    order.status = "ready"  # as when the parcel goes into a compartment (the lockers domain)
    db.session.commit()
    mark_collected(order, "locker")
    db.session.commit()
    client = auth.login(world.neighbour.user)
    page = client.get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    assert f"/aftersales/orders/{order.id}/report" in page
    other = auth.login(world.resident.user)
    assert other.get(f"/aftersales/orders/{order.id}/report").status_code == 404
