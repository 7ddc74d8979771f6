"""The public trace page behind a batch's QR code: no login, a GS1 Digital Link-shaped address.

    GET /t/01/<gtin>/10/<lot>    the journey, the temperatures, whether the chain verifies
    (Accept: application/json)   the EPCIS 2.0 document that scripts/verify_trace.py re-checks

Every view (page or JSON) is counted for the community's day; the route is rate-limited per
address (TRACE_PAGE_RATE_LIMIT). Nothing on it names a person.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import abort, current_app, make_response, request, url_for
from flask_babel import gettext as _

from portal.core import localtime, svgchart
from portal.core.db import begin_write, db
from portal.core.htmx import render
from portal.core.sections import sections
from portal.extensions import limiter
from portal.trace import bp, reading
from portal.trace.reading import Reading
from portal.trace.services import batch_at, trace_url

COLD_RANGE = (0.0, 8.0)  # °C: chilled goods
VERIFY_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_trace.py"
JSON_TYPES = ("application/json", "application/ld+json")


def trace_page_limit() -> str:
    return current_app.config["TRACE_PAGE_RATE_LIMIT"]


def wants_json() -> bool:
    offered = ["text/html", *JSON_TYPES]
    return request.accept_mimetypes.best_match(offered) in JSON_TYPES


@bp.get("/t/01/<gtin>/10/<lot>", endpoint="public")
@limiter.limit(trace_page_limit)
def trace_page(gtin: str, lot: str):
    """A batch's journey for anyone who scans its code (HTML, or JSON by the Accept header)."""
    found = batch_at(gtin, lot)
    if found is None:
        abort(404)
    batch, product, supplier = found
    page = reading.trace_page(batch, product, supplier)
    if wants_json():
        body = json.dumps(reading.document(page), ensure_ascii=False, indent=1)
        response = make_response(body, 200)
        response.mimetype = "application/json"
    else:
        response = render(
            "trace/public.html",
            page=page,
            chart=temperature_chart(page.readings),
            sections=sections("trace.public", product=product, batch=batch),
            json_url=trace_url(gtin, lot, external=True),
            script_url=url_for("trace.verify_script", _external=True),
        )
    response.vary.add("Accept")
    if request.method == "GET":  # once the page is rendered: the commit expires what it showed
        batch_id, community_id = batch.id, batch.community_id
        begin_write()
        reading.count_view(batch_id, community_id)
        db.session.commit()
    return response


@bp.get("/t/verify_trace.py", endpoint="verify_script")
def verify_script():
    """The script that re-verifies a trace page's JSON (standard library only), to download."""
    response = make_response(VERIFY_SCRIPT.read_bytes())  # a small file, read whole: nothing left open
    response.mimetype = "text/plain"
    response.headers["Content-Disposition"] = 'inline; filename="verify_trace.py"'
    return response


# --- the temperature chart --------------------------------------------------------------------


def temperature_chart(readings: list[Reading]):
    """The cold chain as a line per sensor, the 0–8 °C range shaded; None without readings."""
    if not readings:
        return None
    devices = list(dict.fromkeys(r.device for r in readings))
    low, high = COLD_RANGE
    series = []
    for device in devices:
        mine = [r for r in readings if r.device == device]
        points = svgchart.thin([(r.time.timestamp(), r.value) for r in mine], 240)
        series.append(
            svgchart.Series(
                name=device_name(device),
                points=points,
                titles=[f"{_tick_tip(x)} · {y:g} °C · {device_name(device)}" for x, y in points],
                classes=["is-out" if not low <= y <= high else "" for _, y in points],
            )
        )
    first, last = readings[0].time, readings[-1].time
    return svgchart.line_chart(
        series,
        title=_("Temperatures along the way"),
        description=_(
            "%(n)s readings from %(first)s to %(last)s, between %(low)s and %(high)s °C.",
            n=len(readings),
            first=localtime.when(first),
            last=localtime.when(last),
            low=f"{min(r.value for r in readings):g}",
            high=f"{max(r.value for r in readings):g}",
        ),
        x_label=_axis_label(last - first),
        y_label=lambda y: f"{y:g}°",
        y_range=(low, high + 2),
        bands=[svgchart.Band(low, high, _("cold range 0–8 °C"))],
        css="chart tp-chart",
    )


def device_name(device: str) -> str:
    """A sensor's short name: the last part of its id (a compartment, a truck's logger)."""
    return device.rsplit(":", 1)[-1] or device or "—"


def _tick_tip(x: float) -> str:
    return localtime.when(datetime.fromtimestamp(x, UTC))


def _axis_label(span: timedelta):
    def label(x: float) -> str:
        moment = datetime.fromtimestamp(x, UTC).astimezone(localtime.zone())
        return moment.strftime("%H:%M") if span <= timedelta(hours=20) else moment.strftime("%m-%d %H:%M")

    return label
