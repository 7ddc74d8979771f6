"""Sections that a higher domain adds to a page of a lower one, which cannot import it.

The model is core/nav.py's tiles. A domain registers in its blueprint module, e.g. points on a
neighbour's profile:

    register_section("neighbors.profile", "points/_badges.html", badges_section)

`badges_section(member=...)` returns the section's template context, or None to show nothing.
The page's view passes `sections=sections("neighbors.profile", member=member)` and its template
writes them out in order: `{% for section in sections %}{{ section }}{% endfor %}`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[..., dict | None]
    order: int = 50


SECTIONS: dict[str, list[Section]] = {}


def register_section(page: str, template: str, context: Callable[..., dict | None], order: int = 50) -> None:
    items = SECTIONS.setdefault(page, [])
    if all(existing.template != template for existing in items):
        items.append(Section(template, context, order))
        items.sort(key=lambda s: s.order)


def sections(page: str, **args) -> list[Markup]:
    """The page's sections, rendered for this request (each asks for what it shows)."""
    rendered = []
    for section in SECTIONS.get(page, ()):
        context = section.context(**args)
        if context is not None:
            rendered.append(Markup(render_template(section.template, **context)))
    return rendered
