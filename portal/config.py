"""Configuration: defaults here, then instance/config.py, then PORTAL_* environment variables."""

import json
import os
from datetime import timedelta


class DefaultConfig:
    SECRET_KEY = None  # generated into instance/secret_key on first start when not configured
    DATABASE_URL = None  # default: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another's lock; then a 503
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "简体中文", "en": "English"}

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: pages stay open for hours
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = None  # None: as SESSION_COOKIE_SECURE
    LOGIN_SESSION_HOURS = 24 * 14
    KIOSK_SESSION_DAYS = 365

    # argon2id cost; tests lower it to keep the suite fast
    PASSWORD_HASH = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}

    LOGIN_RATE_LIMIT = "10 per 10 minutes"  # attempts on one phone number from one address
    # failed logins from one address, whatever the phone numbers: guessing across many accounts.
    # Only failures count, so neighbours behind one address still log in; and no limit is keyed
    # by the phone number alone, so a stranger cannot lock a resident out by failing with hers.
    LOGIN_FAILURES_PER_ADDRESS = "30 per 10 minutes"
    # opening a batch's public trace page (or its JSON) per address: a phone scanning codes, not a crawler
    TRACE_PAGE_RATE_LIMIT = "60 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None  # Socket.IO message queue and rate-limit store when several processes run
    PROXIES = 0  # reverse proxies in front (nginx: 1): the client's address and scheme come from them

    INVITE_TTL_HOURS = 72
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    MQTT_URL = None  # None: `make run` starts the embedded broker
    MQTT_TOPIC_ROOT = "linli"

    # the share poster of a buy draws Chinese text: a CJK font file (.ttc/.otf/.ttf), or a list
    # of them to try in turn; None tries the usual Noto CJK paths, then `fc-match :lang=zh`
    POSTER_FONT = None


def env_overrides(environ=os.environ) -> dict:
    """PORTAL_X=value sets config X; values that parse as JSON (numbers, true, lists) are typed."""
    overrides = {}
    for name, raw in environ.items():
        if not name.startswith("PORTAL_") or name.startswith("PORTAL_TEST_"):
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        overrides[name.removeprefix("PORTAL_")] = value
    return overrides
