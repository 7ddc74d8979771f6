"""`flask demo seed` and `flask serve`: what `make run` runs.

Flask finds them through the `flask.commands` entry points in pyproject.toml, so the
application itself never imports the demo.
"""

import os

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.demo import DEMO_PASSWORD, demo_logins, seed_demo

demo = AppGroup("demo", help="Demo community for trying Linli out.")


@demo.command("seed")
def seed_command():
    """Create (once) the demo community with its people; prints the logins."""
    logins = seed_demo()
    click.echo(f"Demo community ready; every demo login uses the password {DEMO_PASSWORD}")
    for role, phone, name in logins:
        click.echo(f"  {role:<16} {phone}  {name}")


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (PORTAL_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (PORTAL_PORT, 5000).")
@with_appcontext
def serve_command(host, port):
    """Serve the portal in one process, with Socket.IO, the MQTT parts and the sweepers
    (local use and demos; production runs them as separate processes, see the README)."""
    from portal.extensions import socketio

    host = host or current_app.config.get("HOST", "127.0.0.1")
    port = port or int(current_app.config.get("PORT", 5000))
    click.echo(f"\nLinli is running at http://{host}:{port}/")
    logins = demo_logins()
    if logins:
        click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, phone, name in logins:
            click.echo(f"  {role:<16} {phone}  {name}")
    app = current_app._get_current_object()
    mqtt = _start_mqtt(app)
    _start_groupbuy_sweeper(app)
    _start_events_sweeper(app)
    _start_trace_roots(app)
    _start_aftersales_sweeper(app)
    _start_dashboard_rollups(app)
    click.echo("Press Ctrl+C to stop.\n")
    # Flask's app.run() does nothing when it sees it runs under `flask` (FLASK_RUN_FROM_CLI);
    # socketio.run() calls it, so without this `flask serve` would return at once.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
    finally:
        mqtt.stop()


def _start_mqtt(app):
    """Lockers: the embedded broker, the ingest and the simulated demo lockers (PORTAL_MQTT_URL
    unset), or the ingest from PORTAL_MQTT_URL. Only here, never in create_app."""
    from portal.demo.lockers import start_simulation
    from portal.lockers.runtime import start_for_serve

    runtime = start_for_serve(app, echo=click.echo)
    if runtime.broker is not None and app.config.get("MQTT_SIMULATE", True):
        start_simulation(app, runtime, echo=click.echo)
    return runtime


def _start_groupbuy_sweeper(app):
    """Group buys: close at their deadline (a sweep now, for deadlines passed while down, then
    every ~20 s). Production runs `flask groupbuy sweeper` beside gunicorn instead."""
    from portal.groupbuy.scheduler import start_sweeper

    return start_sweeper(app)


def _start_events_sweeper(app):
    """Events: day-before reminders and waitlists of events that began (now, then every ~5 min).
    Production runs `flask events reminders` beside gunicorn, or `flask events remind` from cron."""
    from portal.events.scheduler import start_sweeper

    return start_sweeper(app)


def _start_trace_roots(app):
    """Traceability: each day's root over the communities' chain heads (now, then every ~10 min).
    Production runs `flask trace roots` beside gunicorn, or `flask trace publish-roots` from cron."""
    from portal.trace.scheduler import start_publisher

    return start_publisher(app)


def _start_aftersales_sweeper(app):
    """After-sales: cases with no offer in time go to the admins (now, then every ~5 min).
    Production runs `flask aftersales sweeper` beside gunicorn, or `flask aftersales sweep` from cron."""
    from portal.aftersales.scheduler import start_sweeper

    return start_sweeper(app)


def _start_dashboard_rollups(app):
    """Dashboard: the current and previous day's, week's and month's rollups (now, then hourly).
    Production runs `flask dashboard sweeper` beside gunicorn."""
    from portal.dashboard.scheduler import start_sweeper

    return start_sweeper(app)
