"""Linli (邻里): the application factory."""

import logging
import secrets
from importlib import import_module
from pathlib import Path

from flask import Flask

from portal.config import DefaultConfig, env_overrides

ROOT = Path(__file__).resolve().parent.parent

# Domain packages, each with a blueprint `bp` in __init__.py and usually a models.py
DOMAINS = (
    "home",
    "accounts",
    "community",
    "notifications",
    "events",
    "pickup",
    "trace",
    "groupbuy",
    "points",
    "lockers",
    "reviews",
    "demand",
    "surveys",
    "aftersales",
    "dashboard",
    "neighbors",
    "moderation",
    "boards",
    "data_rights",
)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the portal: defaults, then instance/config.py, then PORTAL_* variables, then overrides."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_overrides())
    app.config.update(overrides or {})
    _finish_config(app)
    if app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXIES"])  # rate limits count per client address, not nginx's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    return app


def _finish_config(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'linli.sqlite3'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # one catalogue per domain (portal/<domain>/translations) besides the shared one
    domain_catalogues = sorted(p.parent.name + "/translations" for p in ROOT.glob("portal/*/translations"))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(["translations", *domain_catalogues]))
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if app.config.get("REMEMBER_COOKIE_SECURE") is None:  # one setting for both login cookies
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def _init_extensions(app: Flask) -> None:
    from portal.accounts.services import user_for_login_token
    from portal.core.access import login_redirect
    from portal.core.db import configure_engine, db
    from portal.core.i18n import select_locale
    from portal.extensions import babel, csrf, htmx, limiter, login_manager, migrate
    from portal.realtime import init_realtime

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(user_for_login_token)
    login_manager.unauthorized_handler(login_redirect)
    init_realtime(app)
    _import_models()


def _import_models() -> None:
    """Every model module, so the metadata (and migrations) see every table."""
    for name in DOMAINS:
        if (ROOT / "portal" / name / "models.py").exists():
            import_module(f"portal.{name}.models")


def _register_blueprints(app: Flask) -> None:
    from portal.core.health import bp as health_bp
    from portal.core.i18n import bp as i18n_bp
    from portal.core.inputs import register_converters
    from portal.core.uploads import bp as uploads_bp
    from portal.core.webapp import bp as webapp_bp

    register_converters(app)
    for name in DOMAINS:
        app.register_blueprint(import_module(f"portal.{name}").bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(webapp_bp)


def _register_request_hooks(app: Flask) -> None:
    from flask import request

    from portal.community.access import membership_globals
    from portal.core import inputs, localtime, masking
    from portal.core.db import begin_write
    from portal.core.errors import register_error_handlers
    from portal.core.htmx import add_vary_header
    from portal.core.i18n import language_globals
    from portal.core.security import add_security_headers

    app.before_request(inputs.drop_nul_bytes)  # first: every other hook and view sees clean input

    @app.before_request
    def writes_start_immediately():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            begin_write()

    app.after_request(add_vary_header)
    app.after_request(add_security_headers)
    app.context_processor(language_globals)
    app.context_processor(membership_globals)
    localtime.register_filters(app)
    masking.register_globals(app)
    register_error_handlers(app)
