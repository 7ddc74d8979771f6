"""Draw the portal's PNG icons from static/icons/icon.svg, once (the PNGs are committed).

    .venv/bin/python scripts/make_icons.py

Chromium (Debian's, through Playwright) renders the SVG at each size; the maskable icon puts
the mark inside the 80 % safe zone on a full-bleed square, so a launcher's mask never cuts it;
favicon.ico holds 16, 32 and 48 px (Pillow).
"""

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
BACKGROUND = "#c2410c"
SIZES = {"icon-192.png": 192, "icon-512.png": 512, "apple-touch-icon.png": 180, "icon-48.png": 48}


def render(page, svg: str, size: int, maskable: bool = False) -> bytes:
    inner = int(size * 0.8) if maskable else size
    sized = svg.replace("<svg ", "<svg width=100% height=100% ", 1)
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        f"<html><body style='margin:0;width:{size}px;height:{size}px;display:grid;place-items:center;"
        f"background:{BACKGROUND if maskable else 'transparent'}'>"
        f"<div style='width:{inner}px;height:{inner}px'>{sized}</div>"
        "</body></html>"
    )
    return page.screenshot(omit_background=not maskable)


def main() -> None:
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        for name, size in SIZES.items():
            (ICONS / name).write_bytes(render(page, svg, size))
        (ICONS / "icon-maskable-512.png").write_bytes(render(page, svg, 512, maskable=True))
        browser.close()
    big = Image.open(io.BytesIO((ICONS / "icon-48.png").read_bytes()))
    big.save(ICONS / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    (ICONS / "icon-48.png").unlink()


if __name__ == "__main__":
    main()
