"""Reviews by verified pickers (已提货评价), and each product's trust archive (信任档案).

A resident reviews an order they collected, once, within 30 days; the reviews of a product
across all its buys and batches make its trust archive. Summaries appear as sections of the
buy page, the public trace page, the leader's workbench and the resident's order.
"""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from portal.reviews import sections, services, views  # noqa: E402,F401

sections.register()
