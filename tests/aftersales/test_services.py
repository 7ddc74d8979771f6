"""After-sales rules: windows, the quantity guard, each transition with its event and ledger rows,
corrections (never edits), escalation by time (once), points compensation."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.aftersales import money
from portal.aftersales import services as sv
from portal.aftersales.models import Account, Case, CaseEvent, LedgerEntry, OrderClaim
from portal.aftersales.reading import balance_of_supplier, balances_of, queue_of_leader, rates_per_buy
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.groupbuy.services.joining import join_buy
from portal.points.services import balance as points_balance
from portal.points.services import ledger_sum
from tests.aftersales.helpers import collected_order, hours
from tests.groupbuy.helpers import make_buy, notifications


def picture(name="p.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, "PNG")
    return FileStorage(io.BytesIO(buffer.getvalue()), filename=name)


def events(case):
    return list(
        db.session.execute(
            sa.select(
                CaseEvent.axis,
                CaseEvent.from_state,
                CaseEvent.to_state,
                CaseEvent.amount_cents,
                CaseEvent.actor_id,
            )
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.id)
        )
    )


def ledger(case):
    return list(
        db.session.execute(
            sa.select(LedgerEntry.kind, LedgerEntry.account, LedgerEntry.amount_cents)
            .where(LedgerEntry.case_id == case.id)
            .order_by(LedgerEntry.id)
        )
    )


def reported(world, quantity=1, **fields):
    case = sv.report(
        world.order, world.resident.user, reason=fields.pop("reason", "damaged"), quantity=quantity, **fields
    )
    db.session.commit()
    return case


# --- reporting ----------------------------------------------------------------------------


def test_report_opens_a_case_with_its_event_and_tells_the_leader(world):
    case = reported(world, 2, note="箱子压坏了")
    assert case.resolution == "reported" and case.settlement == "none"
    assert case.leader_id == world.leader.user_id and case.user_id == world.resident.user_id
    assert events(case) == [("resolution", "", "reported", 0, world.resident.user_id)]
    assert db.session.get(OrderClaim, world.order.id).reported_quantity == 2
    told = notifications("aftersales_reported", world.leader.user_id)
    assert len(told) == 1 and told[0].link == f"/aftersales/cases/{case.id}"
    assert "王" not in str(told[0].params)  # no resident's name in the leader's notification


def test_every_refusal_at_once(world):
    fresh = collected_order(world.leader, world.resident.user, world.point, quantity=2, category="fresh")
    with pytest.raises(sv.ReportRefused) as refused:
        sv.report(fresh, world.resident.user, reason="nonsense", quantity=0, photos=[])
    fields = {field for field, _message in refused.value.errors}
    assert fields == {"reason", "quantity", "photos"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_fresh_food_needs_a_photo_and_keeps_it(world):
    fresh = collected_order(world.leader, world.resident.user, world.point, quantity=2, category="fresh")
    case = sv.report(fresh, world.resident.user, reason="spoiled", quantity=1, photos=[picture()])
    db.session.commit()
    assert len(case.photos) == 1 and case.photos[0].startswith("aftersales/")


def test_quantity_never_passes_what_was_collected(world):
    reported(world, 3)
    with pytest.raises(DomainError) as refused:
        sv.report(world.order, world.resident.user, reason="missing", quantity=2)
    assert "at most 1" in str(refused.value.message)
    db.session.rollback()
    reported(world, 1)
    assert not sv.may_report(world.order)
    assert db.session.get(OrderClaim, world.order.id).reported_quantity == 4


def test_the_window_closes_per_category(world):
    late = collected_order(world.leader, world.resident.user, world.point, collected_ago=hours(73))
    with pytest.raises(DomainError, match="passed"):
        sv.report(late, world.resident.user, reason="damaged", quantity=1)
    db.session.rollback()
    fresh = collected_order(
        world.leader, world.resident.user, world.point, category="fresh", collected_ago=hours(25)
    )
    assert not sv.may_report(fresh)  # fresh food: 24 h by default
    sv.set_windows(world.community.id, {"fresh": 48, "daily": 80})
    db.session.commit()
    assert sv.may_report(fresh) and sv.may_report(late)
    assert sv.windows_of(world.community.id)["fresh"] == 48
    with pytest.raises(DomainError):
        sv.set_windows(world.community.id, {"fresh": 0})


def test_an_uncollected_order_has_no_case(world):
    buy = make_buy(world.leader, [world.point], min_quantity=1)
    order = join_buy(world.neighbour.user, buy, 1)
    db.session.commit()
    with pytest.raises(DomainError, match="collected"):
        sv.report(order, world.neighbour.user, reason="damaged", quantity=1)


def test_the_leader_records_a_problem_at_pickup(world):
    case = sv.report(world.order, world.leader.user, reason="wrong_item", quantity=1, at_pickup=True)
    db.session.commit()
    assert case.at_pickup and case.user_id == world.resident.user_id
    assert notifications("aftersales_reported_for_you", world.resident.user_id)
    assert not notifications("aftersales_reported", world.leader.user_id)


# --- the resolution axis ------------------------------------------------------------------


def test_refund_offer_accepted_paid_with_event_and_ledger_rows(world):
    case = reported(world, 2)
    sv.make_offer(case, world.leader.user, "refund", cents=1500, note="先行赔付")
    db.session.commit()
    assert notifications("aftersales_offered", world.resident.user_id)
    sv.accept(case, world.resident.user)
    db.session.commit()
    assert case.resolution == "accepted" and case.resolved_at is not None
    assert notifications("aftersales_accepted", world.leader.user_id)
    # commission 10 % of the refund goes back
    assert ledger(case) == [("refund_owed", "resident", 1500), ("commission_adjustment", "commission", -150)]
    money.mark_refund_paid(case, world.leader.user, "微信转账")
    db.session.commit()
    assert ledger(case)[-1] == ("refund_paid", "resident", -1500)
    assert balances_of(case.id)["resident"] == 0
    assert case.refund_method == "微信转账"
    assert events(case) == [
        ("resolution", "", "reported", 0, world.resident.user_id),
        ("resolution", "reported", "offered", 1500, world.leader.user_id),
        ("resolution", "offered", "accepted", 1500, world.resident.user_id),
        ("payment", "", "paid", -1500, world.leader.user_id),
    ]
    with pytest.raises(DomainError):
        money.mark_refund_paid(case, world.leader.user, "again")


def test_a_refund_is_at_most_the_affected_units(world):
    case = reported(world, 1)  # 1 × ¥12.80
    with pytest.raises(DomainError):
        sv.make_offer(case, world.leader.user, "refund", cents=1281)
    with pytest.raises(DomainError):
        sv.make_offer(case, world.neighbour.user, "refund", cents=100)  # not the leader


def test_reject_then_escalate_once_then_an_admin_offers(world):
    case = reported(world)
    sv.make_offer(case, world.leader.user, "replacement")
    with pytest.raises(DomainError):
        sv.reject(case, world.resident.user, "  ")
    sv.reject(case, world.resident.user, "不要换货")
    db.session.commit()
    assert case.resolution == "rejected" and case.reject_reason == "不要换货"
    assert notifications("aftersales_rejected", world.leader.user_id)
    with pytest.raises(DomainError):
        sv.escalate(case, world.leader.user)  # only the resident
    sv.escalate(case, world.resident.user)
    db.session.commit()
    assert case.resolution == "escalated" and case.resident_escalated
    assert notifications("aftersales_escalated_admin", world.admin.user_id)
    sv.make_offer(case, world.admin.user, "points", points=200)
    sv.reject(case, world.resident.user, "还是不行")
    db.session.commit()
    with pytest.raises(DomainError, match="once"):
        sv.escalate(case, world.resident.user)
    assert [(e[1], e[2]) for e in events(case)] == [
        ("", "reported"),
        ("reported", "offered"),
        ("offered", "rejected"),
        ("rejected", "escalated"),
        ("escalated", "offered"),
        ("offered", "rejected"),
    ]


def test_points_are_awarded_on_acceptance_once(world):
    case = reported(world)
    sv.make_offer(case, world.leader.user, "points", points=300)
    sv.accept(case, world.resident.user)
    db.session.commit()
    assert points_balance(world.resident.user_id, world.community.id) == 300
    assert ledger_sum(world.resident.user_id, world.community.id) == 300
    assert ledger(case) == []  # no money moved
    with pytest.raises(DomainError):
        sv.accept(case, world.resident.user)  # moved once


def test_a_transition_from_a_stale_state_is_refused(world):
    case = reported(world)
    with pytest.raises(DomainError):
        sv.accept(case, world.resident.user)  # nothing offered yet
    stale = db.session.get(Case, case.id)
    sv.make_offer(case, world.leader.user, "replacement")
    db.session.commit()
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(resolution="accepted"))
    with pytest.raises(DomainError):
        sv.reject(stale, world.resident.user, "x")


# --- the settlement axis and the ledger ---------------------------------------------------


def test_supplier_claim_settle_and_write_off(world, make):
    from tests.trace.helpers import make_batch, make_product, make_supplier

    supplier = make_supplier(world.community, name="阳山果园", leaders=[world.leader.user])
    batch = make_batch(make_product(supplier))
    order = collected_order(world.leader, world.resident.user, world.point, batch_id=batch.id)
    one = sv.report(order, world.resident.user, reason="damaged", quantity=1)
    two = sv.report(order, world.resident.user, reason="quality", quantity=1)
    db.session.commit()
    assert one.supplier_id == supplier.id
    with pytest.raises(DomainError):
        money.claim_supplier(one, world.admin.user, 800)  # the leader settles with the supplier
    money.claim_supplier(one, world.leader.user, 800, "破损")
    money.claim_supplier(two, world.leader.user, 500)
    db.session.commit()
    assert balance_of_supplier(supplier.id)["outstanding"] == 1300
    money.settle_supplier(one, world.leader.user)
    money.write_off(two, world.leader.user, "小额不追")
    db.session.commit()
    assert ledger(one) == [("supplier_receivable", "supplier", 800), ("supplier_settled", "supplier", -800)]
    assert ledger(two) == [("supplier_receivable", "supplier", 500), ("written_off", "supplier", -500)]
    assert balance_of_supplier(supplier.id) == {
        "claimed": 1300,
        "settled": 800,
        "written_off": 500,
        "corrections": 0,
        "outstanding": 0,
    }
    assert [(e[1], e[2]) for e in events(one) if e[0] == "settlement"] == [
        ("none", "claimed"),
        ("claimed", "settled"),
    ]
    with pytest.raises(DomainError):
        money.settle_supplier(two, world.leader.user)  # written off already


def test_a_correction_is_a_new_row_and_rows_never_change(world):
    case = reported(world, 2)
    sv.make_offer(case, world.leader.user, "refund", cents=2000)
    sv.accept(case, world.resident.user)
    db.session.commit()
    owed = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.kind == "refund_owed"))
    row = money.correct(owed, world.leader.user, -500, "多算了 5 元")
    db.session.commit()
    assert row.corrects_id == owed.id and row.account == Account.RESIDENT and row.kind == "correction"
    assert owed.amount_cents == 2000  # the original stays as written
    assert balances_of(case.id)["resident"] == 1500
    with pytest.raises(DomainError):
        money.correct(row, world.leader.user, 100, "a correction of a correction")
    with pytest.raises(DomainError):
        money.correct(owed, world.leader.user, 100, "")
    with pytest.raises(DomainError):
        money.correct(owed, world.neighbour.user, 100, "not mine")
    db.session.rollback()
    owed = db.session.get(LedgerEntry, owed.id)
    owed.amount_cents = 1
    with pytest.raises(RuntimeError, match="cannot change"):
        db.session.flush()
    db.session.rollback()
    money.mark_refund_paid(case, world.leader.user, "现金")
    db.session.commit()
    assert ledger(case)[-1] == ("refund_paid", "resident", -1500)  # pays what stands after the correction


# --- escalation by time -------------------------------------------------------------------


def test_no_offer_in_time_escalates_once(world):
    case = reported(world)
    fresh = reported(world)
    assert sv.escalate_overdue()["escalated"] == 0
    case.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert sv.escalate_overdue() == {"escalated": 1}
    assert sv.escalate_overdue() == {"escalated": 0}  # a second sweeper finds nothing
    db.session.refresh(case)
    assert case.resolution == "escalated" and case.escalated_at is not None and not case.resident_escalated
    assert events(case)[-1] == ("resolution", "reported", "escalated", 0, None)
    assert len(notifications("aftersales_escalated_admin", world.admin.user_id)) == 1
    assert notifications("aftersales_escalated", world.leader.user_id)
    assert notifications("aftersales_escalated_resident", world.resident.user_id)
    assert db.session.get(Case, fresh.id).resolution == "reported"


def test_escalation_hours_are_configurable(world, app):
    case = reported(world)
    case.created_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    app.config["AFTERSALES_ESCALATE_HOURS"] = 2
    assert sv.escalate_overdue() == {"escalated": 1}


# --- reading ------------------------------------------------------------------------------


def test_queue_open_first_and_rates(world):
    done = reported(world)
    sv.make_offer(done, world.leader.user, "replacement")
    sv.accept(done, world.resident.user)
    db.session.commit()
    waiting = reported(world)
    page = queue_of_leader(world.leader.user_id, world.community.id)
    assert [c.id for c in page] == [waiting.id, done.id]
    rates = rates_per_buy(world.leader.user_id, world.community.id)
    assert [(r.collected_orders, r.cases, r.resolved) for r in rates] == [(1, 2, 1)]
    assert rates[0].percent == 200.0 and rates[0].hours_to_resolve is not None


def test_the_sweeper_job_escalates_outside_a_request(app, make):
    from portal.aftersales.scheduler import AftersalesSweeper
    from portal.community.models import Role
    from tests.groupbuy.helpers import make_point

    community = make.community("晚到小区")
    leader = make.member(community, roles=Role.RESIDENT | Role.LEADER)
    resident = make.member(community).user
    make.member(community, roles=Role.RESIDENT | Role.ADMIN)
    with app.test_request_context():
        order = collected_order(leader, resident, make_point(community))
        case = sv.report(order, resident, reason="missing", quantity=1)
    case.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    sweeper = AftersalesSweeper(app, interval=60)
    assert sweeper.sweep_once() == {"escalated": 1}
    assert sweeper.sweep_once() == {"escalated": 0}
    escalated = notifications("aftersales_escalated_admin")
    assert len(escalated) == 1 and escalated[0].link == f"/aftersales/cases/{case.id}"


def test_sweep_command(app, make):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["aftersales", "sweep", "--no-pushes"])
    assert result.exit_code == 0, result.output
    assert '"escalated": 0' in result.output
