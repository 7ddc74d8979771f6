"""My data and account deletion in the access matrix (see tests/access.py): only for the logged-in
person, about themselves; kiosk screens have no personal data pages."""

from tests.access import Route

MINE = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok", "kiosk": 404}
# a POST without the password: refused in place, nothing deleted
CONFIRM = {"anonymous": "login", "resident": 422, "outsider": 422, "admin": 422, "kiosk": 404}
ANYONE = {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok"}

ROUTES = [
    Route("data_rights.data", "GET", lambda w: "/me/data", MINE),
    Route("data_rights.data_json", "GET", lambda w: "/me/data.json", MINE),
    Route("data_rights.delete", "GET", lambda w: "/me/delete", MINE),
    Route("data_rights.delete", "POST", lambda w: "/me/delete", CONFIRM, data=lambda w: {}),
    Route("data_rights.deleted", "GET", lambda w: "/me/deleted", ANYONE),
]
