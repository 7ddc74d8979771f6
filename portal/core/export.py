"""Files the portal hands out: CSV downloads for spreadsheets and QR codes as SVG.

CSV is UTF-8 with a BOM (Excel opens it right), residents' text never becomes a formula, and a
time is written on the community's wall clock as "2026-12-01 18:30", which spreadsheets read as a
date and time (never raw UTC ISO with microseconds).
"""

import csv
import io
from collections.abc import Iterable
from datetime import datetime

import qrcode
import qrcode.image.svg
from flask import make_response

from portal.core.localtime import plain

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell as text: a time on the community's clock; text that a spreadsheet would run as a
    formula gets a leading quote."""
    if isinstance(value, datetime):
        return plain(value)
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_START else text


def csv_download(filename: str, header: list, rows: Iterable[list]):
    """A CSV attachment: the header row, then every row with each cell made safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    response = make_response(buffer.getvalue())
    response.headers.update(
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        }
    )
    return response


def qr_svg(content: str, box_size: int = 10):
    """A QR code of `content` as an SVG image response, not to be cached (it is a key)."""
    image = qrcode.make(content, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    response = make_response(buffer.getvalue())
    response.headers.update({"Content-Type": "image/svg+xml", "Cache-Control": "private, no-store"})
    return response
