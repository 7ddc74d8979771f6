"""`flask events remind` (once, for cron) and `flask events reminders` (keeps running)."""

import time

import click
from flask import current_app

from portal.events import bp
from portal.realtime import pushes_apart


@bp.cli.command("remind")
@pushes_apart
def remind_command():
    """Remind people of tomorrow's events (each signup once) and close waitlists of events that began."""
    from portal.events.services.reminders import run_periodic

    result = run_periodic()
    click.echo(f"events: {result['reminded']} reminded, {result['expired']} waitlisted signups expired")


@bp.cli.command("reminders")
@pushes_apart
@click.option("--interval", type=float, default=None, help="Seconds between sweeps (default 300).")
def reminders_command(interval):
    """Keep sending day-before reminders (the production process beside gunicorn)."""
    from portal.events.scheduler import start_sweeper

    sweeper = start_sweeper(current_app._get_current_object(), interval)
    click.echo(f"events sweeper running every {sweeper.interval:g}s; Ctrl+C stops it")
    try:
        while sweeper.is_alive():
            time.sleep(1)
    except KeyboardInterrupt:
        sweeper.stop()
