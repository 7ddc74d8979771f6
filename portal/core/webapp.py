"""The portal as an installable web app: the manifests, the icons and /favicon.ico.

A resident adds the portal to the phone's home screen (`/manifest.webmanifest`, display
standalone, start at home); a pickup point's screen runs its board full screen
(`/kiosk.webmanifest`, display fullscreen, start at /kiosk, which sends the kiosk to its board).
Both are named in the person's language. The icons are static files, drawn once from
static/icons/icon.svg by scripts/make_icons.py.
"""

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from portal.core.i18n import language_globals

bp = Blueprint("webapp", __name__)

MANIFEST_TYPE = "application/manifest+json"
THEME = "#c2410c"


def _icons() -> list[dict]:
    def icon(name, size, kind, purpose="any"):
        src = url_for("static", filename=f"icons/{name}")
        return {"src": src, "sizes": size, "type": kind, "purpose": purpose}

    return [
        icon("icon.svg", "any", "image/svg+xml"),
        icon("icon-192.png", "192x192", "image/png"),
        icon("icon-512.png", "512x512", "image/png"),
        icon("icon-maskable-512.png", "512x512", "image/png", "maskable"),
    ]


def _manifest(**fields):
    body = {
        "lang": language_globals()["html_lang"],
        "dir": "ltr",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": _icons(),
        **fields,
    }
    response = jsonify(body)
    response.mimetype = MANIFEST_TYPE
    response.headers["Cache-Control"] = "no-cache"  # named in the person's language
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return _manifest(
        id="/", name=_("Linli"), short_name=_("Linli"), start_url=url_for("home.index"),
        scope="/", display="standalone", orientation="portrait",
    )


@bp.get("/kiosk.webmanifest")
def kiosk_manifest():
    return _manifest(
        id="/kiosk", name=f'{_("Linli")} · {_("Pickup board")}', short_name=_("Pickup board"),
        start_url=url_for("lockers.kiosk_home"), scope="/", display="fullscreen",
        orientation="landscape", background_color="#000000",
    )


@bp.get("/favicon.ico")
def favicon():
    """For the pages and clients that ask for /favicon.ico without reading the page's links."""
    # Read whole rather than streamed (send_file): a client that never reads the body (a probe,
    # a test) would otherwise leave the file open.
    icon = Path(current_app.static_folder) / "icons" / "favicon.ico"
    response = Response(icon.read_bytes(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.add_etag()
    return response.make_conditional(request)
