"""Uploaded pictures: re-encoded by Pillow, size-capped, stored under random names, served back.

    path = save_image(request.files["photo"], "groupbuy")   # -> "groupbuy/Xy3…Q.webp"
    <img src="{{ path | upload_url }}">

Only JPEG, PNG and WebP come in; what is stored is always a fresh encoding (WebP, or JPEG
with UPLOAD_FORMAT="JPEG") of the pixels alone: no EXIF (GPS, camera serials), no ICC tricks,
no trailing payloads, orientation applied. Anything else is refused with a DomainError that
names the reason. Files live in instance/uploads/<subdir>/ and are served by `uploads.serve`;
a name is 128 random bits, so the address itself is the permission to see the picture.
"""

import io
import logging
import re
import secrets
import warnings
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, url_for
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.errors import DomainError

log = logging.getLogger(__name__)

bp = Blueprint("uploads", __name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
OUTPUT = {"WEBP": ("webp", {"quality": 82, "method": 4}), "JPEG": ("jpg", {"quality": 85, "optimize": True})}
SUBDIR = re.compile(r"^[a-z0-9_-]{1,40}$")
STORED_NAME = re.compile(r"^[a-z0-9_-]{1,40}/[A-Za-z0-9_-]{22}\.(webp|jpg)$")

DEFAULTS = {
    "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,  # what one picture may weigh when it arrives
    "UPLOAD_MAX_PIXELS": 40_000_000,  # width × height accepted before decoding (decompression bombs)
    "UPLOAD_MAX_SIDE": 2048,  # longest side stored; larger pictures are scaled down
    "UPLOAD_FORMAT": "WEBP",  # or "JPEG"
    "UPLOAD_FOLDER": None,  # default: instance/uploads
}


def _setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def upload_root() -> Path:
    return Path(_setting("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")


def save_image(file_storage, subdir: str) -> str:
    """Re-encode an uploaded picture and store it; returns its path relative to the uploads folder.

    Raises DomainError (with the reason) for a missing, oversized, unreadable or non-picture file.
    """
    if not SUBDIR.match(subdir):
        raise ValueError(f"bad upload folder {subdir!r}")
    encoded, extension = _reencode(_read_picture(file_storage))
    name = f"{secrets.token_urlsafe(16)}.{extension}"
    folder = upload_root() / subdir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(encoded)
    return f"{subdir}/{name}"


def check_image(file_storage) -> None:
    """Refuse (DomainError with the reason) what save_image would refuse, storing nothing.

    For a form's own check, so a bad picture is reported with the form's other errors; the
    stream is rewound, so save_image can read the same upload afterwards.
    """
    try:
        _read_picture(file_storage)
    finally:
        stream = getattr(file_storage, "stream", None)
        if stream is not None and stream.seekable():
            stream.seek(0)


def _read_picture(file_storage) -> Image.Image:
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise DomainError(_l("Choose a picture to upload."))
    max_bytes = _setting("UPLOAD_MAX_BYTES")
    data = file_storage.stream.read(max_bytes + 1)
    if not data:
        raise DomainError(_l("The file is empty."))
    if len(data) > max_bytes:
        raise DomainError(
            _l("The picture is too large (at most %(mb)s MB).", mb=round(max_bytes / 1024 / 1024, 1))
        )
    return _open_picture(data, file_storage.filename)


def _open_picture(data: bytes, filename: str) -> Image.Image:
    """Decode the bytes as a JPEG, PNG or WebP picture within the pixel cap, or refuse."""
    max_pixels = _setting("UPLOAD_MAX_PIXELS")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image_format = image.format
            width, height = image.size
            if image_format not in ACCEPTED_FORMATS:
                raise DomainError(
                    _l("Only JPEG, PNG or WebP pictures can be uploaded, not %(kind)s.", kind=image_format)
                )
            if width * height > max_pixels:
                raise DomainError(_l("The picture has too many pixels (%(w)s × %(h)s).", w=width, h=height))
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise DomainError(_l("The picture has too many pixels.")) from error
    except UnidentifiedImageError as error:
        log.info("upload refused, not a picture: %r", filename)
        raise DomainError(_l("This file is not a picture (JPEG, PNG or WebP).")) from error
    except (OSError, SyntaxError, ValueError) as error:
        log.info("upload refused, broken picture %r: %s", filename, error)
        raise DomainError(_l("The picture is damaged or incomplete.")) from error
    return image


def _reencode(image: Image.Image) -> tuple[bytes, str]:
    """The pixels alone, upright, scaled to the size cap, in the output format."""
    image = ImageOps.exif_transpose(image)  # apply the orientation, then drop all metadata
    max_side = _setting("UPLOAD_MAX_SIDE")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    output_format = _setting("UPLOAD_FORMAT").upper()
    extension, options = OUTPUT[output_format]
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if output_format == "WEBP" and has_alpha:
        image = image.convert("RGBA")
    elif has_alpha:
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)  # a fresh image: no info/exif/icc carried over
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(buffer, output_format, **options)
    return buffer.getvalue(), extension


def delete_upload(path: str | None) -> None:
    """Remove a stored upload (missing files and foreign paths are ignored)."""
    if path and STORED_NAME.match(path):
        (upload_root() / path).unlink(missing_ok=True)


def upload_url(path: str) -> str:
    return url_for("uploads.serve", path=path)


@bp.app_template_filter("upload_url")
def upload_url_filter(path: str) -> str:
    return upload_url(path)


@bp.get("/uploads/<path:path>")
def serve(path: str):
    """A stored upload; its random name is the capability (no listing, no other files)."""
    if not STORED_NAME.match(path):
        abort(404)
    try:
        data = (upload_root() / path).read_bytes()  # small files; read whole, nothing left open
    except FileNotFoundError:
        abort(404)
    mimetype = "image/webp" if path.endswith(".webp") else "image/jpeg"
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "public, max-age=31536000, immutable"})
