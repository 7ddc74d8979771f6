"""Points routes in the access matrix (see tests/access.py)."""

from tests.access import Route

MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok"}

ROUTES = [
    Route("points.index", "GET", lambda w: "/points", MEMBERS),
]
