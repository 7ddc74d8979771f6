"""Masks for what a viewer may not see in full: a person's name, a mobile number.

One rule, everywhere (buy pages, kiosk boards, the directory, boards, lists and CSV): the name's
first character and two stars, whatever the name's length — 王阿姨 → 王**, 新搬来的刘女士 →
新** — so the mask tells nothing of how long the name is. Who may see the full name is
decided by the neighbours' visibility rules (portal.neighbors.privacy), not here.
"""

NAME_MASK = "**"


def mask_name(name: str | None) -> str:
    """王阿姨 → 王**; an empty name → **."""
    name = (name or "").strip()
    return name[:1] + NAME_MASK


def mask_phone(phone: str | None) -> str:
    """13800001234 → 138****1234."""
    phone = (phone or "").strip()
    if len(phone) < 8:
        return "****"
    return f"{phone[:3]}****{phone[-4:]}"


def register_globals(app) -> None:
    app.jinja_env.globals.update(mask_name=mask_name, mask_phone=mask_phone)
