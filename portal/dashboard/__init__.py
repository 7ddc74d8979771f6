"""The community dashboard (数据看板): the figures the seeds judge a community by, for its
admins and, across communities, for the platform admin; and the leaders' own figures (团长人效)
on their workbench.

The figures are defined once in metrics.py and read from the daily rollups (rollups.py), so a
page costs the same for a community with 100,000 orders as for one with 500. The pages
(views.py) show each figure with its change against the previous period, its explanation and
the "small sample" mark, its chart over 12 weeks or months as CSP-safe SVG with the table of its
numbers, and a CSV of it.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.core.nav import register_tile
from portal.core.sections import register_section

bp = Blueprint("dashboard", __name__, cli_group="dashboard")

register_tile("dashboard.admin_dashboard", _l("Dashboard"), "📊", order=95, visible=holds(Role.ADMIN))


def _sections() -> None:
    from portal.dashboard import sections as s

    register_section("groupbuy.workbench", "dashboard/_workbench_section.html", s.workbench_section, order=20)


_sections()

from portal.dashboard import cli, views  # noqa: E402,F401
