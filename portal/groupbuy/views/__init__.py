"""Group-buy pages, one module per part: the buys (listing, a buy, joining), opening and
editing a buy, my orders, the leader's workbench, and 核销 (verifying a pickup)."""

from portal.groupbuy.views import buys, editing, orders, sharing, verify, workbench  # noqa: F401
