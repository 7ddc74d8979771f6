"""The listing page's words and links, made once per process and language.

The listing is the busiest page: its texts are translated once per language and its filter
links built once per (view, category), so rendering a card is attribute lookups in Jinja.
"""

from types import SimpleNamespace

from flask import url_for
from flask_babel import force_locale, get_locale, pgettext
from flask_babel import gettext as _

from portal.groupbuy.models import CATEGORY_LABELS, STATUS_LABELS, Category

VIEWS = ("open", "closing", "mine", "ended")
CATEGORY_ICONS = {"fresh": "🥬", "daily": "🧴", "local": "🌾", "handmade": "🧶", "service": "🧹"}

_TEXTS: dict[str, SimpleNamespace] = {}
_LINKS: dict[tuple[str, str], SimpleNamespace] = {}


def listing_texts() -> SimpleNamespace:
    """Every text of the listing page in the current language."""
    locale = str(get_locale() or "zh")
    if locale not in _TEXTS:
        with force_locale(locale):
            texts = {
                "title": _("Group buys"),
                "open_a_buy": _("Open a buy"),
                "which": _("Which buys"),
                "category": _("Category"),
                "all": _("All"),
                "progress": _("Progress toward the minimum"),
                "people": _("neighbours joined"),
                "order_by": _("Order by"),
                "pickup": _("Pickup from"),
                "soon": _("Closing soon"),
                "closing": _("Closing…"),
                "you": _("You"),
                "lead": _("You lead"),
                "more": _("More"),
                "reached": _("Reached"),
                "to_go": _("%(n)s %(unit)s to go"),
                "views": {
                    "open": pgettext("group buy", "Open"),
                    "closing": _("Closing soon"),
                    "mine": _("Mine"),
                    "ended": _("Ended"),
                },
                "categories": {key.value: str(label) for key, label in CATEGORY_LABELS.items()},
                "status": {key.value: str(label) for key, label in STATUS_LABELS.items()},
            }
        _TEXTS[locale] = SimpleNamespace(**texts)  # attribute lookups are the fast path in Jinja
    return _TEXTS[locale]


def filter_links(view: str, category: str) -> SimpleNamespace:
    """The tab and category links of the listing (the same for everyone)."""
    key = (view, category)
    if key not in _LINKS:
        _LINKS[key] = SimpleNamespace(
            views=[(v, url_for("groupbuy.index", view=v, category=category or None)) for v in VIEWS],
            all=url_for("groupbuy.index", view=view),
            categories=[(c.value, url_for("groupbuy.index", view=view, category=c.value)) for c in Category],
            self=url_for("groupbuy.index", view=view, category=category or None),
            detail_prefix=url_for("groupbuy.index") + "/",
            upload_prefix=url_for("uploads.serve", path="x")[:-1],
            new=url_for("groupbuy.new"),
        )
    return _LINKS[key]
