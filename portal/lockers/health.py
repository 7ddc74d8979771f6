"""The lockers' parts in the health check (portal/core/health.py): the MQTT broker the portal
ingests from, and whether an ingest is subscribed to it now."""

import socket
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal.core.db import db, utcnow
from portal.core.health import register_check
from portal.iot.client import parse_url
from portal.lockers.ingest_upkeep import STATS_EVERY_S
from portal.lockers.models import IngestStats

FRESH = timedelta(seconds=4 * STATS_EVERY_S)  # an ingest writes its row every STATS_EVERY_S


def broker() -> tuple[bool, str]:
    url = current_app.config.get("MQTT_URL")
    if not url:
        return True, "not configured (flask serve runs an embedded broker)"
    address = parse_url(url)
    with socket.create_connection((address.host, address.port), timeout=2):
        return True, f"{address.host}:{address.port} answers"


def ingest() -> tuple[bool, str]:
    """Subscribed: an ingest wrote its row lately and is connected (after its SUBACK)."""
    try:
        row = db.session.scalar(
            sa.select(IngestStats).order_by(IngestStats.updated_at.desc()).limit(1)
        )
    finally:
        db.session.rollback()
    fresh = row is not None and row.updated_at > utcnow() - FRESH
    if fresh and row.connected:
        return True, f"{row.client_id} subscribed, heard {row.updated_at:%H:%M:%S} UTC"
    if not current_app.config.get("MQTT_URL") and row is None:
        return True, "no ingest (no lockers configured)"
    if row is None:
        return False, "no ingest has run: start `flask lockers ingest`"
    state = "not subscribed" if fresh else f"silent since {row.updated_at:%Y-%m-%d %H:%M:%S} UTC"
    return False, f"{row.client_id} {state}"


register_check("mqtt", broker)
register_check("ingest", ingest)
