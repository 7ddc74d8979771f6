"""Neighbours routes in the access matrix (see tests/access.py)."""

import io
import tempfile

from flask import current_app
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.db import db
from portal.core.uploads import save_image
from portal.neighbors.privacy import ensure_profile
from portal.neighbors.services import request_contact
from tests.access import Route

MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok"}
A_OBJECT = {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": "ok"}
ADMINS = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": "ok", "outsider_admin": "ok"}
A_ADMIN_OBJECT = {**ADMINS, "outsider_admin": 404}


def png() -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 100, 50)).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(buffer, filename="me.png", content_type="image/png")


def populate(world):
    current_app.config["UPLOAD_FOLDER"] = tempfile.mkdtemp(prefix="linli-uploads-")
    volunteer, resident = world.memberships["volunteer"], world.memberships["resident"]
    with current_app.test_request_context("/"):
        profile = ensure_profile(volunteer)
        profile.avatar = save_image(png(), "avatars")
        profile.avatar_visibility = "community"
        profile.discoverable = True  # listed: her profile opens to the community
        world.objects["contact"] = request_contact(volunteer, resident, "你好", False)
    db.session.commit()


def _v(w):
    return w.memberships["volunteer"].id


ROUTES = [
    Route("neighbors.directory", "GET", lambda w: "/neighbors", {**MEMBERS, "kiosk": 403, "volunteer": "ok"}),
    Route("neighbors.directory", "GET", lambda w: "/neighbors?tag=烘焙&building=y&page=2", MEMBERS),
    Route("neighbors.profile", "GET", lambda w: f"/neighbors/{_v(w)}", A_OBJECT),
    Route(
        "neighbors.profile",
        "GET",
        lambda w: f"/neighbors/{w.memberships['resident'].id}?as=building",
        {**A_OBJECT, "admin": 404},  # unlisted, her name private: only she opens her profile
    ),
    Route(
        "neighbors.profile",
        "GET",
        lambda w: f"/neighbors/{w.memberships['kiosk'].id}",
        {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404},
    ),
    Route("neighbors.edit", "GET", lambda w: "/neighbors/me", MEMBERS),
    Route(
        "neighbors.edit",
        "POST",
        lambda w: "/neighbors/me",
        {"anonymous": "login", "resident": 422, "outsider": 422, "admin": 422},
        data=lambda w: {},
    ),
    Route("neighbors.avatar", "GET", lambda w: f"/neighbors/{_v(w)}/avatar", A_OBJECT),
    Route(
        "neighbors.avatar",
        "GET",
        lambda w: f"/neighbors/{w.memberships['resident'].id}/avatar",
        {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404},
    ),
    Route(
        "neighbors.contact",
        "POST",
        lambda w: f"/neighbors/{_v(w)}/contact",
        {**A_OBJECT, "volunteer": 422},
        data=lambda w: {"message": "你好, 我是 3 栋的"},
    ),
    Route("neighbors.contacts", "GET", lambda w: "/neighbors/contacts", MEMBERS),
    Route(
        "neighbors.answer",
        "POST",
        lambda w: f"/neighbors/contacts/{w['contact'].id}/accept",
        {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": 404, "volunteer": 404},
    ),
    Route("neighbors.ambassadors", "GET", lambda w: "/neighbors/ambassadors?q=邻", ADMINS),
    Route(
        "neighbors.appoint",
        "POST",
        lambda w: f"/neighbors/ambassadors/{w.memberships['resident'].id}/on",
        A_ADMIN_OBJECT,
    ),
]
