"""`flask dashboard rollup --from --to` (recompute a range) and `flask dashboard sweeper` (the
hourly rollups as a process beside gunicorn)."""

import json
import signal
from datetime import date

import click
from flask import current_app

from portal.dashboard import bp


def _day(_ctx, param, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param=param) from None


@bp.cli.command("rollup")
@click.option("--from", "first", required=True, callback=_day, help="First day (YYYY-MM-DD), local.")
@click.option("--to", "last", required=True, callback=_day, help="Last day (YYYY-MM-DD), included.")
def rollup_command(first: date, last: date):
    """Recompute the rollups of every day, week and month that overlaps the range, of every
    community and of the platform (one transaction per community, so the pages keep answering)."""
    from portal.core.db import db
    from portal.dashboard.rollups import all_communities, recompute_range

    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="'--to'")
    report = {"communities": 0, "periods": 0, "rollups": 0}
    for community_id in all_communities():
        done = recompute_range(first, last, [community_id])
        db.session.commit()
        report = {key: report[key] + done[key] for key in report}
    click.echo(json.dumps(report, sort_keys=True))


@bp.cli.command("sweeper")
@click.option("--interval", type=float, default=None, help="Seconds between runs (default 3600).")
def sweeper_command(interval):
    """Keep the current and previous day's, week's and month's rollups fresh until stopped."""
    from portal.dashboard.scheduler import RollupSweeper

    sweeper = RollupSweeper(current_app._get_current_object(), interval)
    signal.signal(signal.SIGTERM, lambda *_: sweeper.stop())
    click.echo(f"dashboard rollups every {sweeper.interval:g} s (Ctrl+C stops it)")
    try:
        sweeper.run()
    except KeyboardInterrupt:
        sweeper.stop()
