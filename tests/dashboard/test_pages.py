"""The dashboard pages as an admin, the platform admin and a leader see them: the headline
figures with their change and explanation, "small sample", the charts with their tables, the CSV
(local dates), the NPS comments named as the staff policy allows, the platform's view across
communities, the leader's own figures on the workbench, and a query count that does not grow."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db
from portal.core.localtime import today
from portal.dashboard.metrics import METRICS
from portal.dashboard.rollups import periods
from portal.neighbors.models import Visibility
from portal.neighbors.privacy import ensure_profile
from tests.dashboard.pages_helpers import answer, fill, put


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def metric(unit, lower_is_better=False):
    """The first metric of a unit (the tests do not depend on the metrics' keys)."""
    return next(m for m in METRICS.values() if m.unit == unit and m.lower_is_better == lower_is_better)


@pytest.fixture
def town(make):
    class Town:
        pass

    t = Town()
    t.community = make.community("翠屏幸福里")
    t.admin = make.member(t.community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    t.resident = make.member(t.community, make.user("王阿姨"))
    t.leader = make.member(t.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    t.other = make.community("梧桐花园")
    t.other_admin = make.member(t.other, make.user("吴主任"), roles=Role.RESIDENT | Role.ADMIN)
    t.platform = make.user("平台", is_platform_admin=True)
    return t


def card_of(html, key):
    start = html.index(f'id="db-card-{key}"')
    return html[start : html.index("</article>", start)]


def test_an_admin_sees_the_figures_their_change_and_explanation(auth, town):
    reached = METRICS["households_reached"]
    fill(town.community.id, "month", reached.key, [30.0] * 10 + [40.0, 45.0])
    worse = metric("percent", lower_is_better=True)
    fill(town.community.id, "month", worse.key, [2.0] * 10 + [2.0, 5.0], n=12)
    fill(town.other.id, "month", reached.key, [93.0] * 12)  # another community's: never shown

    html = auth.login(town.admin.user).get("/admin/dashboard").get_data(as_text=True)

    card = card_of(html, reached.key)
    assert str(reached.label) in card and "45%" in card
    assert "▲ +5 pt · better" in card
    assert "40%" in card  # last month's value beside the change
    assert str(reached.explanation) in card and "<details" in card
    assert "small sample" not in card
    card = card_of(html, worse.key)
    assert "5%" in card and "▲ +3 pt · worse" in card and "is-bad" in card
    assert "small sample" in card and "n = 12" in card
    assert "93%" not in html
    assert "翠屏幸福里" in html


def test_the_charts_come_with_their_tables_and_tooltips(auth, town):
    reached = METRICS["households_reached"]
    counted = metric("count")
    fill(town.community.id, "month", reached.key, [None] * 9 + [20.0, 30.0, 35.0])
    fill(town.community.id, "month", counted.key, [5.0 * i for i in range(12)])

    html = auth.login(town.admin.user).get("/admin/dashboard").get_data(as_text=True)

    figure = html[html.index(f'id="db-chart-{reached.key}"') :]
    figure = figure[: figure.index("</figure>")]
    assert "<svg" in figure and "<polyline" in figure and "style=" not in figure
    assert "<title>" in figure and "35% · n = 40" in figure  # a point's tooltip
    assert figure.count("<td") == 24  # value and sample of each of the 12 months
    assert "—" in figure  # months with nothing measured
    bars = html[html.index(f'id="db-chart-{counted.key}"') :]
    bars = bars[: bars.index("</figure>")]
    assert len(re.findall(r'class="chart-bar[ "]', bars)) == 12 and ">55<" in bars
    assert f'href="/admin/dashboard/{counted.key}.csv?period=month"' in bars


def test_nothing_measured_yet(auth, town):
    html = auth.login(town.admin.user).get("/admin/dashboard").get_data(as_text=True)
    assert "Nothing measured in these periods yet." in html
    assert "nothing to compare" in html and "small sample" in html


def test_the_period_switch(auth, town):
    reached = METRICS["households_reached"]
    fill(town.community.id, "week", reached.key, [10.0] * 10 + [20.0, 25.0])
    fill(town.community.id, "month", reached.key, [60.0] * 12)
    client = auth.login(town.admin.user)

    week = client.get("/admin/dashboard?period=week").get_data(as_text=True)
    assert "25%" in card_of(week, reached.key) and "Over the last 12 weeks" in week
    assert "60%" in card_of(client.get("/admin/dashboard").get_data(as_text=True), reached.key)
    assert client.get("/admin/dashboard?period=year").status_code == 404
    assert client.get(f"/admin/dashboard/{reached.key}.csv?period=decade").status_code == 404


def test_the_csv_of_a_chart(auth, town):
    hours = metric("hours", lower_is_better=True)
    starts = fill(town.community.id, "month", hours.key, [None] * 11 + [3.25], n=7, p90=8.5)
    client = auth.login(town.admin.user)

    response = client.get(f"/admin/dashboard/{hours.key}.csv?period=month")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"{hours.key}-month.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["From", "To", f"{hours.label} (h)"]
    assert len(rows) == 13
    last = rows[-1]
    assert last[0] == starts[-1].isoformat()  # the month's first local day
    assert last[1] == ((starts[-1] + timedelta(days=32)).replace(day=1) - timedelta(days=1)).isoformat()
    assert last[2] == "3.25" and last[5] == "7" and last[6] == "8.5" and last[7] == "yes"
    assert rows[1][2] == "" and rows[1][5] == "0"


def test_a_percent_in_the_csv_is_written_0_to_100(auth, town):
    reached = METRICS["households_reached"]
    fill(town.community.id, "week", reached.key, [12.5] * 12, n=40)
    response = auth.login(town.admin.user).get(f"/admin/dashboard/{reached.key}.csv?period=week")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][2] == f"{reached.label} (%)"
    assert rows[-1][2] == "12.5" and rows[-1][7] == ""
    assert rows[-1][0] == (today() - timedelta(days=today().weekday())).isoformat()  # Monday


def test_an_unknown_chart_is_404(auth, town):
    client = auth.login(town.admin.user)
    assert client.get("/admin/dashboard/nonsense.csv").status_code == 404
    platform = auth.login(town.platform)
    assert platform.get("/platform/dashboard/nonsense.csv").status_code == 404


def test_the_platform_view(auth, town, app):
    reached = METRICS["households_reached"]
    fill(None, "month", reached.key, [20.0] * 11 + [33.0])
    fill(town.community.id, "month", reached.key, [10.0] * 11 + [41.0])
    fill(town.other.id, "month", reached.key, [50.0] * 11 + [27.0], n=9)
    client = auth.login(town.platform)

    html = client.get("/platform/dashboard").get_data(as_text=True)

    assert "33%" in card_of(html, reached.key)  # all communities together
    table = html[html.index('id="db-community-rows"') :]
    table = table[: table.index("</tbody>")]
    assert "翠屏幸福里" in table and "梧桐花园" in table and "41%" in table and "27%" in table
    assert 'class="is-small-sample"' in table  # 梧桐花园's 9 cases
    assert f"/admin/dashboard?community={town.other.id}" in table.replace("&amp;", "&")
    one = client.get(f"/admin/dashboard?community={town.other.id}").get_data(as_text=True)
    assert "梧桐花园" in one and "27%" in card_of(one, reached.key)
    assert client.get("/admin/dashboard?community=987654").status_code == 404
    assert client.get("/admin/dashboard?community=x").status_code == 404
    csv_text = client.get(f"/platform/dashboard/{reached.key}.csv").get_data(as_text=True)
    assert csv_text.strip().splitlines()[-1].split(",")[2] == "33"
    # a community admin may not ask for another community
    admin = auth.login(town.admin.user)
    mine = admin.get(f"/admin/dashboard?community={town.other.id}").get_data(as_text=True)
    assert "翠屏幸福里" in mine and "27%" not in mine
    assert admin.get("/platform/dashboard").status_code == 403


def test_the_platform_table_is_paged(auth, make, town):
    for i in range(21):
        make.community(f"小区{i:02d}")
    client = auth.login(town.platform)
    first = client.get("/platform/dashboard").get_data(as_text=True)
    assert first.count('<th scope="row"><a href="/admin/dashboard?community=') == 20
    assert "page=2" in first
    second = client.get("/platform/dashboard?page=2").get_data(as_text=True)
    assert second.count('<th scope="row"><a href="/admin/dashboard?community=') == 3


def test_dashboard_sends_each_to_theirs(auth, client, town):
    assert auth.login(town.admin.user).get("/dashboard").headers["Location"].endswith("/admin/dashboard")
    assert auth.login(town.platform).get("/dashboard").headers["Location"].endswith("/platform/dashboard")
    assert (
        auth.login(town.platform).get("/admin/dashboard").headers["Location"].endswith("/platform/dashboard")
    )
    assert auth.login(town.resident.user).get("/dashboard").status_code == 403
    assert auth.login(town.resident.user).get("/admin/dashboard").status_code == 403
    assert "/login" in client.get("/dashboard").headers["Location"]


def test_nps_comments_name_the_respondent_as_their_privacy_allows(auth, make, town, app):
    nps = metric("score")
    put(town.community.id, "month", periods("month", 1, today())[0], nps.key, 25.0, 40)
    open_member = make.member(town.community, make.user("张先生"))
    with app.test_request_context():
        ensure_profile(open_member).name_visibility = Visibility.COMMUNITY
    db.session.commit()
    answer(town.community, town.resident.user, 3, "取货点太远了", days_ago=2)
    answer(town.community, open_member.user, 10, "团长很负责", days_ago=1)
    answer(town.community, None, 8, "还不错", days_ago=3)
    answer(town.other, town.other_admin.user, 0, "别的小区的话")

    html = auth.login(town.admin.user).get("/admin/dashboard").get_data(as_text=True)

    assert "+25" in card_of(html, nps.key)
    nps_section = html[html.index('id="db-nps"') :]
    assert nps_section.index("团长很负责") < nps_section.index("取货点太远了") < nps_section.index("还不错")
    assert "张先生" in nps_section  # shows their name to the community
    assert "王**" in nps_section and "王阿姨" not in nps_section  # private by default
    assert "Former resident" in nps_section
    assert "is-promoter" in nps_section and "is-detractor" in nps_section and "is-passive" in nps_section
    assert "别的小区的话" not in html
    # the platform admin is not the community's staff: no names
    platform = auth.login(town.platform).get(f"/admin/dashboard?community={town.community.id}")
    text = platform.get_data(as_text=True)
    assert "团长很负责" in text and "张先生" not in text and "王**" not in text
    assert "Names are shown to the community's admins only." in text


def test_the_comments_list_is_paged(auth, town):
    for i in range(25):
        answer(town.community, town.resident.user, i % 11, f"意见{i:02d}", days_ago=i + 1)
    client = auth.login(town.admin.user)
    dashboard = client.get("/admin/dashboard").get_data(as_text=True)
    assert dashboard.count('class="db-comment"') == 5 and "All comments" in dashboard
    first = client.get("/admin/dashboard/comments").get_data(as_text=True)
    assert first.count('class="db-comment"') == 20 and "意见00" in first and "page=2" in first
    second = client.get("/admin/dashboard/comments?page=2", headers={"HX-Request": "true"})
    text = second.get_data(as_text=True)
    assert text.count('class="db-comment"') == 5 and "意见24" in text and "<html" not in text


def test_a_leader_sees_their_own_figures_on_the_workbench(auth, town):
    html = auth.login(town.leader.user).get("/groupbuy/workbench").get_data(as_text=True)
    section = html[html.index('id="db-workbench"') :]
    assert "My figures this month" in section
    assert section.count('class="db-card') >= 1
    assert "Last month" in section


def count_statements(client, url) -> int:
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen)


def test_the_query_count_does_not_grow_with_the_rows(auth, make, town):
    admin, platform = auth.login(town.admin.user), auth.login(town.platform)
    urls = [
        (admin, "/admin/dashboard"),
        (admin, "/admin/dashboard?period=week"),
        (admin, "/admin/dashboard/comments"),
        (platform, "/platform/dashboard"),
        (platform, f"/admin/dashboard?community={town.community.id}"),
    ]
    keys = list(METRICS)

    def grow(communities, comments, offset):
        for community in communities:
            for key in keys:
                fill(community.id, "month", key, [0.5] * 12)
                fill(community.id, "week", key, [0.5] * 12)
        for i in range(comments):
            answer(town.community, make.member(town.community).user, i % 11, f"第{offset + i}条")

    grow([town.community], 2, 0)
    few = [count_statements(client, url) for client, url in urls]
    grow([town.other, make.community("第三小区")], 30, 100)
    many = [count_statements(client, url) for client, url in urls]
    assert few == many


def test_admins_find_the_dashboard_in_the_navigation(auth, town):
    assert 'href="/admin/dashboard"' in auth.login(town.admin.user).get("/").get_data(as_text=True)
    assert 'href="/admin/dashboard"' not in auth.login(town.resident.user).get("/").get_data(as_text=True)
    communities = auth.login(town.platform).get("/platform/communities").get_data(as_text=True)
    assert 'href="/platform/dashboard"' in communities
