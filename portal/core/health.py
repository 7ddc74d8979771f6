"""The health of the portal's parts, for monitoring: `GET /healthz` and `flask health`.

Each part is a check that returns (ok, detail). Core checks the database and, when one is
configured, Redis; domains register their own parts (the lockers: the MQTT broker and whether an
ingest is subscribed). The answer is JSON, `{"ok": true, "checks": {name: {"ok": …}}}`,
with status 200 when every check is ok and 503 otherwise (`flask health` exits 1). What each part
said (`detail`: addresses, client ids, errors) is shown to the platform admin and by the command,
not to everyone who can reach /healthz.
"""

import json
import time
from collections.abc import Callable

import click
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from portal.core.db import db

bp = Blueprint("health", __name__, cli_group=None)  # `flask health`

CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {}


def register_check(name: str, check: Callable[[], tuple[bool, str]]) -> None:
    CHECKS[name] = check


def _timed(work: Callable[[], object]) -> str:
    started = time.perf_counter()
    work()
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def database() -> tuple[bool, str]:
    try:
        detail = _timed(lambda: db.session.execute(sa.text("SELECT 1")))
    finally:
        db.session.rollback()
    return True, f"{db.engine.dialect.name}, {detail}"


def redis() -> tuple[bool, str]:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return True, "not configured (one web process; the ingest and sweepers in-process or without pushes)"
    import redis as redis_client

    client = redis_client.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return True, _timed(client.ping)
    finally:
        client.close()


def run_checks() -> dict:
    results = {}
    for name, check in {"database": database, "redis": redis, **CHECKS}.items():
        try:
            ok, detail = check()
        except Exception as error:  # a part that is down: say what, never a 500
            ok, detail = False, f"{type(error).__name__}: {error}"[:300]
        results[name] = {"ok": ok, "detail": detail}
    return {"ok": all(r["ok"] for r in results.values()), "checks": results}


@bp.get("/healthz")
def healthz():
    """The parts' health as JSON; 503 when one of them is down."""
    report = run_checks()
    if not (current_user.is_authenticated and current_user.is_platform_admin):
        report["checks"] = {name: {"ok": check["ok"]} for name, check in report["checks"].items()}
    response = jsonify(report)
    response.status_code = 200 if report["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.cli.command("health")
def health_command():
    """Check the database, Redis, the MQTT broker and the ingest; exit 1 when one is down."""
    report = run_checks()
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    raise SystemExit(0 if report["ok"] else 1)
