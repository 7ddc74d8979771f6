"""Where domains put themselves in the navigation: bottom tabs and home-page tiles.

A domain registers in its blueprint module, e.g.
    register_tab("groupbuy.index", _l("Buy"), "🛒", order=20)
    register_tile("events.index", _l("Events"), "📅", order=30, visible=lambda m: m.has(Role.ADMIN))
`visible` gets the current membership (None when the person has no community).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    order: int = 50
    visible: object = field(default=None, compare=False)  # membership -> bool; default: members

    def shown_to(self, membership) -> bool:
        if self.visible is None:
            return membership is not None
        return bool(self.visible(membership))


TABS: list[NavItem] = []
TILES: list[NavItem] = []


def _register(items: list, item: NavItem) -> None:
    if all(existing.endpoint != item.endpoint for existing in items):
        items.append(item)
        items.sort(key=lambda i: i.order)


def register_tab(endpoint, label, icon, order=50, visible=None) -> None:
    _register(TABS, NavItem(endpoint, label, icon, order, visible))


def register_tile(endpoint, label, icon, order=50, visible=None) -> None:
    _register(TILES, NavItem(endpoint, label, icon, order, visible))


def nav_for(membership) -> dict:
    return {
        "nav_tabs": [t for t in TABS if t.shown_to(membership)],
        "nav_tiles": [t for t in TILES if t.shown_to(membership)],
    }
