"""A buy's share poster: a PNG to forward to a chat group — the community's name, the title,
the price, the deadline on the community's wall clock and a QR code of the buy's link.

Chinese needs a CJK font. `POSTER_FONT` names one (or a list to try); without it the usual
Noto CJK paths are tried, then fontconfig (`fc-match :lang=zh`). A font that cannot draw 团
does not count: with none found the poster is refused (NoPosterFont, a 503 that says so)
rather than drawn in boxes.
"""

import functools
import hashlib
import io
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw, ImageFont

SIZE = (750, 1320)  # px: a phone-screen poster, what chat apps show whole
QR_SIZE = 400
QR_BORDER = 2  # modules of white around the code (and the poster's white card around that)
MARGIN = 56

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",  # Arch
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",  # Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)

ACCENT = (194, 65, 12)
ACCENT_SOFT = (255, 247, 237)
INK = (31, 41, 55)
MUTED = (107, 114, 128)
WHITE = (255, 255, 255)


class NoPosterFont(Exception):
    """No font that draws Chinese was found (POSTER_FONT, the usual paths, fontconfig)."""


@dataclass(frozen=True)
class PosterText:
    """What the poster says, already translated and formatted."""

    community: str
    kicker: str  # 社区团购 · a line under the community's name
    title: str
    price: str  # ¥12.80
    unit: str  # /斤
    reference: str  # ¥18.00 struck through, or ""
    deadline: str  # 12月5日周六 17:39 截单
    pickup: str  # 12月6日周日 08:00 起自提 · 3栋自提点
    scan: str  # 扫码参团
    link: str  # the buy's address (the QR's content)

    def fingerprint(self, font: str) -> str:
        """An ETag: the same texts in the same font make the same picture."""
        return hashlib.sha256(repr((self, font, SIZE)).encode()).hexdigest()[:32]


def _draws_chinese(path: str) -> bool:
    """Whether the font has a glyph for 团 (not the box it draws for a character it lacks)."""
    try:
        font = ImageFont.truetype(path, 40, index=_sc_index(path))
    except OSError:
        return False
    return bytes(font.getmask("团")) != bytes(font.getmask("\uffff"))


@functools.lru_cache(maxsize=16)
def _sc_index(path: str) -> int:
    """In a collection (.ttc), the face for Simplified Chinese ("… SC"); 0 otherwise."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(12):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


def _fontconfig() -> list[str]:
    """What fontconfig offers for Chinese, if it is installed."""
    if shutil.which("fc-match") is None:
        return []
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn:weight=bold"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return []
    return [found] if found else []


@functools.lru_cache(maxsize=8)
def find_font(setting: str | tuple[str, ...] | None) -> str:
    """The font file the poster uses: the setting's first that draws Chinese, else the usual
    paths', else fontconfig's. Found once per process and setting."""
    if setting:
        candidates = [setting] if isinstance(setting, str) else list(setting)
    else:
        candidates = [*FONT_PATHS, *_fontconfig()]
    for path in candidates:
        if _draws_chinese(path):
            return path
    raise NoPosterFont(", ".join(candidates) or "no candidates")


def font_from_config(config) -> str:
    setting = config.get("POSTER_FONT")
    return find_font(tuple(setting) if isinstance(setting, list) else setting)


@functools.lru_cache(maxsize=64)
def qr_matrix(link: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of the link, module by module (True: dark), with its quiet border."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER)
    code.add_data(link)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@functools.lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A face of the font in a size, loaded once per process (a CJK collection is large)."""
    return ImageFont.truetype(path, size, index=_sc_index(path))


def _fonts(path: str, *sizes: int) -> list[ImageFont.FreeTypeFont]:
    return [_font(path, size) for size in sizes]


# a line may break before or after any CJK character or full-width punctuation, and between
# words; a run of Latin letters or digits ("17", "honey") stays whole
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+|\\s+")
_NO_LINE_START = set("，。、；：！？）》」』】,.;:!?)")


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Lines of at most `width` px, broken between words and around Chinese characters (not
    before a comma or a full stop); the last line ends in … if the text goes on."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        candidate = line + token
        if draw.textlength(candidate.rstrip(), font=font) <= width or not line.strip() or token.isspace():
            line = candidate
        elif token in _NO_LINE_START and len(line) > 1:
            lines.append(line[:-1].rstrip())  # the character before moves down with the comma
            line = line[-1] + token
        else:
            lines.append(line.rstrip())
            line = token
        while draw.textlength(line.rstrip(), font=font) > width and len(line) > 1:  # a word wider than a line
            cut = len(line) - 1
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.strip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip(" ·，,") + "…"]
    return lines


def _fit(draw, text: str, font, width: int) -> str:
    """One line, cut with … if it is wider than `width`."""
    return _wrap(draw, text, font, width, 1)[0] if text else ""


TITLE_TOP = 226
TITLE_LINE = 66
CARD_BOTTOM = SIZE[1] - 96


@dataclass(frozen=True)
class Layout:
    """Where things go: the title's and the pickup's lines, and the QR (left, top, module px)."""

    title: list[str]
    pickup: list[str]
    qr: tuple[int, int, int]


def poster_layout(text: PosterText, font_path: str) -> Layout:
    """The lines as they wrap in this font, and the QR centred in the room left below them."""
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    title_font, small = _fonts(font_path, 50, 28)
    width = SIZE[0] - 2 * MARGIN
    title = _wrap(draw, text.title, title_font, width, 3)
    pickup = _wrap(draw, text.pickup, small, width, 2) if text.pickup else []
    content_bottom = TITLE_TOP + TITLE_LINE * len(title) + 14 + 120 + 64 + 16 + 42 * len(pickup)
    modules = len(qr_matrix(text.link))
    module = QR_SIZE // modules
    side = module * modules
    room_top, room_bottom = content_bottom + 24, CARD_BOTTOM - 64  # the scan caption below
    top = room_top + max(0, (room_bottom - room_top - side) // 2)
    return Layout(title, pickup, ((SIZE[0] - side) // 2, top, module))


# one poster at a time per process: the cached faces are shared (FreeType faces are not safe to
# draw with from two threads at once), and a burst of poster requests takes one core, not all
_DRAWING = threading.Lock()


def draw_poster(text: PosterText, font_path: str) -> bytes:
    """The poster as PNG bytes (SIZE, RGB), ~40 ms."""
    with _DRAWING:
        return _draw(text, font_path)


def _draw(text: PosterText, font_path: str) -> bytes:
    layout = poster_layout(text, font_path)
    image = Image.new("RGB", SIZE, ACCENT_SOFT)
    draw = ImageDraw.Draw(image)
    big, title_font, price_font, body, small, tiny = _fonts(font_path, 40, 50, 76, 32, 28, 22)
    width = SIZE[0] - 2 * MARGIN

    # the community's band
    draw.rectangle((0, 0, SIZE[0], 150), fill=ACCENT)
    draw.text((MARGIN, 34), _fit(draw, text.community, big, width), font=big, fill=WHITE)
    draw.text((MARGIN, 94), _fit(draw, text.kicker, small, width), font=small, fill=(255, 237, 213))

    # the card: title, price, deadline, pickup, QR
    draw.rounded_rectangle((MARGIN // 2, 186, SIZE[0] - MARGIN // 2, CARD_BOTTOM), radius=28, fill=WHITE)
    y = TITLE_TOP
    for line in layout.title:
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += TITLE_LINE
    y += 14
    draw.text((MARGIN, y), text.price, font=price_font, fill=ACCENT)
    x = MARGIN + draw.textlength(text.price, font=price_font) + 8
    draw.text((x, y + 34), text.unit, font=body, fill=ACCENT)
    if text.reference:
        x += draw.textlength(text.unit, font=body) + 24
        draw.text((x, y + 34), text.reference, font=body, fill=MUTED)
        middle = y + 34 + body.size * 0.62
        draw.line((x, middle, x + draw.textlength(text.reference, font=body), middle), fill=MUTED, width=3)
    y += 120
    draw.rounded_rectangle((MARGIN, y, MARGIN + width, y + 64), radius=14, fill=ACCENT_SOFT)
    draw.text((MARGIN + 20, y + 13), _fit(draw, text.deadline, body, width - 40), font=body, fill=INK)
    y += 64 + 16
    for line in layout.pickup:
        draw.text((MARGIN, y), line, font=small, fill=MUTED)
        y += 42

    # the QR code of the buy's link, module by module
    left, top, module = layout.qr
    matrix = qr_matrix(text.link)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                x0, y0 = left + col * module, top + row * module
                draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill=INK)
    bottom = top + module * len(matrix)
    scan_width = draw.textlength(text.scan, font=body)
    draw.text(((SIZE[0] - scan_width) / 2, bottom + 10), text.scan, font=body, fill=INK)

    link = _fit(draw, text.link, tiny, width)
    draw.text(((SIZE[0] - draw.textlength(link, font=tiny)) / 2, SIZE[1] - 66), link, font=tiny, fill=MUTED)

    buffer = io.BytesIO()
    image.save(buffer, "PNG")  # optimize=True would take ~5× as long for ~10 % less
    return buffer.getvalue()
