import pytest

from portal.community.models import Role
from tests.groupbuy.helpers import make_point


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


@pytest.fixture(autouse=True)
def _english(app):
    """Assertions read the English texts (the browser test covers both languages)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def in_request(app):
    """A request context, for services whose refusals are translated texts."""
    with app.test_request_context():
        yield


@pytest.fixture
def world(make):
    """A community with a pickup point, a leader and three residents; another community."""

    class World:
        pass

    w = World()
    w.community = make.community("翠屏幸福里", buildings="1栋: 1单元, 2单元\n3栋: 1单元, 2单元\n5栋: 1单元")
    w.point = make_point(w.community)
    w.leader = make.member(
        w.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER, building_index=1
    )
    w.residents = [
        make.member(w.community, make.user(name), building_index=i)
        for i, name in enumerate(["王阿姨", "张先生", "刘女士"])
    ]
    w.admin = make.member(w.community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    w.other = make.community("梧桐花园")
    w.outsider = make.member(w.other, make.user("外人"))
    return w
