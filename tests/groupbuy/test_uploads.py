"""The shared upload helper: pictures re-encoded without metadata, capped, random names; others refused."""

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.core.errors import DomainError
from portal.core.uploads import save_image, upload_root


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.test_request_context():  # the refusals are translated texts
        yield tmp_path / "uploads"


def picture(fmt="JPEG", size=(64, 48), mode="RGB", exif=None, **save) -> bytes:
    image = Image.new(mode, size, (200, 80, 20) if mode == "RGB" else (200, 80, 20, 128))
    buffer = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/jpeg")


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90°
    return exif.tobytes()


def test_jpeg_with_exif_is_reencoded_upright_and_without_metadata(upload_folder):
    path = save_image(upload(picture(exif=gps_exif(), size=(64, 48))), "groupbuy")
    assert path.startswith("groupbuy/") and path.endswith(".webp")
    stored = upload_folder / path
    with Image.open(stored) as image:
        assert image.format == "WEBP"
        assert image.size == (48, 64)  # orientation applied
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneMaker" not in stored.read_bytes()


def test_names_are_random(upload_folder):
    first = save_image(upload(picture()), "groupbuy")
    second = save_image(upload(picture()), "groupbuy")
    assert first != second
    assert len(first.split("/")[1].split(".")[0]) == 22


def test_png_with_transparency_and_webp_are_accepted(upload_folder):
    png = save_image(upload(picture("PNG", mode="RGBA"), "a.png"), "groupbuy")
    webp = save_image(upload(picture("WEBP"), "b.webp"), "groupbuy")
    with Image.open(upload_folder / png) as image:
        assert image.mode == "RGBA"
    assert (upload_folder / webp).exists()


def test_jpeg_output_when_configured(app, upload_folder):
    app.config["UPLOAD_FORMAT"] = "JPEG"
    path = save_image(upload(picture("PNG", mode="RGBA"), "a.png"), "groupbuy")
    assert path.endswith(".jpg")
    with Image.open(upload_folder / path) as image:
        assert image.format == "JPEG" and image.mode == "RGB"


def test_large_pictures_are_scaled_down(app, upload_folder):
    app.config["UPLOAD_MAX_SIDE"] = 100
    path = save_image(upload(picture(size=(400, 200))), "groupbuy")
    with Image.open(upload_folder / path) as image:
        assert image.size == (100, 50)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"%PDF-1.4 not a picture", "invoice.pdf", "not a picture"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "x.svg", "not a picture"),
        (b"", "empty.jpg", "empty"),
        (picture("GIF"), "anim.gif", "not GIF"),
        (picture("BMP"), "old.bmp", "not BMP"),
        (picture()[:200], "cut.jpg", "damaged"),
    ],
)
def test_non_pictures_are_refused_with_a_reason(upload_folder, data, name, reason):
    with pytest.raises(DomainError) as refused:
        save_image(upload(data, name), "groupbuy")
    assert reason in str(refused.value)
    assert not upload_folder.exists() or not any(upload_folder.rglob("*.*"))


def test_size_and_pixel_caps(app, upload_folder):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    with pytest.raises(DomainError, match="too large"):
        save_image(upload(picture(size=(400, 400), quality=100)), "groupbuy")
    app.config["UPLOAD_MAX_BYTES"] = 5_000_000
    app.config["UPLOAD_MAX_PIXELS"] = 100 * 100
    with pytest.raises(DomainError, match="too many pixels"):
        save_image(upload(picture(size=(101, 100))), "groupbuy")


def test_missing_file_is_refused(upload_folder):
    with pytest.raises(DomainError, match="Choose a picture"):
        save_image(FileStorage(stream=io.BytesIO(b""), filename=""), "groupbuy")


def test_uploads_are_served_by_name_only(app, client, upload_folder):
    path = save_image(upload(picture()), "groupbuy")
    with client.get(f"/uploads/{path}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.get_data() == (upload_folder / path).read_bytes()
    assert upload_root() == upload_folder
    assert client.get("/uploads/groupbuy/AAAAAAAAAAAAAAAAAAAAAA.webp").status_code == 404
    assert client.get("/uploads/../secret_key").status_code == 404
    assert client.get("/uploads/groupbuy/x.py").status_code == 404
