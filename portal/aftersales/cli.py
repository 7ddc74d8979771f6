"""`flask aftersales sweep` (once, for cron) and `flask aftersales sweeper` (keeps running)."""

import json
import signal

import click
from flask import current_app

from portal.aftersales import bp
from portal.realtime import pushes_apart


@bp.cli.command("sweep")
@pushes_apart
def sweep_command():
    """Escalate cases that got no offer in time (once; for cron)."""
    from portal.aftersales.services import escalate_overdue

    click.echo(json.dumps(escalate_overdue(), sort_keys=True))


@bp.cli.command("sweeper")
@pushes_apart
@click.option("--interval", type=float, default=None, help="Seconds between sweeps (default 300).")
def sweeper_command(interval):
    """Run the escalation sweep until stopped (the production process beside gunicorn)."""
    from portal.aftersales.scheduler import AftersalesSweeper

    sweeper = AftersalesSweeper(current_app._get_current_object(), interval)
    signal.signal(signal.SIGTERM, lambda *_: sweeper.stop())
    click.echo(f"after-sales sweeper running every {sweeper.interval:g} s (Ctrl+C stops it)")
    try:
        sweeper.run()
    except KeyboardInterrupt:
        sweeper.stop()
