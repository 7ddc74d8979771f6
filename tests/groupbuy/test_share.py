"""Sharing a buy: its link on the page, and a poster (PNG) with the title, the price, the deadline
on the community's clock, the community's name and a QR code of the buy's link."""

import glob
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import qrcode
from flask_babel import force_locale
from PIL import Image

from portal.groupbuy import poster
from portal.groupbuy.poster import NoPosterFont, find_font, poster_layout, qr_matrix
from portal.groupbuy.views.sharing import poster_text
from tests.groupbuy.helpers import make_buy

LINK = "http://localhost/groupbuy/{}"


def _latin_font() -> str | None:
    """A font file that draws no Chinese (an icon font shipped with Playwright, or DejaVu)."""
    import playwright

    found = glob.glob(str(Path(playwright.__file__).parent / "driver/**/codicon*.ttf"), recursive=True)
    found += glob.glob("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    return found[0] if found else None


@pytest.fixture(autouse=True)
def _fresh_fonts():
    find_font.cache_clear()
    yield
    find_font.cache_clear()


def test_the_buy_page_offers_the_link_and_the_poster(world, auth):
    buy = make_buy(world.leader, [world.point])
    page = auth.login(world.residents[0].user).get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    link = LINK.format(buy.id)
    assert f'<a href="{link}">{link}</a>' in page  # a plain link, without JS too
    assert f'data-copy-link="{link}" hidden' in page  # shown by groupbuy.js where the clipboard is
    assert f'data-share-link="{link}"' in page
    assert f'href="/groupbuy/{buy.id}/poster.png"' in page


def test_the_poster_is_a_png_of_the_expected_size_with_the_buys_qr_code(world, auth, app):
    buy = make_buy(world.leader, [world.point])
    client = auth.login(world.residents[0].user)
    response = client.get(f"/groupbuy/{buy.id}/poster.png", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG" and image.size == poster.SIZE

    # the QR drawn is the buy's link: every module's centre is dark where the code is dark
    link = LINK.format(buy.id)
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=poster.QR_BORDER)
    expected.add_data(link)
    expected.make(fit=True)
    matrix = expected.get_matrix()
    assert [list(row) for row in qr_matrix(link)] == matrix
    with app.test_request_context(), force_locale("en"):
        layout = poster_layout(poster_text(buy, world.community.name), find_font(None))
    left, top, module = layout.qr
    assert module >= 8  # big enough for a phone camera across a room
    grey = image.convert("L")
    centre = module // 2
    size = range(len(matrix))

    def dark(row: int, col: int) -> bool:
        return grey.getpixel((left + col * module + centre, top + row * module + centre)) < 128

    drawn = [[dark(row, col) for col in size] for row in size]
    assert drawn == matrix

    etag = {"If-None-Match": response.headers["ETag"], "Accept-Language": "en"}
    again = client.get(f"/groupbuy/{buy.id}/poster.png", headers=etag)
    assert again.status_code == 304 and again.data == b""
    buy.title = "新的标题"
    from portal.core.db import db

    db.session.commit()
    changed = client.get(f"/groupbuy/{buy.id}/poster.png", headers=etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != response.headers["ETag"]


def test_the_poster_follows_who_may_see_the_buy(world, auth, app):
    buy = make_buy(world.leader, [world.point])
    assert auth.login(world.outsider.user).get(f"/groupbuy/{buy.id}/poster.png").status_code == 404
    anonymous = app.test_client().get(f"/groupbuy/{buy.id}/poster.png")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_poster_says_the_deadline_on_the_communitys_clock(world, app):
    buy = make_buy(world.leader, [world.point], deadline=datetime(2031, 3, 4, 9, 30, tzinfo=UTC))
    with app.test_request_context():
        with force_locale("zh"):
            text = poster_text(buy, "翠屏幸福里")
        assert text.deadline == "3月4日周二 17:30 截单"  # 09:30 UTC in Shanghai
        assert text.pickup.startswith("3月5日周三 05:30") and text.pickup.endswith("3栋自提点")
        assert (text.community, text.title, text.price, text.unit, text.reference) == (
            "翠屏幸福里",
            "阳山水蜜桃",
            "¥12.80",
            "/斤",
            "¥18.00",
        )
        assert text.link == LINK.format(buy.id) and text.scan == "扫码参团"
        with force_locale("en"):
            assert poster_text(buy, "翠屏幸福里").deadline == "Order by Tue, Mar 4 17:30"


def test_without_a_chinese_font_the_poster_is_a_503_that_says_so(world, auth, app, tmp_path):
    buy = make_buy(world.leader, [world.point])
    not_a_font = tmp_path / "font.ttc"
    not_a_font.write_text("not a font")
    candidates = [str(not_a_font)]
    latin = _latin_font()
    if latin:
        candidates.append(latin)
    with pytest.raises(NoPosterFont):
        find_font(tuple(candidates))
    app.config["POSTER_FONT"] = candidates
    response = auth.login(world.residents[0].user).get(
        f"/groupbuy/{buy.id}/poster.png", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 503
    assert "no font for Chinese" in response.get_data(as_text=True)


def test_the_setting_names_the_font_and_a_collection_uses_its_simplified_chinese_face(app):
    font = find_font(None)  # the usual paths (fonts-noto-cjk here and in CI)
    assert Path(font).exists()
    assert find_font(font) == font
    if font.endswith(".ttc"):
        from PIL import ImageFont

        assert ImageFont.truetype(font, 12, index=poster._sc_index(font)).getname()[0].endswith(" SC")
