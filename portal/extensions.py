"""Extension objects, created unbound and initialised in create_app."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.core.db import db

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def per_person() -> str:
    """A rate limit's key for limits per person (their login), by address before logging in."""
    return f"user:{current_user.get_id() or request.remote_addr}"
login_manager = LoginManager()
migrate = Migrate()
socketio = SocketIO()

__all__ = ["babel", "csrf", "db", "htmx", "limiter", "login_manager", "migrate", "per_person", "socketio"]
