import pytest

from portal.community.models import Role
from tests.groupbuy.helpers import make_point
from tests.reviews.helpers import Town


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


@pytest.fixture(autouse=True)
def _english(app):
    """Assertions read the English texts."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def town(make):
    """A community with a manned pickup point and a locker bank, a leader, a volunteer, an admin,
    four residents in four households (all trusted: their reviews appear at once); another
    community with its own resident and buy."""
    community = make.community("翠屏幸福里", buildings="1栋: 1单元, 2单元\n3栋: 1单元, 2单元\n5栋: 1单元")
    station = make_point(community, "3栋自提点")
    locker = make_point(community, "5栋智能柜", kind="locker")
    leader = make.member(
        community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER, building_index=1
    )
    volunteer = make.member(community, make.user("志愿者小陈"), roles=Role.RESIDENT | Role.VOLUNTEER)
    admin = make.member(community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    residents = [
        make.member(community, make.user(name), building_index=i)
        for i, name in enumerate(["王阿姨", "张先生", "刘女士"])
    ]
    residents.append(make.member(community, make.user("陈奶奶"), building_index=2))
    other = make.community("梧桐花园")
    other_point = make_point(other, "梧桐自提点")
    other_leader = make.member(other, make.user("外团长"), roles=Role.RESIDENT | Role.LEADER)
    outsider = make.member(other, make.user("外人"))
    return Town(
        community,
        station,
        locker,
        leader,
        volunteer,
        admin,
        residents,
        other,
        other_point,
        other_leader,
        outsider,
    )
