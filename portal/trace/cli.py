"""`flask trace publish-roots` (once, for cron) and `flask trace roots` (keeps running)."""

import signal

import click
from flask import current_app

from portal.trace import bp


@bp.cli.command("publish-roots")
def publish_roots_command():
    """Fix today's daily root for every community with recorded batches that has none yet."""
    from portal.trace.scheduler import publish_roots

    result = publish_roots()
    click.echo(f"trace: {result['published']} daily roots published")


@bp.cli.command("roots")
@click.option("--interval", type=float, default=None, help="Seconds between runs (default 600).")
def roots_command(interval):
    """Keep publishing each day's root at the day's first run (the production process)."""
    from portal.trace.scheduler import RootPublisher

    publisher = RootPublisher(current_app._get_current_object(), interval)
    signal.signal(signal.SIGTERM, lambda *_: publisher.stop())
    click.echo(f"trace roots job running every {publisher.interval:g} s (Ctrl+C stops it)")
    try:
        publisher.run()
    except KeyboardInterrupt:
        publisher.stop()
