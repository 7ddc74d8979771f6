"""The QR code of a batch's public trace page, printed on pick lists and shown on the buy."""

from flask import abort

from portal.core.export import qr_svg
from portal.trace import bp
from portal.trace.services import batch_at, trace_url


@bp.get("/t/01/<gtin>/10/<lot>/qr.svg")
def qr(gtin: str, lot: str):
    if batch_at(gtin, lot) is None:
        abort(404)
    return qr_svg(trace_url(gtin, lot, external=True), box_size=8)
