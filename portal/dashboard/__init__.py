"""The community dashboard (社区看板): the figures the community is measured by, defined once in
metrics.py, rolled up per day, week and month (rollups.py) by the sweeper and by
`flask dashboard rollup`, and read from the rollups by the pages."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, cli_group="dashboard")

from portal.dashboard import cli  # noqa: E402,F401
