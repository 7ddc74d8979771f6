"""`flask events remind`: the periodic events job, for cron or the scheduler."""

import click

from portal.events import bp


@bp.cli.command("remind")
def remind_command():
    """Remind people of tomorrow's events (each signup once) and close waitlists of events that began."""
    from portal.events.services import run_periodic

    result = run_periodic()
    click.echo(f"events: {result['reminded']} reminded, {result['expired']} waitlisted signups expired")
