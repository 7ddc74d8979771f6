import pytest

from portal.community.models import Role
from portal.moderation.services import trust
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
def world(make):
    """A community with a pickup point, a leader, an admin and residents: 王阿姨 and 王先生 share a
    unit (one household), 张先生 and 刘女士 live elsewhere; another community with an outsider.
    Everyone is trusted (first posts need no approval) unless a test says otherwise."""
    from portal.core.db import db

    class World:
        pass

    w = World()
    w.community = make.community("翠屏幸福里", buildings="1栋: 1单元\n3栋: 1单元\n5栋: 1单元\n7栋: 1单元")
    w.point = make_point(w.community)
    w.leader = make.member(
        w.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER, building_index=3
    )
    w.wang = make.member(w.community, make.user("王阿姨"), building_index=0)
    w.wang2 = make.member(w.community, make.user("王先生"), building_index=0)  # same unit as 王阿姨
    w.zhang = make.member(w.community, make.user("张先生"), building_index=1)
    w.liu = make.member(w.community, make.user("刘女士"), building_index=2)
    w.admin = make.member(
        w.community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN, building_index=3
    )
    w.other = make.community("梧桐花园")
    w.outsider = make.member(w.other, make.user("外人"))
    for m in (w.leader, w.wang, w.wang2, w.zhang, w.liu, w.admin, w.outsider):
        trust(m.user_id, m.community_id)
    db.session.commit()
    return w
