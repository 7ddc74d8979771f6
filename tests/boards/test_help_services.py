"""Help-day needs through the services: offer, accept, complete, points; open needs of a day."""

from datetime import timedelta

import pytest

from portal.boards.models import NeedState
from portal.boards.services import help as boards_help
from portal.core import localtime
from portal.core.db import db
from portal.core.errors import DomainError
from portal.moderation.services import trust
from portal.points import services as points


@pytest.fixture
def people(make, app):
    community = make.community()
    asker, helper, other = (make.member(community) for _ in range(3))
    with app.test_request_context("/"):
        for m in (asker, helper, other):
            trust(m.user_id, community.id)
        points.award(asker.user_id, community.id, 30, "admin_grant")
        db.session.commit()
        yield community, asker, helper, other


def test_need_offer_accept_complete_moves_the_bounty_and_help_points(people):
    community, asker, helper, other = people
    day = localtime.today() + timedelta(days=2)
    need = boards_help.create_need(asker, "帮忙搬柜子", "二楼到一楼", day, "下午", "3栋", 20, ["搬家"])
    assert boards_help.open_help_needs_on(community.id, day) == [need]
    offer = boards_help.offer_help(helper, need, "我有空")
    boards_help.offer_help(other, need, "我也可以")
    boards_help.accept_offer(asker, offer)
    assert points.balance(asker.user_id, community.id) == 10  # bounty held
    assert boards_help.open_help_needs_on(community.id, day) == []
    received = boards_help.complete_need(asker, need)
    db.session.commit()
    assert need.state == NeedState.COMPLETED
    assert received == 20 + points.rule("help")
    assert points.balance(helper.user_id, community.id) == received
    assert points.mismatched_balances() == []
    with pytest.raises(DomainError):
        boards_help.complete_need(asker, need)


def test_cancelling_an_accepted_need_returns_the_bounty(people):
    community, asker, helper, _other = people
    need = boards_help.create_need(asker, "遛狗", "", localtime.today(), "", "", 10)
    boards_help.accept_offer(asker, boards_help.offer_help(helper, need, ""))
    boards_help.cancel_need(asker, need)
    db.session.commit()
    assert points.balance(asker.user_id, community.id) == 30
    assert points.balance(helper.user_id, community.id) == 0


def test_a_bounty_above_the_balance_or_a_past_day_is_refused(people):
    _community, asker, _helper, _other = people
    with pytest.raises(DomainError) as error:
        boards_help.create_need(asker, "x", "", localtime.today(), "", "", 31)
    assert error.value.field == "bounty"
    with pytest.raises(DomainError) as error:
        boards_help.create_need(asker, "x", "", localtime.today() - timedelta(days=1), "", "", 0)
    assert error.value.field == "needed_on"


def test_the_ledger_says_when_held_points_were_paid_or_returned(people, auth):
    community, asker, helper, _other = people
    day = localtime.today() + timedelta(days=2)
    paid = boards_help.create_need(asker, "帮忙搬柜子", "", day, "", "", 5)
    boards_help.accept_offer(asker, boards_help.offer_help(helper, paid, ""))
    returned = boards_help.create_need(asker, "遛狗", "", day, "", "", 6)
    boards_help.accept_offer(asker, boards_help.offer_help(helper, returned, ""))
    held = boards_help.create_need(asker, "修水管", "", day, "", "", 7)
    boards_help.accept_offer(asker, boards_help.offer_help(helper, held, ""))
    boards_help.complete_need(asker, paid)
    boards_help.cancel_need(asker, returned)
    db.session.commit()

    page = auth.login(asker.user).get("/points").get_data(as_text=True)
    rows = {
        need: page.split(f"<small class=\"muted\">{need}</small>")[-1].split("</li>")[0]
        for need in ("帮忙搬柜子", "遛狗", "修水管")
    }
    assert "Paid to the helper on" in rows["帮忙搬柜子"] and "-5" in rows["帮忙搬柜子"]
    assert "Returned to you on" in rows["遛狗"] and "-6" in rows["遛狗"]
    assert "Held: paid on completion, returned if called off" in rows["修水管"] and "-7" in rows["修水管"]
    assert page.count("Paid to the helper on") == 1 and page.count("Returned to you on") == 1
