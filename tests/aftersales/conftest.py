import pytest

from portal.community.models import Role
from tests.aftersales.helpers import collected_order
from tests.groupbuy.helpers import make_point


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


@pytest.fixture
def world(make, in_request):
    """A community with a leader, two residents and an admin, a collected order; another community."""

    class World:
        pass

    w = World()
    w.community = make.community("翠屏幸福里")
    w.point = make_point(w.community)
    w.leader = make.member(w.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    w.resident = make.member(w.community, make.user("王阿姨"))
    w.neighbour = make.member(w.community, make.user("张先生"))
    w.admin = make.member(w.community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    w.other = make.community("梧桐花园")
    w.outsider = make.member(w.other, make.user("外人"))
    w.order = collected_order(w.leader, w.resident.user, w.point, quantity=4)
    return w
