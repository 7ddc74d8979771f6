"""`flask lockers ...`: the MQTT ingest as its own process, and locker credentials."""

import signal
import threading
import time

import click
import sqlalchemy as sa
from flask import current_app

from portal.lockers import bp
from portal.realtime import pushes_apart


@bp.cli.command("ingest")
@pushes_apart
@click.option("--client-id", default=None, help="MQTT client id (PORTAL_MQTT_CLIENT_ID, linli-portal).")
@click.option("--stats-every", default=60.0, help="Seconds between counter lines in the log.")
def ingest_command(client_id, stats_every):
    """Run the locker MQTT ingest until SIGTERM / Ctrl-C (production: its own process).

    Needs PORTAL_MQTT_URL (mqtt://user:password@host:1883) and PORTAL_REDIS_URL, through which
    its live updates reach the web processes' Socket.IO servers.
    """
    from portal.lockers.runtime import start_ingest

    app = current_app._get_current_object()
    url = app.config.get("MQTT_URL")
    if not url:
        raise click.UsageError(
            "set PORTAL_MQTT_URL=mqtt://user:password@host:1883 (the broker to ingest from)"
        )
    ingest = start_ingest(app, url, client_id=client_id)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(
        f"ingesting {ingest.topics.subscription} from {ingest.broker.host}:{ingest.broker.port} "
        f"as {ingest.client_id}"
    )
    next_line = time.monotonic() + stats_every
    while not stop.wait(1.0):
        if time.monotonic() >= next_line:
            next_line += stats_every
            app.logger.info("ingest counters: %s", ingest.counters.snapshot())
    ingest.stop()
    click.echo(f"stopped: {ingest.counters.snapshot()}")


@bp.cli.command("credentials")
@click.argument("device_id")
def credentials_command(device_id):
    """Give a registered locker a new MQTT password and print it (with a mosquitto_passwd line)."""
    from portal.core.db import begin_write, db
    from portal.lockers.models import Locker
    from portal.lockers.services import rotate_credentials

    begin_write()
    locker = db.session.scalar(sa.select(Locker).where(Locker.device_id == device_id))
    if locker is None:
        raise click.ClickException(f"no locker {device_id!r} is registered")
    password = rotate_credentials(locker)
    db.session.commit()
    click.echo(f"username {locker.device_id}\npassword {password}")
    click.echo(f"mosquitto_passwd -b /etc/mosquitto/linli.passwd {locker.device_id} '{password}'")
