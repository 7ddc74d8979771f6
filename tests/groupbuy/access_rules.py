"""Group-buy routes (and the shared uploads route) in the access matrix (see tests/access.py)."""

import io
import tempfile

from flask import current_app
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.uploads import save_image
from tests.access import Route

ANYONE = {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok"}
NOBODY = {p: 404 for p in ANYONE}


def _stored_picture() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, "PNG")
    current_app.config["UPLOAD_FOLDER"] = tempfile.mkdtemp(prefix="linli-access-uploads-")
    return save_image(FileStorage(io.BytesIO(buffer.getvalue()), filename="p.png"), "groupbuy")


def populate(world):
    world.objects["picture"] = _stored_picture()


ROUTES = [
    # uploads: the random name is the permission; unknown or malformed names are 404
    Route("uploads.serve", "GET", lambda w: f"/uploads/{w['picture']}", ANYONE),
    Route("uploads.serve", "GET", lambda w: "/uploads/groupbuy/AAAAAAAAAAAAAAAAAAAAAA.webp", NOBODY),
    Route("uploads.serve", "GET", lambda w: "/uploads/secret_key", NOBODY),
]
