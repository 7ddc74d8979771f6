from dataclasses import dataclass

import pytest

from portal.community.models import Role
from tests.groupbuy.helpers import make_point


@pytest.fixture(autouse=True)
def _english(app):
    """Assertions read the English texts."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@dataclass
class Place:
    community: object
    station: object
    locker: object
    leader: object
    admin: object
    resident: object
    neighbour: object
    kiosk: object
    other: object
    other_point: object
    other_leader: object
    outsider: object


@pytest.fixture
def place(make):
    """A community with a manned pickup point and a locker, a leader, an admin, two residents and
    a kiosk screen; another community with its own leader and resident."""
    community = make.community("翠屏幸福里", buildings="1栋: 1单元\n3栋: 1单元")
    other = make.community("梧桐花园")
    return Place(
        community=community,
        station=make_point(community, "3栋自提点"),
        locker=make_point(community, "5栋智能柜", kind="locker"),
        leader=make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER),
        admin=make.member(community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN),
        resident=make.member(community, make.user("王阿姨"), building_index=0),
        neighbour=make.member(community, make.user("张先生"), building_index=1),
        kiosk=make.member(community, make.user("自提点屏", is_device=True), roles=Role.KIOSK),
        other=other,
        other_point=make_point(other, "梧桐自提点"),
        other_leader=make.member(other, make.user("外团长"), roles=Role.RESIDENT | Role.LEADER),
        outsider=make.member(other, make.user("外人")),
    )
