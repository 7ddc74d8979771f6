"""Language choice (简体中文 / English) and the globals every template sees."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.core.db import db
from portal.core.htmx import redirect_to

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # MQTT ingest, CLI commands: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything pointing elsewhere becomes `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.post("/locale")
def set_locale():
    """Switch the interface language; remembered on the account when logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect_to(safe_next(request.form.get("next")))


def language_globals() -> dict:
    locale = str(get_locale() or "zh")
    return {
        "languages": current_app.config["LANGUAGES"],
        "locale": locale,
        "html_lang": "zh-CN" if locale == "zh" else locale,
    }
