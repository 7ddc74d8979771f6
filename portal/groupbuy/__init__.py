"""Group buying (团购): buys, orders, the waitlist, closing at the deadline, the leader workbench."""

from flask import Blueprint

bp = Blueprint("groupbuy", __name__)
