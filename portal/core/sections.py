"""Sections that a higher domain adds to a page of a lower one, which cannot import it.

The model is core/nav.py's tiles. A domain registers in its blueprint module, e.g. points on a
neighbour's profile:

    register_section("neighbors.profile", "points/_badges.html", badges_section)

`badges_section(member=...)` returns the section's template context, or None to show nothing.
The page's view passes `sections=sections("neighbors.profile", member=member)` and its template
writes them out in order: `{% for section in sections %}{{ section }}{% endfor %}`.

A section may also have a `name` and the push types (`live`) after which it is fetched again on
its own: the page wraps it in an element whose hx-get asks for that one section
(`named_section` then `render_section`: the community home's cards, portal/home).
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
    name: str = ""  # fetched alone by name (live cards); "" for a section shown only with its page
    live: tuple[str, ...] = ()  # push types ("order", "notification") after which it refetches


SECTIONS: dict[str, list[Section]] = {}


def register_section(
    page: str,
    template: str,
    context: Callable[..., dict | None],
    order: int = 50,
    name: str = "",
    live: tuple[str, ...] = (),
) -> None:
    items = SECTIONS.setdefault(page, [])
    if all(existing.template != template for existing in items):
        items.append(Section(template, context, order, name, tuple(live)))
        items.sort(key=lambda s: s.order)


def render_section(section: Section, **args) -> Markup:
    """One section rendered for this request; empty when it has nothing to show."""
    context = section.context(**args)
    return Markup("") if context is None else Markup(render_template(section.template, **context))


def named_section(page: str, name: str) -> Section | None:
    """The page's section of that name (None: no such section)."""
    return next((s for s in SECTIONS.get(page, ()) if name and s.name == name), None)


def placed_sections(page: str, **args) -> list[tuple[Section, Markup]]:
    """Every section of the page with its rendering, the empty ones too: a live section keeps its
    place on the page so that a push can fill it later."""
    return [(section, render_section(section, **args)) for section in SECTIONS.get(page, ())]


def sections(page: str, **args) -> list[Markup]:
    """The page's sections that have something to show, rendered for this request."""
    return [html for _, html in placed_sections(page, **args) if html]
