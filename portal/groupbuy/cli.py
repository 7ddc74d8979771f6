"""`flask groupbuy sweep` (once, for cron) and `flask groupbuy sweeper` (the closer as a process)."""

import json
import signal

import click
from flask import current_app

from portal.groupbuy import bp
from portal.realtime import pushes_apart


@bp.cli.command("sweep")
@pushes_apart
def sweep_command():
    """Close buys past their deadline, remind and flag uncollected orders (once; for cron)."""
    from portal.groupbuy.services.closing import sweep

    click.echo(json.dumps(sweep(), sort_keys=True))


@bp.cli.command("sweeper")
@pushes_apart
@click.option("--interval", type=float, default=None, help="Seconds between sweeps (default 20).")
def sweeper_command(interval):
    """Run the closer until stopped: a sweep at start, then every ~20 s (production process)."""
    from portal.groupbuy.scheduler import Sweeper

    sweeper = Sweeper(current_app._get_current_object(), interval)
    signal.signal(signal.SIGTERM, lambda *_: sweeper.stop())
    click.echo(f"group-buy sweeper running every {sweeper.interval:g} s (Ctrl+C stops it)")
    try:
        sweeper.run()
    except KeyboardInterrupt:
        sweeper.stop()
