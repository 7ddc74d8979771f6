"""The little rich text residents may write: bold, italics, lists, quotes, http(s) links.

Everything goes through nh3 (an allow-list sanitiser); on top of its allow-list we refuse
any attribute that could drive htmx (hx-*, data-hx-*) or script (on*), whatever a future
allow-list says. Plain line breaks become <br>.
"""

import re

import nh3
from markupsafe import Markup

TAGS = {"b", "strong", "i", "em", "u", "s", "br", "p", "ul", "ol", "li", "blockquote", "a"}
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_DANGEROUS_ATTR = re.compile(r"^(hx-|data-hx-|on)", re.IGNORECASE)


def _attribute_filter(tag: str, attr: str, value: str):
    if _DANGEROUS_ATTR.match(attr):
        return None
    return value


def clean_html(text: str) -> str:
    """Sanitised HTML for `text` (what residents typed: mostly plain text, a few tags allowed)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    cleaned = nh3.clean(
        text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        url_relative="deny",
        clean_content_tags={"script", "style", "template", "iframe", "object", "embed", "svg", "math"},
    )
    return cleaned.replace("\n", "<br>\n")


def rich(html: str) -> Markup:
    """Stored, already-cleaned HTML for templates (cleaned once more on the way out)."""
    return Markup(
        nh3.clean(
            html or "",
            tags=TAGS,
            attributes=ATTRIBUTES,
            attribute_filter=_attribute_filter,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow ugc",
            url_relative="deny",
        )
    )


def plain_excerpt(html: str, length: int = 120) -> str:
    """Text only (no tags) for list previews; the template escapes it."""
    text = nh3.clean(html or "", tags=set()).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= length else text[: length - 1] + "…"
